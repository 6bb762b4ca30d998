"""The production shape for real: nginx (the site of deploy/nginx, minus TLS) in front of TWO daphne processes
started with `manage.py serve` and HUB_TRUSTED_PROXY_COUNT=1, on free ports.

Viewers that the proxy spreads over both processes are in one room: every comment reaches everyone once, the
count is exact, a moderator's removal reaches everybody, notifications and the live-now panel go through the
proxy, and after a SIGKILL of one process the other keeps serving and the count corrects itself within the
heartbeat window. Failed logins are counted per client behind the proxy, not for everyone at once."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from hub.models import Notification
from hub.services import notification_send
from livestreams import realtime as rt
from livestreams.models import CalendarFeed, LiveSession
from livestreams.playback import hls_playlist_url, replay_file_url, stream_name
from livestreams.services.sessions import session_start
from tests import factories as f
from tests.media_support import apply_to_settings, media_env, start_media_server
from tests.room_helpers import clean_room_redis, session_cookie
from tests.support import ROOT, Server, _log_path, free_port, stop_process, subprocess_env, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

HEARTBEAT = 1  # seconds: a dead process's viewers stop counting after 3 heartbeats
PASSWORD = "pw-for-tests-123"


# --- The stack ------------------------------------------------------------------------------------------


def start_hub_process() -> Server:
    """One daphne process exactly as deploy/systemd/hub-daphne@.service runs it (`manage.py serve`)."""
    port = free_port()
    log = _log_path("serve")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=subprocess_env(HUB_TRUSTED_PROXY_COUNT="1", HUB_ROOM_HEARTBEAT_SECONDS=str(HEARTBEAT)),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(url=f"http://127.0.0.1:{port}", port=port, proc=proc, log=log)
    try:
        wait_until(lambda: _answers(port) or proc.poll() is not None, timeout=30, message="daphne to answer")
    except AssertionError:
        server.stop()
        raise
    if proc.poll() is not None:
        raise RuntimeError(f"daphne exited early:\n{log.read_text()[-3000:]}")
    return server


def _answers(port: int, source: str = "127.0.0.1") -> bool:
    try:
        return get(port, "/healthz", source=source)[0] in (200, 503)
    except OSError:
        return False


def get(port: int, path: str, *, source: str = "127.0.0.1", headers=None) -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read().decode(errors="replace")
    finally:
        conn.close()


@dataclass
class Proxy:
    port: int
    proc: subprocess.Popen
    log: Path
    daphnes: list[Server] = field(default_factory=list)
    callbacks_port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        stop_process(self.proc)
        for d in self.daphnes:
            d.stop()


def start_proxy(prefix: Path, processes: int = 2) -> Proxy:
    """nginx (deploy/nginx/hub.conf.template through `manage.py proxyconf`) in front of daphne processes."""
    daphnes = [start_hub_process() for _ in range(processes)]
    port, callbacks = free_port(), free_port()
    prefix.mkdir()
    with open(os.devnull, "w") as quiet:
        call_command(
            "proxyconf",
            daphne=",".join(f"127.0.0.1:{d.port}" for d in daphnes),
            no_tls=True,
            listen=f"127.0.0.1:{port}",
            standalone=str(prefix),
            static_root=str(ROOT / "static"),
            callbacks_listen=f"127.0.0.1:{callbacks}",
            stdout=quiet,
        )
    log = _log_path("nginx-proxy")
    proc = subprocess.Popen(
        ["nginx", "-p", str(prefix), "-c", str(prefix / "conf" / "nginx.conf"), "-g", "daemon off;"],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stack = Proxy(port=port, proc=proc, log=log, daphnes=daphnes, callbacks_port=callbacks)
    try:
        wait_until(lambda: _answers(port) or proc.poll() is not None, timeout=20, message="nginx to answer")
        assert proc.poll() is None, log.read_text()[-3000:]
    except BaseException:
        stack.stop()
        raise
    return stack


@pytest.fixture
def proxy(transactional_db, tmp_path):
    """nginx in front of two daphne processes, as deploy/ sets them up (minus TLS)."""
    clean_room_redis()
    cache.clear()
    stack = start_proxy(tmp_path / "proxy")
    yield stack
    stack.stop()
    cache.clear()


class Socket:
    """A websocket through the proxy that keeps every event it read (frames may be JSON arrays)."""

    def __init__(self, proxy: Proxy, path: str, user=None):
        headers = {"Origin": proxy.url}
        if user is not None:
            headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session_cookie(user)}"
        # websockets wants its connections used as context managers: this object is one for the test.
        self._connection = ws_connect(
            f"ws://127.0.0.1:{proxy.port}{path}", additional_headers=headers, open_timeout=15
        )
        self.ws = self._connection.__enter__()
        self.events: list[dict] = []
        self.closed = False

    def _read(self, timeout: float) -> list[dict]:
        try:
            data = json.loads(self.ws.recv(timeout=timeout))
        except TimeoutError:
            return []
        except ConnectionClosed:
            self.closed = True
            return []
        batch = data if isinstance(data, list) else [data]
        self.events.extend(batch)
        return batch

    def until(self, predicate, timeout: float = 10) -> dict:
        for event in self.events:
            if predicate(event):
                return event
        deadline = time.time() + timeout
        while time.time() < deadline and not self.closed:
            for event in self._read(max(0.05, deadline - time.time())):
                if predicate(event):
                    return event
        raise AssertionError(
            f"no matching event within {timeout}s (closed={self.closed}); saw {self.events[-8:]}"
        )

    def drain(self, seconds: float) -> None:
        deadline = time.time() + seconds
        while time.time() < deadline and not self.closed:
            self._read(max(0.05, deadline - time.time()))

    def last_count(self) -> int | None:
        counts = [e["count"] for e in self.events if e.get("type") == "viewers"]
        return counts[-1] if counts else None

    def send(self, obj: dict) -> None:
        self.ws.send(json.dumps(obj))

    def close(self) -> None:
        self._connection.__exit__(None, None, None)


def wait_count(sockets: list[Socket], expected: int, timeout: float) -> None:
    """Every socket's latest `viewers` event says `expected`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for s in sockets:
            s.drain(0.05)
        if all(s.last_count() == expected for s in sockets):
            return
    raise AssertionError(f"counts {[s.last_count() for s in sockets]}, expected {expected} everywhere")


# --- The room across two processes ------------------------------------------------------------------------


@pytest.fixture
def live(world):
    return f.LiveSessionFactory(
        host_organization=world.root_a, status=LiveSession.Status.LIVE, audience_orgs=[world.branch_a]
    )


def assert_comments_reach_every_socket_once(
    *, authors: list[Socket], sockets: list[Socket], texts: list[str]
):
    for i, text in enumerate(texts):
        author = authors[i]
        author.send({"type": "comment", "text": text, "nonce": f"n{i}"})
        author.until(lambda e, i=i: e["type"] == "ack" and e.get("nonce") == f"n{i}")
    for s in sockets:
        for text in texts:
            s.until(lambda e, text=text: e["type"] == "comment" and e["text"] == text)
    for s in sockets:
        s.drain(0.5)
        received = [e["text"] for e in s.events if e["type"] == "comment"]
        assert sorted(received) == sorted(texts), received


def assert_removal_reaches_every_socket_once(*, moderator: Socket, sockets: list[Socket], text: str):
    victim = next(e for e in moderator.events if e["type"] == "comment" and e["text"] == text)
    moderator.send({"type": "remove", "id": victim["id"], "nonce": "rm"})
    for s in sockets:
        s.until(lambda e: e["type"] == "comment_removed" and e["id"] == victim["id"])
    for s in sockets:
        s.drain(0.3)
        assert sum(1 for e in s.events if e["type"] == "comment_removed") == 1


def kill_first_daphne(proxy) -> float:
    """SIGKILL the first daphne process behind the proxy; returns when it died."""
    killed = proxy.daphnes[0]
    killed.proc.send_signal(signal.SIGKILL)
    killed.proc.wait(timeout=10)
    return time.time()


def wait_until_a_socket_closes(sockets: list[Socket], timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline and not any(s.closed for s in sockets):
        for s in sockets:
            s.drain(0.05)


def test_one_room_over_two_processes_behind_nginx_survives_a_killed_process(proxy, live, organizer, world):
    members = [
        f.MemberFactory(user=f.UserFactory(name=f"党员{i}"), branch=world.branch_a).user for i in range(5)
    ]
    live_now = Socket(proxy, "/ws/live-now/", organizer)
    assert live_now.until(lambda e: e["type"] == "snapshot")

    # The moderator first, then the members: the proxy spreads the sockets over both processes.
    people = [organizer, *members]
    sockets = [Socket(proxy, f"/ws/live/{live.pk}/", person) for person in people]
    for s in sockets:
        s.until(lambda e: e["type"] == "history")
    wait_count(sockets, 6, timeout=10)
    assert rt.viewer_count(live.pk) == 6
    # The live-now panel (on one process) hears the count that the room's processes push.
    live_now.until(lambda e: e["type"] == "viewers" and e["session_id"] == live.pk and e["count"] == 6)

    # Every comment reaches every socket exactly once, whichever process its author is on.
    texts = [f"第{i}条评论" for i in range(4)]
    assert_comments_reach_every_socket_once(authors=sockets[1:], sockets=sockets, texts=texts)

    # The moderator removes one comment: everybody, on both processes, is told once.
    assert_removal_reaches_every_socket_once(moderator=sockets[0], sockets=sockets, text=texts[2])

    # SIGKILL one daphne process: its sockets drop, the other process keeps serving its own.
    killed_at = kill_first_daphne(proxy)
    wait_until_a_socket_closes(sockets, timeout=5)
    dropped = [s for s in sockets if s.closed]
    alive = [s for s in sockets if not s.closed]
    # Both processes had sockets: the proxy really spread them.
    assert dropped and alive, (len(dropped), len(alive))

    # The count corrects itself within the heartbeat window (3 heartbeats + the 1 s tick + scheduling).
    survivors = len(alive)
    wait_count(alive, survivors, timeout=3 * HEARTBEAT + 6)
    assert time.time() - killed_at < 3 * HEARTBEAT + 6
    assert rt.viewer_count(live.pk) == survivors

    # New visitors still get in through the proxy (it skips the dead process), and comments still flow.
    for _ in range(4):
        assert get(proxy.port, "/healthz")[0] in (200, 503)
    again = [Socket(proxy, f"/ws/live/{live.pk}/", people[sockets.index(s)]) for s in dropped]
    for s in again:
        s.until(lambda e: e["type"] == "history")
    everyone = alive + again
    wait_count(everyone, 6, timeout=10)
    everyone[-1].send({"type": "comment", "text": "重连后", "nonce": "late"})
    for s in everyone:
        s.until(lambda e: e["type"] == "comment" and e["text"] == "重连后")
    for s in [*everyone, live_now]:
        s.close()


def test_notifications_and_the_live_now_panel_work_through_the_proxy(proxy, world, member, organizer):
    bells = [Socket(proxy, "/ws/notifications/", member) for _ in range(2)]  # two tabs, one per process
    for bell in bells:
        bell.until(lambda e: e["type"] == "unread")
    panels = [Socket(proxy, "/ws/live-now/", organizer) for _ in range(2)]
    for panel in panels:
        panel.until(lambda e: e["type"] == "snapshot")

    notification_send(users=[member], kind="system", title="通过代理的通知")
    for bell in bells:
        event = bell.until(lambda e: e["type"] == "notification")
        assert event["notification"]["title"] == "通过代理的通知" and event["unread"] == 1
    assert Notification.objects.filter(user=member).count() == 1

    scheduled = f.LiveSessionFactory(host_organization=world.root_a, audience_orgs=[world.branch_a])
    session_start(session_id=scheduled.pk)
    for panel in panels:
        event = panel.until(lambda e: e["type"] == "session_status" and e["session"]["id"] == scheduled.pk)
        assert event["session"]["status"] == "live" and event["session"]["url"] == f"/live/{scheduled.pk}/"
    for s in bells + panels:
        s.close()


# --- What the proxy passes and what it keeps to itself ---------------------------------------------------


def test_the_proxy_serves_static_files_and_keeps_private_doors_shut(proxy):
    status, headers, _ = get(proxy.port, "/static/css/hub.css")
    assert status == 200 and "Cache-Control" in headers
    # Uploaded lectures live under the media root too: only covers and product images are served.
    assert get(proxy.port, "/media/lectures/2026/01/x.mp4")[0] == 404
    # The media server's callbacks: not from just anyone (127.0.0.2 is another client on this machine).
    assert get(proxy.port, "/mediaserver/on_publish", source="127.0.0.2")[0] == 403
    # From the media server's address the request reaches the hub, which checks the secret itself.
    status, _, body = get(proxy.port, "/mediaserver/on_publish")
    assert status != 404 and "nginx" not in body
    # The internal listener for HUB_MEDIA_CALLBACK_URL: the callbacks and nothing else.
    status, _, body = get(proxy.callbacks_port, "/mediaserver/on_publish")
    assert status != 404 and "nginx" not in body
    assert get(proxy.callbacks_port, "/mediaserver/on_publish", source="127.0.0.2")[0] == 403
    assert get(proxy.callbacks_port, "/accounts/login/")[0] == 404
    assert get(proxy.callbacks_port, "/healthz")[0] == 404


def test_hls_and_replays_pass_through_the_proxy_to_the_media_server_which_checks_the_links(
    transactional_db, tmp_path, settings, world
):
    env = media_env(tmp_path / "ms")
    apply_to_settings(settings, env)
    # In production browsers fetch both from the hub's own origin (deploy/nginx passes them on).
    settings.HUB_HLS_BASE_URL = "/hls/"
    settings.HUB_MEDIA_REPLAY_BASE_URL = "/replays/"
    media = start_media_server(env, "http://127.0.0.1:9")  # no pushes here: the callbacks are not called
    try:
        stack = start_proxy(tmp_path / "proxy", processes=1)
        try:
            session = f.LiveSessionFactory(host_organization=world.root_a, status=LiveSession.Status.LIVE)
            name = stream_name(session)
            (settings.HUB_MEDIA_HLS_DIR / name).mkdir(parents=True)
            (settings.HUB_MEDIA_HLS_DIR / name / "index.m3u8").write_text("#EXTM3U\n")
            (settings.HUB_MEDIA_REPLAY_DIR / f"{name}.mp4").write_bytes(b"\0" * 4096)

            playlist = hls_playlist_url(session)
            status, _, body = get(stack.port, playlist)
            assert (status, body) == (200, "#EXTM3U\n")
            token = playlist.split("/")[2]
            forged = playlist.replace(token, ("A" if token[0] != "A" else "B") + token[1:])
            assert get(stack.port, forged)[0] == 403

            replay = urllib.parse.urlsplit(replay_file_url(session, 1))
            replay_path = f"{replay.path}?{replay.query}"
            status, headers, _ = get(stack.port, replay_path, headers={"Range": "bytes=0-99"})
            assert status == 206 and headers["Content-Length"] == "100"
            # The replay has its own token (links are signed per kind of file): forge that one.
            replay_token = replay.path.split("/")[2]
            forged_replay = ("A" if replay_token[0] != "A" else "B") + replay_token[1:]
            assert get(stack.port, replay_path.replace(replay_token, forged_replay))[0] == 403
            # An HLS token does not open the replay.
            assert get(stack.port, replay_path.replace(replay_token, token))[0] == 403
        finally:
            stack.stop()
    finally:
        media.stop()


def test_the_hub_sees_the_scheme_and_host_the_proxy_saw(proxy, member):
    """Absolute links are built from what nginx received; a client's own X-Forwarded-Proto is not believed."""
    feed = CalendarFeed.objects.create(user=member)
    cookie = f"{settings.SESSION_COOKIE_NAME}={session_cookie(member)}"
    status, _, page = get(
        proxy.port, "/classes/calendar/", headers={"Cookie": cookie, "X-Forwarded-Proto": "https"}
    )
    assert status == 200
    assert f'value="http://127.0.0.1:{proxy.port}/classes/ical/{feed.token}.ics"' in page


def _login(port: int, source: str, email: str, password: str, *, forged_for: str = "") -> str:
    """A real sign-in through the proxy from the client address `source`; returns the outcome."""
    extra = {"X-Forwarded-For": forged_for} if forged_for else {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15, source_address=(source, 0))
    try:
        conn.request("GET", "/accounts/login/", headers=extra)
        resp = conn.getresponse()
        page = resp.read().decode()
        cookies = "; ".join(
            c.split(";", 1)[0] for name, c in resp.getheaders() if name.lower() == "set-cookie"
        )
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"login": email, "password": password, "csrfmiddlewaretoken": token})
        conn.request(
            "POST",
            "/accounts/login/",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies, **extra},
        )
        resp = conn.getresponse()
        text = resp.read().decode()
    finally:
        conn.close()
    if resp.status == 302:
        return "signed in"
    if "登录失败次数过多" in text:
        return "rate limited"
    if "不正确" in text:
        return "wrong password"
    return f"{resp.status}: {text[:200]}"


def test_failed_logins_behind_the_proxy_count_per_client(proxy, member, world):
    """Issue 11 item 2: eleven bad logins from one client must not lock everyone else out."""
    attacker, victim = "127.0.0.2", "127.0.0.3"
    outcomes = [
        # Other addresses every time, so that only the per-client limit (10 a minute) can stop them; a
        # forged X-Forwarded-For changes nothing, nginx writes the address it sees.
        _login(proxy.port, attacker, f"nobody{i}@example.com", "wrong", forged_for=f"10.9.8.{i}")
        for i in range(11)
    ]
    assert outcomes[:10] == ["wrong password"] * 10 and outcomes[10] == "rate limited", outcomes
    # The attacker is locked out, even with a right password...
    assert _login(proxy.port, attacker, member.email, PASSWORD) == "rate limited"
    # ... while another client signs in.
    assert _login(proxy.port, victim, member.email, PASSWORD) == "signed in"
