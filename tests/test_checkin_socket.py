"""The room socket's sign-in (签到) messages: `checkin` and its malformed variants (docs/live-room-protocol.md,
"Sign-in (签到)"). Every refusal is an error with its code; the socket stays up."""

from __future__ import annotations

import json

import pytest

from livestreams.models import Attendance, LiveSession
from tests.classes_helpers import class_session
from tests.room_helpers import clean_room_redis
from tests.test_socket_frames import events, open_socket, replies

pytestmark = [pytest.mark.realtime, pytest.mark.django_db(transaction=True)]
S = LiveSession.Status


@pytest.fixture(autouse=True)
def _clean_redis():
    clean_room_redis()


def greeting(ws):
    """Everything sent on connect, up to and including the parts' snapshots."""
    got = []
    while not any(e["type"] == "viewers" for e in got):
        got += events(ws)
    ws.send(json.dumps({"type": "ping"}))
    while got[-1]["type"] != "pong":
        got += events(ws)
    return got


def test_checkin_signs_in_and_the_next_connection_knows(world, member, hub_server):
    live = class_session(world, status=S.LIVE)
    path = f"/ws/live/{live.pk}/"
    with open_socket(hub_server, path, member) as ws:
        assert {"type": "checkin", "signed_in_at": None} in greeting(ws)
        ws.send(json.dumps({"type": "checkin", "nonce": "n1"}))
        got = []
        while not any(e["type"] == "ack" for e in got):
            got += events(ws)
        ack = next(e for e in got if e["type"] == "ack")
        assert ack["nonce"] == "n1" and ack["checkin"]["newly"] is True
    at = Attendance.objects.get(session=live).signed_in_at
    with open_socket(hub_server, path, member) as ws:
        assert {"type": "checkin", "signed_in_at": at.isoformat()} in greeting(ws)


@pytest.mark.parametrize(
    "frame,code",
    [
        ({"type": "checkin", "code": 5}, "invalid"),
        ({"type": "checkin", "code": None}, "invalid"),
        ({"type": "checkin", "code": ["A7K2"]}, "invalid"),
        ({"type": "checkin", "code": "X" * 9}, "invalid"),
        ({"type": "checkin", "code": "\u0000"}, "checkin_refused"),
    ],
)
def test_malformed_checkins_are_refused_and_the_socket_stays_up(world, member, hub_server, frame, code):
    live = class_session(world, status=S.SCHEDULED)
    with open_socket(hub_server, f"/ws/live/{live.pk}/", member) as ws:
        greeting(ws)
        ws.send(json.dumps({**frame, "nonce": "bad"}))
        ws.send(json.dumps({"type": "ping"}))
        error, pong = replies(ws, 2)
        assert (
            error["type"] == "error"
            and error["code"] == code
            and error["message"]
            and error["nonce"] == "bad"
        )
        assert pong == {"type": "pong"}
    assert not Attendance.objects.filter(signed_in_at__isnull=False).exists()


def test_a_checkin_outside_the_audience_or_before_the_class_is_refused(world, official, member, hub_server):
    live = class_session(world, status=S.LIVE)
    scheduled = class_session(world, status=S.SCHEDULED)
    for user, session in ((official, live), (member, scheduled)):
        with open_socket(hub_server, f"/ws/live/{session.pk}/", user) as ws:
            greeting(ws)
            ws.send(json.dumps({"type": "checkin"}))
            (error,) = replies(ws, 1)
            assert error["code"] == "checkin_refused" and error["message"]
    assert not Attendance.objects.filter(signed_in_at__isnull=False).exists()
