"""Issue 15, the host's console on the room socket: the audience with who is here now (from presence), the
stream's state, "end now" reaching the viewers, and malformed or refused console frames (the socket stays up)."""

from __future__ import annotations

import asyncio

import pytest
from django.db import connection
from django.urls import reverse

from livestreams.models import LiveSession, StreamPublish
from tests import factories as f
from tests.room_helpers import Reader, clean_room_redis, run, session_cookie, socket
from tests.support import client_for

pytestmark = [pytest.mark.realtime, pytest.mark.django_db(transaction=True)]
S = LiveSession.Status


@pytest.fixture(autouse=True)
def _clean_redis():
    clean_room_redis()


@pytest.fixture
def live(world, organizer):
    session = f.LiveSessionFactory(
        host_organization=world.root_a, status=S.LIVE, audience_orgs=[world.branch_a]
    )
    f.PartyClassFactory(session=session)
    return session


def path(session) -> str:
    return f"/ws/live/{session.pk}/"


def test_the_host_sees_a_member_turn_from_absent_to_present(live, organizer, member):
    host_cookie, member_cookie = session_cookie(organizer), session_cookie(member)

    async def scenario():
        host = Reader(socket(path(live), cookie=host_cookie))
        await host.joined()
        first = await host.of_type("console")
        viewer = Reader(socket(path(live), cookie=member_cookie))
        await viewer.joined()
        await host.until(lambda e: e["type"] == "viewers" and e["count"] == 2)
        await host.send({"type": "console_refresh", "nonce": "c1"})
        second = await host.of_type("console")
        ack = await host.of_type("ack")
        await viewer.close()
        await host.close()
        return first, second, ack

    first, second, ack = run(scenario)
    by_user = {m["user_id"]: m for m in first["audience"]["members"]}
    assert by_user[member.pk]["present"] is False and first["audience"]["present"] == 0
    by_user = {m["user_id"]: m for m in second["audience"]["members"]}
    assert by_user[member.pk]["present"] is True and second["audience"]["present"] == 1
    assert by_user[member.pk]["name"] == "陈党员"
    assert second["stream"] == {
        "pushing": False,
        "seconds": 0,
        "reconnects": 0,
        "bitrate_kbps": None,
        "fps": None,
        "stat": False,
    }
    assert ack["nonce"] == "c1"


def test_a_live_room_without_a_push_says_so_and_a_push_counts_reconnects(live, organizer, member):
    member_cookie, host_cookie = session_cookie(member), session_cookie(organizer)
    from django.utils import timezone

    now = timezone.now()
    LiveSession.objects.filter(pk=live.pk).update(went_live_at=now)
    StreamPublish.objects.create(session=live, client_id="1", started_at=now, last_seen_at=now, ended_at=now)
    StreamPublish.objects.create(session=live, client_id="2", started_at=now, last_seen_at=now)

    async def scenario():
        viewer = Reader(socket(path(live), cookie=member_cookie))
        await viewer.joined()
        state = await viewer.of_type("stream_state")
        rest = await viewer.drain(0.5)
        host = Reader(socket(path(live), cookie=host_cookie))
        await host.joined()
        console = await host.of_type("console")
        await viewer.close()
        await host.close()
        return state, rest, console

    state, rest, console = run(scenario)
    assert state == {"type": "stream_state", "pushing": True}
    assert not [e for e in rest if e["type"] == "console"]  # the console is for moderators only
    assert console["stream"]["pushing"] is True and console["stream"]["reconnects"] == 1


def test_a_class_the_clock_turns_live_tells_open_rooms_whether_anybody_pushes(world, member):
    # Issue 15: a room opened before the start learns "waiting for the stream" when the clock turns the
    # class live without a push (before, only the rooms opened afterwards got stream_state, on connect).
    from livestreams.services.sessions import session_start

    sessions = [
        f.LiveSessionFactory(
            host_organization=world.root_a, audience_orgs=[world.branch_a], playback=playback
        )
        for playback in (LiveSession.Playback.HUB, LiveSession.Playback.EXTERNAL)
    ]
    hub, external = sessions
    external.external_url = "https://live.douyin.com/123456"
    external.save(update_fields=["external_url"])
    cookie = session_cookie(member)

    def start(session_id):
        try:
            return session_start(session_id=session_id)
        finally:
            connection.close()

    async def scenario():
        seen = []
        for session in sessions:
            viewer = Reader(socket(path(session), cookie=cookie))
            await viewer.joined()
            assert [e for e in await viewer.drain(0.5) if e["type"] == "stream_state"] == []  # scheduled
            assert await asyncio.to_thread(start, session.pk) is True
            await viewer.until(lambda e: e["type"] == "status" and e["status"] == "live", timeout=10)
            seen.append(await viewer.drain(1))
            await viewer.close()
        return seen

    after_hub, after_external = run(scenario)
    assert [e for e in after_hub if e["type"] == "stream_state"] == [
        {"type": "stream_state", "pushing": False}
    ]
    # An external platform's stream is not the hub's to know about: no stream_state.
    assert [e for e in after_external if e["type"] == "stream_state"] == []


def test_end_now_ends_the_class_for_the_viewers(live, organizer, member):
    member_cookie = session_cookie(member)
    client = client_for(organizer)

    def end_now():
        try:
            return client.post(reverse("learning:end_now", args=[live.pk]))
        finally:
            connection.close()  # the thread's own connection, so that the test database can be dropped

    async def scenario():
        viewer = Reader(socket(path(live), cookie=member_cookie))
        await viewer.joined()
        # The organizer's browser posts the form from elsewhere: a thread of its own, not the socket's.
        response = await asyncio.to_thread(end_now)
        status = await viewer.until(lambda e: e["type"] == "status", timeout=10)
        await viewer.close()
        return response, status

    response, status = run(scenario)
    assert response.status_code == 302
    assert status == {"type": "status", "status": "ended"}
    live.refresh_from_db()
    assert live.status == S.ENDED and live.ended_at is not None


BAD_CONSOLE_FRAMES = [
    ('{"type":"console_refresh","nonce":' + "[" * 20 + "]" * 20 + "}", "too_deep"),
    ('{"type":"console_refresh","x":1e999999}', "bad_json"),
    ('{"type":"console_refresh","type":"console_refresh"}', "bad_json"),
    ('{"type":"console_refresh","x":"\\ud800"}', "invalid"),
    ('{"type":"console"}', "unknown_type"),  # a server message type sent back
    ('{"type":"stream_state","pushing":true}', "unknown_type"),
]


def test_malformed_console_frames_get_errors_and_the_socket_stays_up(live, organizer, member):
    host_cookie, member_cookie = session_cookie(organizer), session_cookie(member)

    async def scenario():
        host = Reader(socket(path(live), cookie=host_cookie))
        await host.joined()
        codes = []
        for frame, _code in BAD_CONSOLE_FRAMES:
            await host.send(frame)
            codes.append((await host.of_type("error"))["code"])
        await host.send({"type": "ping"})
        pong = await host.of_type("pong")
        viewer = Reader(socket(path(live), cookie=member_cookie))
        await viewer.joined()
        await viewer.send({"type": "console_refresh", "nonce": "n"})
        refused = await viewer.of_type("error")
        await viewer.send({"type": "ping"})
        viewer_pong = await viewer.of_type("pong")
        await viewer.close()
        await host.close()
        return codes, pong, refused, viewer_pong

    codes, pong, refused, viewer_pong = run(scenario)
    assert codes == [code for _f, code in BAD_CONSOLE_FRAMES]
    assert pong["type"] == "pong" and viewer_pong["type"] == "pong"
    assert refused["code"] == "forbidden" and refused["nonce"] == "n"
