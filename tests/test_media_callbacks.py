"""The media server's callbacks, called as nginx-rtmp calls them (form posts with the shared secret)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from livestreams.models import LiveSession, Recording, StreamPublish
from livestreams.selectors.media import session_id_from_stream
from livestreams.services.media import (
    publish_end,
    publish_update,
    session_end_if_idle,
    sessions_to_end_when_idle,
    stream_key_ensure,
)
from livestreams.services.sessions import session_start
from tests import factories as f
from tests.media_support import RoomListener

pytestmark = pytest.mark.django_db(transaction=True)
S = LiveSession.Status


@pytest.fixture
def session(world):
    """A session whose start time has just come."""
    now = timezone.now()
    return f.LiveSessionFactory(
        host_organization=world.root_a, starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=1)
    )


def call(event, *, secret=None, address="127.0.0.1", **data):
    secret = settings.HUB_MEDIA_SECRET if secret is None else secret
    client = Client(REMOTE_ADDR=address)
    query = f"?secret={secret}" if secret != "" else ""
    data.setdefault("clientid", "7")
    data.setdefault("app", "live")
    data.setdefault("addr", "192.0.2.10")
    return client.post(f"/mediaserver/{event}{query}", data)


def _status(session):
    return LiveSession.objects.values_list("status", flat=True).get(pk=session.pk)


def key_of(session):
    return stream_key_ensure(session_id=session.pk)


def test_it_turns_the_session_live_when_the_right_key_publishes_inside_its_window(session):
    listener = RoomListener(session.pk)
    try:
        resp = call("on_publish", name=f"session-{session.pk}", key=key_of(session), call="publish")
        assert resp.status_code == 200
        session.refresh_from_db()
        assert session.status == S.LIVE
        assert session.went_live_at is not None
        push = StreamPublish.objects.get(session=session)
        assert (push.client_id, push.address, push.ended_at) == ("7", "192.0.2.10", None)
        assert listener.wait_for(lambda e: e.get("type") == "status") == {"type": "status", "status": "live"}
    finally:
        listener.close()


@pytest.mark.parametrize("event", ["on_publish", "on_update", "on_publish_done", "on_record_done"])
def test_it_refuses_a_callback_without_the_shared_secret(session, event):
    resp = call(event, secret="", name=f"session-{session.pk}", key=key_of(session), path="/x.flv")
    assert resp.status_code == 403
    resp = call(event, secret="not-the-secret", name=f"session-{session.pk}", key=key_of(session))
    assert resp.status_code == 403
    session.refresh_from_db()
    assert session.status == S.SCHEDULED
    assert not StreamPublish.objects.exists()


def test_it_refuses_a_callback_from_outside_the_media_server(session):
    resp = call("on_publish", address="203.0.113.5", name=f"session-{session.pk}", key=key_of(session))
    assert resp.status_code == 403
    session.refresh_from_db()
    assert session.status == S.SCHEDULED


def test_it_accepts_the_media_server_on_an_allowed_network(session, settings):
    settings.HUB_MEDIA_CALLBACK_ADDRESSES = ["10.8.0.0/16"]
    resp = call("on_publish", address="10.8.3.4", name=f"session-{session.pk}", key=key_of(session))
    assert resp.status_code == 200
    assert (
        call("on_update", address="127.0.0.1", name=f"session-{session.pk}", key=key_of(session)).status_code
        == 403
    )


def test_it_refuses_a_wrong_key(session):
    key_of(session)
    resp = call("on_publish", name=f"session-{session.pk}", key="guessed-key")
    assert resp.status_code == 403
    assert b"wrong stream key" in resp.content
    session.refresh_from_db()
    assert session.status == S.SCHEDULED
    assert not StreamPublish.objects.exists()


def test_it_refuses_a_session_that_never_had_a_key(session):
    resp = call("on_publish", name=f"session-{session.pk}", key="")
    assert resp.status_code == 403


def test_it_refuses_a_key_after_the_session_slot_ended(world):
    now = timezone.now()
    past = f.LiveSessionFactory(
        host_organization=world.root_a, starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1)
    )
    resp = call("on_publish", name=f"session-{past.pk}", key=key_of(past))
    assert resp.status_code == 403
    assert b"slot is over" in resp.content
    past.refresh_from_db()
    assert past.status == S.SCHEDULED


def test_a_push_shortly_before_the_start_is_a_rehearsal_until_the_start(world, settings):
    settings.HUB_MEDIA_END_GRACE_SECONDS = 0
    now = timezone.now()
    soon = f.LiveSessionFactory(
        host_organization=world.root_a,
        starts_at=now + timedelta(minutes=10),
        ends_at=now + timedelta(hours=1),
    )
    name, key = f"session-{soon.pk}", key_of(soon)
    assert call("on_publish", name=name, key=key, clientid="1").status_code == 200
    assert call("on_update", name=name, key=key, clientid="1").status_code == 200
    assert _status(soon) == S.SCHEDULED
    # The rehearsal stops and starts again: the session is still to come.
    call("on_publish_done", name=name, clientid="1")
    assert _status(soon) == S.SCHEDULED
    assert call("on_publish", name=name, key=key, clientid="2").status_code == 200
    # At the start time the next on_update takes the session live.
    assert publish_update(name=name, key=key, client_id="2", now=soon.starts_at + timedelta(seconds=3)).ok
    assert _status(soon) == S.LIVE


def test_a_rehearsal_before_the_start_does_not_end_the_live_session_later(world, settings):
    settings.HUB_MEDIA_END_GRACE_SECONDS = 0
    now = timezone.now()
    soon = f.LiveSessionFactory(
        host_organization=world.root_a,
        starts_at=now + timedelta(minutes=10),
        ends_at=now + timedelta(hours=1),
    )
    name, key = f"session-{soon.pk}", key_of(soon)
    call("on_publish", name=name, key=key, clientid="1")
    call("on_publish_done", name=name, clientid="1")
    # The classes' clock takes the session live at its start; nobody streams yet.
    session_start(session_id=soon.pk, now=soon.starts_at)
    assert sessions_to_end_when_idle(now=soon.starts_at + timedelta(minutes=1)) == []
    assert not session_end_if_idle(session_id=soon.pk, now=soon.starts_at + timedelta(minutes=1))
    assert _status(soon) == S.LIVE


def test_it_refuses_a_key_long_before_the_start(world):
    now = timezone.now()
    later = f.LiveSessionFactory(
        host_organization=world.root_a, starts_at=now + timedelta(hours=3), ends_at=now + timedelta(hours=4)
    )
    resp = call("on_publish", name=f"session-{later.pk}", key=key_of(later))
    assert resp.status_code == 403
    assert b"not valid yet" in resp.content


@pytest.mark.parametrize(
    "changes",
    [
        {"status": S.CANCELLED},
        {"status": S.ENDED},
        {"status": S.DRAFT},
        {"playback": LiveSession.Playback.EXTERNAL, "external_url": "https://live.douyin.com/1"},
    ],
)
def test_it_refuses_a_session_that_takes_no_stream(session, changes):
    key = key_of(session)
    LiveSession.objects.filter(pk=session.pk).update(**changes)
    assert call("on_publish", name=f"session-{session.pk}", key=key).status_code == 403


@pytest.mark.parametrize(
    "name", ["", "session-", "session-abc", "other-1", "session-99999999", "session-1/../2"]
)
def test_it_refuses_unknown_or_malformed_stream_names(session, name):
    resp = call("on_publish", name=name, key=key_of(session))
    assert resp.status_code in (400, 403)
    assert not StreamPublish.objects.exists()


# Other spellings of a real session's name: a trailing newline or space, leading zeros, a sign, other
# scripts' digits (Arabic-Indic, fullwidth, Devanagari), a NUL, another case, too many digits.
NAME_VARIANTS = [
    "session-{pk}\n",
    "session-{pk}\r\n",
    "session-{pk} ",
    " session-{pk}",
    "session-{pk}\t",
    "session-0{pk}",
    "session-000{pk}",
    "session-+{pk}",
    "session-{pk}\x00",
    "SESSION-{pk}",
    "session-{arabic}",
    "session-{fullwidth}",
    "session-{devanagari}",
    "session-{pk}_",
]


def _variant(template: str, pk: int) -> str:
    def digits(zero: str) -> str:
        return "".join(chr(ord(zero) + int(d)) for d in str(pk))

    return template.format(
        pk=pk, arabic=digits("\u0660"), fullwidth=digits("\uff10"), devanagari=digits("\u0966")
    )


@pytest.mark.parametrize("template", NAME_VARIANTS)
def test_only_the_exact_stream_name_of_a_session_is_accepted(session, template):
    name = _variant(template, session.pk)
    assert session_id_from_stream(name) is None
    assert call("on_publish", name=name, key=key_of(session)).status_code in (400, 403)
    assert call("on_update", name=name, key=key_of(session)).status_code in (400, 403)
    assert not StreamPublish.objects.exists()
    assert _status(session) == S.SCHEDULED


def test_the_stream_name_pattern_is_bounded_and_takes_no_other_types():
    assert session_id_from_stream("session-1") == 1
    assert session_id_from_stream("session-999999999999") == 999999999999
    assert session_id_from_stream("session-1000000000000") is None
    assert session_id_from_stream("session-0") is None
    assert session_id_from_stream(None) is None
    assert session_id_from_stream(b"session-1") is None


def test_it_answers_405_to_a_get():
    assert Client().get("/mediaserver/on_publish").status_code == 405


def test_it_refuses_a_second_encoder_while_the_first_is_on_air(session):
    key = key_of(session)
    assert call("on_publish", name=f"session-{session.pk}", key=key, clientid="1").status_code == 200
    resp = call("on_publish", name=f"session-{session.pk}", key=key, clientid="2")
    assert resp.status_code == 403
    assert b"already being streamed" in resp.content
    assert StreamPublish.objects.filter(session=session).count() == 1


def test_it_takes_a_new_push_when_the_old_one_was_lost(session):
    key = key_of(session)
    assert call("on_publish", name=f"session-{session.pk}", key=key, clientid="1").status_code == 200
    StreamPublish.objects.update(last_seen_at=timezone.now() - timedelta(minutes=5))
    assert call("on_publish", name=f"session-{session.pk}", key=key, clientid="2").status_code == 200
    first, second = StreamPublish.objects.order_by("id")
    assert first.end_reason == StreamPublish.EndReason.LOST
    assert second.ended_at is None


def test_it_keeps_a_push_going_while_its_key_and_slot_are_valid(session):
    key = key_of(session)
    call("on_publish", name=f"session-{session.pk}", key=key)
    before = StreamPublish.objects.get().last_seen_at
    resp = call("on_update", name=f"session-{session.pk}", key=key, call="update_publish", time="10")
    assert resp.status_code == 200
    assert StreamPublish.objects.get().last_seen_at > before


def test_it_cuts_a_stream_whose_slot_ended_and_ends_the_session(session):
    key = key_of(session)
    call("on_publish", name=f"session-{session.pk}", key=key)
    later = session.ends_at + timedelta(seconds=5)
    verdict = publish_update(name=f"session-{session.pk}", key=key, client_id="7", now=later)
    assert not verdict.ok
    session.refresh_from_db()
    assert session.status == S.ENDED
    assert StreamPublish.objects.get().end_reason == StreamPublish.EndReason.CUT


def test_it_cuts_a_stream_whose_key_was_rotated(session, organizer):
    old = key_of(session)
    call("on_publish", name=f"session-{session.pk}", key=old)
    client = Client()
    client.force_login(organizer)
    assert client.post(f"/live/{session.pk}/stream/rotate/").status_code == 302
    resp = call("on_update", name=f"session-{session.pk}", key=old)
    assert resp.status_code == 403
    session.refresh_from_db()
    assert session.stream_key != old
    assert (
        call("on_publish", name=f"session-{session.pk}", key=session.stream_key, clientid="9").status_code
        == 200
    )


def test_it_ends_the_session_when_the_push_stops(session, settings):
    settings.HUB_MEDIA_END_GRACE_SECONDS = 0
    key = key_of(session)
    call("on_publish", name=f"session-{session.pk}", key=key)
    listener = RoomListener(session.pk)
    try:
        assert call("on_publish_done", name=f"session-{session.pk}", key=key).status_code == 200
        session.refresh_from_db()
        assert session.status == S.ENDED
        assert StreamPublish.objects.get().end_reason == StreamPublish.EndReason.STOPPED
        assert listener.wait_for(lambda e: e.get("type") == "status")["status"] == "ended"
        # nginx-rtmp may repeat itself: nothing changes.
        assert call("on_publish_done", name=f"session-{session.pk}", key=key).status_code == 200
        assert LiveSession.objects.get(pk=session.pk).ended_at == session.ended_at
    finally:
        listener.close()


def test_it_waits_for_a_reconnect_before_ending_the_session(session, settings):
    settings.HUB_MEDIA_END_GRACE_SECONDS = 30
    key = key_of(session)
    call("on_publish", name=f"session-{session.pk}", key=key, clientid="1")
    call("on_publish_done", name=f"session-{session.pk}", clientid="1")
    assert LiveSession.objects.get(pk=session.pk).status == S.LIVE
    # The encoder is back within the grace time: the class goes on.
    assert call("on_publish", name=f"session-{session.pk}", key=key, clientid="2").status_code == 200
    assert not session_end_if_idle(session_id=session.pk)
    publish_end(name=f"session-{session.pk}", client_id="2")
    assert not session_end_if_idle(session_id=session.pk)
    assert session_end_if_idle(session_id=session.pk, now=timezone.now() + timedelta(seconds=31))
    assert LiveSession.objects.get(pk=session.pk).status == S.ENDED


def test_it_remembers_a_recording_of_the_session(session, settings, tmp_path):
    settings.HUB_MEDIA_RECORD_DIR = tmp_path
    name = f"session-{session.pk}"
    (tmp_path / f"{name}-1700000000.flv").write_bytes(b"FLV")
    resp = call("on_record_done", name=name, path=str(tmp_path / f"{name}-1700000000.flv"))
    assert resp.status_code == 200
    recording = Recording.objects.get()
    assert (recording.session, recording.file_name, recording.size) == (session, f"{name}-1700000000.flv", 3)
    # The same file reported twice is one recording.
    call("on_record_done", name=name, path=str(tmp_path / f"{name}-1700000000.flv"))
    assert Recording.objects.count() == 1


@pytest.mark.parametrize("path", ["/etc/passwd", "/tmp/session-1-1.flv", "../session-{pk}-1.mp4", ""])
def test_it_refuses_a_recording_that_is_not_of_the_session(session, path):
    resp = call("on_record_done", name=f"session-{session.pk}", path=path.format(pk=session.pk))
    assert resp.status_code == 400
    assert not Recording.objects.exists()
