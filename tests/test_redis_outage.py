"""A Redis restart under a running daphne (issue 11 item 5): a real redis-server of our own that the test
stops and starts, a real daphne pointed at it, real websocket clients.

- Comments acknowledged while Redis is away reach every connected viewer exactly once when it is back.
- The notification and live-now sockets stay open, rejoin their groups and resync (what was missed while
  Redis was away arrives as a fresh `unread` / `snapshot`), and receive group events again."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections import Counter

import pytest
import redis
from django.conf import settings
from websockets.sync.client import connect as ws_connect

from hub.services import notification_send
from livestreams.models import Comment, LiveSession
from tests import factories as f
from tests.room_helpers import session_cookie
from tests.support import _log_path, free_port, start_daphne, stop_process, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


class PrivateRedis:
    """A redis-server of the system on a port of its own, without persistence (a restart forgets all)."""

    def __init__(self):
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None
        self.start()

    def start(self) -> None:
        log = _log_path("redis")
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(self.answers, timeout=10, message="the private redis-server to answer")

    def answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_timeout=1).ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        stop_process(self.proc)


@pytest.fixture
def outage_hub(transactional_db):
    """(private redis, daphne using it)."""
    server = PrivateRedis()
    daphne = start_daphne(REDIS_URL=server.url, TEST_REDIS_URL=server.url)
    yield server, daphne
    daphne.stop()
    server.stop()


def open_socket(daphne, path, user=None):
    headers = {"Origin": daphne.url}
    if user is not None:
        headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session_cookie(user)}"
    return ws_connect(f"{daphne.ws_url}{path}", additional_headers=headers, open_timeout=10)


def events(ws, timeout):
    data = json.loads(ws.recv(timeout=timeout))
    return data if isinstance(data, list) else [data]


def until(ws, predicate, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for event in events(ws, max(0.1, deadline - time.time())):
            if predicate(event):
                return event
    raise AssertionError("no matching event")


def test_comments_acknowledged_while_redis_is_down_reach_every_viewer_exactly_once(
    world, organizer, member, outage_hub
):
    server, daphne = outage_hub
    live = f.LiveSessionFactory(
        host_organization=world.root_a,
        status=LiveSession.Status.LIVE,
        visibility=LiveSession.Visibility.PUBLIC,
    )
    path = f"/ws/live/{live.pk}/"
    host = open_socket(daphne, path, organizer)
    viewers = [open_socket(daphne, path, member)] + [open_socket(daphne, path) for _ in range(3)]
    for ws in [host, *viewers]:
        until(ws, lambda e: e["type"] == "history")

    acked: list[int] = []

    def post(text):
        host.send(json.dumps({"type": "comment", "text": text, "nonce": text}))
        ack = until(host, lambda e: e.get("nonce") == text)
        assert ack["type"] == "ack", ack
        acked.append(ack["id"])

    post("断开前")
    server.stop()
    for i in range(12):
        post(f"断开中{i}")  # stored and acknowledged: the host is exempt from the Redis rate limit
    time.sleep(1)  # Redis stays away a while: the readers of the room fail and retry meanwhile
    server.start()
    for i in range(3):
        post(f"恢复后{i}")

    assert Comment.objects.filter(session=live).count() == 16
    for ws in viewers:
        got: list[int] = []
        deadline = time.time() + 30
        while len(set(got)) < len(acked) and time.time() < deadline:
            got += [e["id"] for e in events(ws, max(0.1, deadline - time.time())) if e["type"] == "comment"]
        try:  # anything more that arrives is a duplicate
            while True:
                got += [e["id"] for e in events(ws, 1.5) if e["type"] == "comment"]
        except TimeoutError:
            pass
        assert Counter(got) == Counter(acked), "each viewer gets each acknowledged comment once"
        assert got == acked, "in the order they were acknowledged"
    for ws in [host, *viewers]:
        ws.close()


def test_notification_and_live_now_sockets_survive_a_redis_restart_and_resync(world, member, outage_hub):
    server, daphne = outage_hub
    public = f.LiveSessionFactory(
        host_organization=world.root_a,
        status=LiveSession.Status.LIVE,
        visibility=LiveSession.Visibility.PUBLIC,
    )
    tab1 = open_socket(daphne, "/ws/notifications/", member)
    tab2 = open_socket(daphne, "/ws/notifications/", member)
    live_now = open_socket(daphne, "/ws/live-now/")
    assert until(tab1, lambda e: e["type"] == "unread")["count"] == 0
    assert until(tab2, lambda e: e["type"] == "unread")["count"] == 0
    assert [s["id"] for s in until(live_now, lambda e: e["type"] == "snapshot")["sessions"]] == [public.pk]

    server.stop()
    notification_send(users=[member], kind="test", title="断线时的通知")  # stored; its push cannot arrive
    time.sleep(1)
    server.start()

    # Still open, and each caught up with a fresh state.
    for tab in (tab1, tab2):
        resync = until(tab, lambda e: e["type"] == "unread" and e["count"] == 1)
        assert [n["title"] for n in resync["recent"]] == ["断线时的通知"]
    assert until(live_now, lambda e: e["type"] == "snapshot")["sessions"][0]["id"] == public.pk

    # The groups work again: one tab marks all read and the other hears it; a viewer joining a room
    # reaches the live-now socket.
    tab1.send(json.dumps({"type": "mark_read"}))
    assert until(tab2, lambda e: e["type"] == "unread" and e["count"] == 0)
    viewer = open_socket(daphne, f"/ws/live/{public.pk}/")
    pushed = until(live_now, lambda e: e["type"] == "viewers")
    assert pushed == {"type": "viewers", "session_id": public.pk, "count": 1}
    for ws in (tab1, tab2, live_now, viewer):
        ws.send(json.dumps({"type": "ping"}))
        until(ws, lambda e: e["type"] == "pong")
        ws.close()
