"""Presence across processes: counts, records merged across reconnects, and no ghosts after a crash."""

from __future__ import annotations

import json
import signal
import time

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from websockets.sync.client import connect as ws_connect

from livestreams import realtime as rt
from livestreams.models import LiveSession, PresenceInterval
from livestreams.services.room import presence_close, presence_open, presence_open_if_present, presence_sweep
from tests import factories as f
from tests.room_helpers import Reader, clean_room_redis, run, session_cookie, socket
from tests.support import start_daphne, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _clean_redis():
    clean_room_redis()


@pytest.fixture
def live(world):
    return f.LiveSessionFactory(
        host_organization=world.root_a, status=LiveSession.Status.LIVE, audience_orgs=[world.branch_a]
    )


def daphne_socket(server, session, user):
    """A websocket to a daphne subprocess, signed in with the user's session cookie."""
    return ws_connect(
        f"{server.ws_url}/ws/live/{session.pk}/",
        additional_headers={
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session_cookie(user)}",
            "Origin": server.url,
        },
        open_timeout=10,
    )


def events_of(ws, timeout=5):
    data = json.loads(ws.recv(timeout=timeout))
    return data if isinstance(data, list) else [data]


def until_event(ws, predicate, timeout=5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for event in events_of(ws, timeout=max(0.1, deadline - time.time())):
            if predicate(event):
                return event
    raise AssertionError("no matching event")


def test_a_comment_and_the_count_cross_server_processes(live, member, organizer, hub_server):
    """One person on a daphne subprocess, one on this process: both see each other's comments and count 2."""
    cookie = session_cookie(organizer)
    with daphne_socket(hub_server, live, member) as remote:
        assert events_of(remote)[0]["type"] == "welcome"

        async def scenario():
            local = Reader(socket(f"/ws/live/{live.pk}/", cookie=cookie))
            opening = await local.joined()
            await local.send({"type": "comment", "text": "跨进程你好"})
            await local.of_type("ack")
            await local.close()
            return opening

        opening = run(scenario)
        assert opening["viewers"]["count"] == 2
        comment = until_event(remote, lambda e: e["type"] == "comment")
        assert comment["text"] == "跨进程你好" and comment["author"] == "王组织"


def test_a_quick_reconnect_continues_the_same_presence_record(live, member):
    cookie = session_cookie(member)

    async def scenario():
        for _ in range(3):
            r = Reader(socket(f"/ws/live/{live.pk}/", cookie=cookie))
            await r.joined()
            await r.close()

    run(scenario)
    rows = list(PresenceInterval.objects.filter(session=live, user=member))
    assert len(rows) == 1 and rows[0].left_at is not None


def test_a_crashed_server_process_leaves_no_ghost(live, member, monkeypatch):
    """Kill daphne outright: the person's heartbeats stop, they stop counting, and the sweeper closes their
    record at the time they were last seen."""
    monkeypatch.setattr(rt, "PRESENCE_TTL_SECONDS", 3)
    server = start_daphne(HUB_ROOM_HEARTBEAT_SECONDS="1")
    try:
        with daphne_socket(server, live, member) as ws:
            until_event(ws, lambda e: e["type"] == "history")
            assert wait_until(
                lambda: PresenceInterval.objects.filter(session=live, left_at__isnull=True).exists()
            )
            assert rt.viewer_count(live.pk) == 1
            time.sleep(1.5)  # let a heartbeat or two pass
            killed_at = time.time()
            server.proc.send_signal(signal.SIGKILL)
            server.proc.wait(timeout=10)
    finally:
        server.stop()
    wait_until(
        lambda: rt.viewer_count(live.pk) == 0, timeout=8, message="the dead process's viewer to expire"
    )
    assert presence_sweep()["closed"] == 1
    row = PresenceInterval.objects.get(session=live, user=member)
    assert row.left_at is not None
    assert row.joined_at <= row.left_at
    assert abs(row.left_at.timestamp() - killed_at) < 2.5
    assert presence_sweep()["closed"] == 0


def test_the_sweeper_opens_a_record_a_failed_write_missed(live, member):
    cookie = session_cookie(member)

    async def scenario():
        r = Reader(socket(f"/ws/live/{live.pk}/", cookie=cookie))
        await r.joined()
        await database_sync_to_async(PresenceInterval.objects.all().delete)()
        result = await database_sync_to_async(presence_sweep)()
        rows = await database_sync_to_async(
            lambda: list(PresenceInterval.objects.filter(session=live, user=member, left_at__isnull=True))
        )()
        await r.close()
        return result, rows

    result, rows = run(scenario)
    assert result["opened"] == 1 and len(rows) == 1


def test_the_sweeper_does_not_reopen_the_record_of_someone_who_left_in_between(live, member):
    """The sweep saw the person in Redis, then they left and their record was closed before it opened one:
    the open re-checks Redis under the row lock and leaves the closed record alone (a reopened record
    would stay open with nobody there to close it)."""
    cookie = session_cookie(member)

    async def scenario():
        r = Reader(socket(f"/ws/live/{live.pk}/", cookie=cookie))
        await r.joined()
        seen_present = await database_sync_to_async(
            lambda: rt.person_present(live.pk, rt.user_person(member.pk))
        )()
        await r.close()
        return seen_present

    assert run(scenario) is True
    wait_until(lambda: not rt.person_present(live.pk, rt.user_person(member.pk)))
    wait_until(lambda: not PresenceInterval.objects.filter(session=live, left_at__isnull=True).exists())
    assert presence_open_if_present(session_id=live.pk, user_id=member.pk) is None
    row = PresenceInterval.objects.get(session=live, user=member)
    assert row.left_at is not None
    # While the person is there, the same call opens (here: reopens) their record.
    rt.get_redis().zadd(rt.presence_key(live.pk), {rt.user_person(member.pk): time.time() + 60})
    assert presence_open_if_present(session_id=live.pk, user_id=member.pk).pk == row.pk
    assert presence_close(session_id=live.pk, user_id=member.pk) is None  # still present: stays open
    assert PresenceInterval.objects.filter(session=live, left_at__isnull=True).count() == 1


def test_presence_open_is_idempotent_and_keeps_one_open_record(live, member):
    first = presence_open(session_id=live.pk, user_id=member.pk)
    again = presence_open(session_id=live.pk, user_id=member.pk)
    assert first.pk == again.pk
    assert PresenceInterval.objects.filter(session=live, left_at__isnull=True).count() == 1


def test_the_peak_and_the_live_now_count_are_pushed_coalesced(live, member, organizer, staff):
    """A join storm of three people produces few count messages, the last one right; the peak is kept."""
    from channels.layers import get_channel_layer

    cookies = [session_cookie(u) for u in (member, organizer, staff)]

    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(rt.LIVE_NOW_GROUP, channel)
        readers = [Reader(socket(f"/ws/live/{live.pk}/", cookie=c)) for c in cookies]
        for r in readers:
            await r.joined()
        counts = []
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            try:
                message = await _receive(layer, channel, 0.5)
            except TimeoutError:
                continue
            event = message["event"]
            if event.get("type") == "viewers" and event["session_id"] == live.pk:
                counts.append(event["count"])
                if event["count"] == 3:
                    break
        got_at_first = await readers[0].until(lambda e: e["type"] == "viewers" and e["count"] == 3)
        for r in readers:
            await r.close()
        await layer.group_discard(rt.LIVE_NOW_GROUP, channel)
        return counts, got_at_first

    counts, got_at_first = run(scenario)
    assert counts[-1] == 3 and len(counts) <= 3
    assert got_at_first["count"] == 3
    live.refresh_from_db()
    assert live.peak_viewers == 3


async def _receive(layer, channel, timeout):
    import asyncio

    return await asyncio.wait_for(layer.receive(channel), timeout)
