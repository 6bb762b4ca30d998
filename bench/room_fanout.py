#!/usr/bin/env python
"""Comment fan-out in one live room served by ONE real daphne process.

    .venv/bin/python bench/room_fanout.py --viewers 2000 --rate 20 --duration 30
    .venv/bin/python bench/room_fanout.py --viewers 200 --rate 20 --duration 30 --naive
    .venv/bin/python bench/room_fanout.py --viewers 2000 --connect-rate 200 --compare   # join storm + yardstick

It starts daphne (the hub's config.asgi, or bench/naive_asgi.py with --naive) on a free port against its own
database (SQLite under var/bench unless DATABASE_URL is set) and REDIS_URL (default redis://127.0.0.1:6379/13,
keys under the prefix "bench"); opens --viewers anonymous websockets to a public room from --clients worker
processes; then 50 signed-in people post --rate comments per second in total for --duration seconds. Every
viewer timestamps every comment it receives: the figures are the delivery latency (post sent -> comment
received) over all deliveries, how many deliveries arrived of those expected, and daphne's CPU time.

--connect-rate N opens the viewers as a class start does: N per second in total, each open started on
schedule without waiting for the others; the figures then include how many failed to join, the time until
all are in (first open -> last welcome) and each socket's join time. --compare runs a plain
websockets.broadcast server (bench/websockets_broadcast.py) afterwards with the same load generator and
prints each figure's ratio to it: a ratio holds from machine to machine better than a figure does.

The viewer clients are a minimal websocket client on asyncio (no library): they must not be the bottleneck
on a small machine.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing as mp
import os
import random
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time
from array import array
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# --- A minimal websocket client ---------------------------------------------------------------------


class WSClient(asyncio.Protocol):
    """RFC 6455 client: handshake, unmasked server frames in, masked frames out, pings answered."""

    def __init__(self, host: str, path: str, headers: dict, on_text, opened: asyncio.Future):
        self.host, self.path, self.headers = host, path, headers
        self.on_text = on_text
        self.opened = opened
        self.buf = bytearray()
        self.handshaken = False
        self.transport = None
        self.closed = False
        self.fragments = bytearray()

    def connection_made(self, transport):
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {self.path} HTTP/1.1",
            f"Host: {self.host}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *[f"{k}: {v}" for k, v in self.headers.items()],
        ]
        transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def data_received(self, data):
        self.buf += data
        if not self.handshaken and not self._finish_handshake():
            return
        while (frame := self._pop_frame()) is not None:
            self._handle_frame(*frame)

    def _finish_handshake(self) -> bool:
        """Reads the server's answer to the upgrade: False while it is incomplete, or when it is a refusal."""
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self.buf[:end])
        del self.buf[: end + 4]
        status_line = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status_line:
            if not self.opened.done():
                self.opened.set_exception(ConnectionError(status_line.decode()))
            self.transport.close()
            return False
        self.handshaken = True
        if not self.opened.done():
            self.opened.set_result(self)
        return True

    def _pop_frame(self) -> tuple[int, int, bytes] | None:
        """Takes the next whole frame off the buffer as (opcode, fin, payload); None until one has arrived."""
        buf = self.buf
        if len(buf) < 2:
            return None
        b0, b1 = buf[0], buf[1]
        length = b1 & 0x7F
        offset = 2
        if length == 126:
            if len(buf) < 4:
                return None
            length = struct.unpack_from("!H", buf, 2)[0]
            offset = 4
        elif length == 127:
            if len(buf) < 10:
                return None
            length = struct.unpack_from("!Q", buf, 2)[0]
            offset = 10
        if len(buf) < offset + length:
            return None
        payload = bytes(buf[offset : offset + length])
        del buf[: offset + length]
        return b0 & 0x0F, b0 & 0x80, payload

    def _handle_frame(self, opcode: int, fin: int, payload: bytes) -> None:
        if opcode in (1, 0):
            self.fragments += payload
            if fin:
                text = self.fragments.decode()
                self.fragments = bytearray()
                self.on_text(text)
        elif opcode == 9:
            self.send(payload, opcode=0xA)
        elif opcode == 8:
            self.closed = True
            self.transport.close()

    def send(self, data: bytes | str, opcode: int = 1):
        if isinstance(data, str):
            data = data.encode()
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.transport.write(header + mask + masked)

    def connection_lost(self, exc):
        self.closed = True
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("connection lost"))


async def open_ws(port: int, path: str, headers: dict, on_text) -> WSClient:
    loop = asyncio.get_running_loop()
    opened = loop.create_future()
    await loop.create_connection(
        lambda: WSClient(f"127.0.0.1:{port}", path, headers, on_text, opened), "127.0.0.1", port
    )
    return await asyncio.wait_for(opened, 30)


# --- Viewer workers (separate processes) ----------------------------------------------------------------


class Deliveries:
    """What one worker's viewers received: every frame, and each bench comment's latency (post -> here, ms)."""

    def __init__(self):
        self.latencies = array("f")
        self.comments = 0
        self.frames = 0
        self.duplicates = 0

    def on_text(self, text):
        self.frames += 1
        if '"comment"' not in text:
            return
        now = time.time()
        data = json.loads(text)
        for event in data if isinstance(data, list) else [data]:
            if event.get("type") == "comment" and event["text"].startswith("bench "):
                self.comments += 1
                self.latencies.append((now - float(event["text"].split()[2])) * 1000)


class Joins:
    """One worker's opens: the sockets that joined, how many failed, each join time, first open, last welcome."""

    def __init__(self):
        self.clients: list[WSClient] = []
        self.failed = 0
        self.join_seconds: list[float] = []
        self.first_attempt: float | None = None
        self.last_welcome: float | None = None


async def open_viewer(port, path, headers, on_text, joins: Joins) -> None:
    """Opens one socket and waits for the room's welcome; its join time runs from the first byte to that."""
    started = time.time()
    welcomed = asyncio.get_running_loop().create_future()

    def on_text_first(text):
        if not welcomed.done() and '"welcome"' in text:
            welcomed.set_result(time.time())
        on_text(text)

    try:
        client = await open_ws(port, path, headers, on_text_first)
        at = await asyncio.wait_for(welcomed, 60)
    except Exception:
        joins.failed += 1
        return
    joins.clients.append(client)
    joins.join_seconds.append(at - started)
    joins.last_welcome = max(joins.last_welcome or at, at)


async def open_viewers(port, path, n, ramp_per_s, connect_rate, on_text) -> Joins:
    joins = Joins()
    headers = {"Origin": f"http://127.0.0.1:{port}"}
    joins.first_attempt = time.time()
    if connect_rate:
        opens = []
        for i in range(n):
            delay = joins.first_attempt + i / connect_rate - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            opens.append(asyncio.create_task(open_viewer(port, path, headers, on_text, joins)))
        await asyncio.gather(*opens)
    else:
        for _ in range(n):
            await open_viewer(port, path, headers, on_text, joins)
            if ramp_per_s:
                await asyncio.sleep(1 / ramp_per_s)
    return joins


def start_viewer_workers(ctx, port, path, per, args, *, queues, probe_last: bool) -> list:
    """One viewer process per entry of `per` (its number of sockets), started; the connect rate is shared in
    proportion. With probe_last the last process holds the probe sockets. bench/scale.py uses it too."""
    ready_q, stop_evt, result_q = queues
    workers = [
        ctx.Process(
            target=viewer_worker,
            args=(
                port,
                path,
                n,
                args.ramp,
                args.connect_rate * n / args.viewers if args.connect_rate else None,
                ready_q,
                stop_evt,
                result_q,
                probe_last and i == len(per) - 1,
            ),
        )
        for i, n in enumerate(per)
    ]
    for w in workers:
        w.start()
    return workers


def viewer_worker(port, path, n, ramp_per_s, connect_rate, ready_q, stop_evt, result_q, probe=False):
    """Opens n viewers, then reports their deliveries when told to stop.

    With connect_rate (sockets per second for this worker), the opens are started on that schedule without
    waiting for one another, as a class start brings people in; each socket's time from its first byte to
    the room's welcome is its join time. Without it, viewers are opened one after another (ramp_per_s)."""

    async def main():
        got = Deliveries()
        joins = await open_viewers(port, path, n, ramp_per_s, connect_rate, got.on_text)
        clients = joins.clients
        ready_q.put(
            (
                len(clients),
                joins.failed,
                joins.first_attempt,
                joins.last_welcome,
                joins.join_seconds,
                got.frames,
            )
        )
        while not stop_evt.is_set():
            await asyncio.sleep(0.2)
        closed = sum(1 for c in clients if c.closed)
        result_q.put(
            {
                "latencies": got.latencies.tobytes(),
                "comments": got.comments,
                "frames": got.frames,
                "connected": len(clients),
                "closed_early": closed,
                "duplicates": got.duplicates,
                "probe": probe,
            }
        )
        for c in clients:
            c.transport.close()

    asyncio.run(main())


# --- Orchestration ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def setup_environment(args) -> dict:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    env["DJANGO_DEBUG"] = "0"
    env.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    env["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    env["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    env["DJANGO_SESSION_COOKIE_SECURE"] = "0"
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
    # Daphne runs the room's database work in threads: keep their connections instead of one per call.
    env.setdefault("DJANGO_CONN_MAX_AGE", "60")
    env["HUB_REDIS_PREFIX"] = "bench"
    env["HUB_CHANNEL_PREFIX"] = "bench-asgi"
    env.setdefault("HUB_VAR_DIR", str(ROOT / "var" / "bench"))
    env["DJANGO_LOG_LEVEL"] = "WARNING"
    os.environ.update(env)
    return env


def prepare_data(commenters: int):
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from hub.models import User
    from livestreams.models import LiveSession
    from partyorgs.models import PartyOrganization, Region

    call_command("migrate", verbosity=0)
    r = redis.Redis.from_url(settings.REDIS_URL)
    for k in r.scan_iter("bench:*", count=1000):
        r.delete(k)
    for k in r.scan_iter("bench-asgi*", count=1000):
        r.delete(k)
    region, _ = Region.objects.get_or_create(name="压测区", defaults={"kind": Region.Kind.SUBDISTRICT})
    org = PartyOrganization.objects.filter(name="压测党组织").first() or PartyOrganization.objects.add_root(
        create_kwargs=dict(name="压测党组织", kind=PartyOrganization.Kind.COMMITTEE, region=region)
    )
    from django.utils import timezone

    now = timezone.now()
    session = LiveSession.objects.create(
        kind=LiveSession.Kind.PROMOTION,
        title=f"压测直播间 {now:%H%M%S}",
        host_organization=org,
        region=region,
        starts_at=now,
        ends_at=now + timezone.timedelta(hours=2),
        status=LiveSession.Status.LIVE,
        visibility=LiveSession.Visibility.PUBLIC,
    )
    cookies = []
    for i in range(commenters):
        user, _ = User.objects.get_or_create(email=f"bench{i:03d}@example.com", defaults={"name": f"压测{i}"})
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    from django.db import connections

    connections.close_all()
    return session.pk, cookies, settings.SESSION_COOKIE_NAME


async def post_comments(port, path, cookie_name, cookies, rate, duration):
    """Commenters post `rate` comments per second in total, round-robin; returns (sent, acked, ack latencies)."""
    acks: dict[str, float] = {}
    ack_latencies = []
    errors = []
    sockets = []

    for cookie in cookies:

        def on_text(text):
            data = json.loads(text)
            for event in data if isinstance(data, list) else [data]:
                if event.get("type") == "ack" and event.get("nonce") in acks:
                    ack_latencies.append((time.time() - acks.pop(event["nonce"])) * 1000)
                elif event.get("type") == "error":
                    errors.append(event.get("code"))

        sockets.append(
            await open_ws(
                port,
                path,
                {"Origin": f"http://127.0.0.1:{port}", "Cookie": f"{cookie_name}={cookie}"},
                on_text,
            )
        )
    await asyncio.sleep(1.5)
    sent = 0
    start = time.monotonic()
    while time.monotonic() - start < duration:
        target = start + sent / rate
        delay = target - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        nonce = f"n{sent}"
        acks[nonce] = time.time()
        sockets[sent % len(sockets)].send(
            json.dumps({"type": "comment", "text": f"bench {sent} {time.time():.6f}", "nonce": nonce})
        )
        sent += 1
    await asyncio.sleep(3)
    for s in sockets:
        s.transport.close()
    return sent, len(ack_latencies), ack_latencies, errors


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


MODES = {
    "hub": ("config.asgi:application", "/ws/live/{id}/"),
    "naive": ("bench.naive_asgi:application", "/ws/naive/{id}/"),
    "websockets": (None, "/ws/live/{id}/"),
}


def start_server(mode: str, port: int, env: dict) -> tuple[subprocess.Popen, Path]:
    app = MODES[mode][0]
    log = Path(env["HUB_VAR_DIR"]) / f"{mode}-{port}.log"
    if app is None:
        command = [sys.executable, str(ROOT / "bench" / "websockets_broadcast.py"), "--port", str(port)]
    else:
        command = [str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port), app]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, log
        except OSError:
            if time.time() > deadline or server.poll() is not None:
                raise RuntimeError(log.read_text()[-2000:]) from None
            time.sleep(0.2)


def run_mode(mode: str, args, env: dict, session_id: int, cookies: list, cookie_name: str) -> dict:
    port = free_port()
    path = MODES[mode][1].format(id=session_id)
    server, _log = start_server(mode, port, env)
    try:
        ctx = mp.get_context("fork")
        ready_q, result_q, stop_evt = ctx.Queue(), ctx.Queue(), ctx.Event()
        loaded = args.viewers - args.probes
        per = [loaded // args.clients + (1 if i < loaded % args.clients else 0) for i in range(args.clients)]
        # The last worker holds the probe sockets.
        per.append(args.probes)
        t0 = time.time()
        workers = start_viewer_workers(
            ctx, port, path, per, args, queues=(ready_q, stop_evt, result_q), probe_last=True
        )
        ready = [ready_q.get(timeout=600) for _ in workers]
        connect_seconds = time.time() - t0
        connected = sum(r[0] for r in ready)
        joins = [j * 1000 for r in ready for j in r[4]]
        welcomes = [r[3] for r in ready if r[3]]
        all_in_seconds = (max(welcomes) - min(r[2] for r in ready)) if welcomes else float("nan")
        print(
            f"[bench] {mode}: {connected} viewers in after {all_in_seconds:.1f}s "
            f"({sum(r[1] for r in ready)} failed)"
        )
        time.sleep(3)  # counts settle
        count_after_join = None
        if mode == "hub":
            from livestreams import realtime as rt

            count_after_join = rt.viewer_count(session_id)

        frames_at_join = sum(r[5] for r in ready)
        cpu0, wall0 = cpu_seconds(server.pid), time.time()
        sent, acked, ack_lat, errors = asyncio.run(
            post_comments(port, path, cookie_name, cookies, args.rate, args.duration)
        )
        cpu1, wall1 = cpu_seconds(server.pid), time.time()
        rss = rss_mb(server.pid)
        stop_evt.set()
        results = [result_q.get(timeout=120) for _ in workers]
        for w in workers:
            w.join(timeout=30)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
    latencies, probe_latencies = [], []
    for r in results:
        a = array("f")
        a.frombytes(r["latencies"])
        (probe_latencies if r["probe"] else latencies).extend(a)
    latencies_all = latencies + probe_latencies
    delivered = sum(r["comments"] for r in results)
    frames = sum(r["frames"] for r in results)
    frames_posting = frames - frames_at_join
    expected = acked * connected
    still_open = connected - sum(r["closed_early"] for r in results)
    return {
        "mode": {"hub": "hub fan-out", "naive": "naive group_send", "websockets": "websockets.broadcast"}[
            mode
        ],
        "viewers": connected,
        "viewers_failed_to_join": sum(r[1] for r in ready),
        "viewers_open_at_end": still_open,
        "viewer_count_after_join": count_after_join,
        "connect_rate": args.connect_rate,
        "all_in_seconds": round(all_in_seconds, 1),
        "connect_seconds": round(connect_seconds, 1),
        "join_ms_p50": round(pct(joins, 50), 0),
        "join_ms_p99": round(pct(joins, 99), 0),
        "join_ms_max": round(max(joins), 0) if joins else None,
        "comments_sent": sent,
        "comments_acked": acked,
        "comment_errors": len(errors),
        "comment_error_codes": sorted(set(errors)),
        "deliveries_expected": expected,
        "deliveries": delivered,
        "delivered_pct": round(100 * delivered / expected, 2) if expected else 0,
        "frames": frames,
        "deliveries_per_s": round(delivered / (wall1 - wall0), 0),
        "latency_ms_p50": round(pct(latencies_all, 50), 1),
        "latency_ms_p90": round(pct(latencies_all, 90), 1),
        "latency_ms_p99": round(pct(latencies_all, 99), 1),
        "latency_ms_max": round(max(latencies_all), 1) if latencies_all else None,
        "latency_ms_mean": round(statistics.fmean(latencies_all), 1) if latencies_all else None,
        "probe_latency_ms_p50": round(pct(probe_latencies, 50), 1),
        "probe_latency_ms_p99": round(pct(probe_latencies, 99), 1),
        "probe_latency_ms_max": round(max(probe_latencies), 1) if probe_latencies else None,
        "ack_ms_p50": round(pct(ack_lat, 50), 1),
        "ack_ms_p99": round(pct(ack_lat, 99), 1),
        "server_cpu_pct": round(100 * (cpu1 - cpu0) / (wall1 - wall0), 0),
        # CPU time the server spent per frame its viewers received while comments flowed (storing the
        # comments included): unlike latency, hardly affected by what else the machine runs.
        "server_cpu_us_per_frame": round(1e6 * (cpu1 - cpu0) / frames_posting, 1) if frames_posting else None,
        "server_rss_mb": round(rss, 0),
        "load_avg_1m": os.getloadavg()[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--viewers", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=20, help="comments per second, in total")
    parser.add_argument("--duration", type=float, default=30, help="seconds of posting")
    parser.add_argument("--clients", type=int, default=2, help="viewer worker processes")
    parser.add_argument("--commenters", type=int, default=50)
    parser.add_argument(
        "--probes",
        type=int,
        default=20,
        help="of the viewers, sockets in a process of their own that does nothing else: their latency is the "
        "server's, without the backlog of the loaded viewer processes on the same two cores",
    )
    parser.add_argument(
        "--ramp", type=float, default=150, help="new viewer connections per second per worker"
    )
    parser.add_argument(
        "--connect-rate",
        type=float,
        default=None,
        help="join storm: open the viewers at this many per second in total, without waiting for one "
        "another (a class start); reports the time until all are in and the join times",
    )
    parser.add_argument(
        "--naive", action="store_true", help="the textbook group_send room instead of the hub's"
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="then run a plain websockets.broadcast server (bench/websockets_broadcast.py) with the same "
        "load generator and print each figure's ratio to it",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON too")
    args = parser.parse_args()

    env = setup_environment(args)
    session_id, cookies, cookie_name = prepare_data(args.commenters)
    Path(env["HUB_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    modes = ["naive" if args.naive else "hub"] + (["websockets"] if args.compare else [])
    summaries = []
    for mode in modes:
        summaries.append(run_mode(mode, args, env, session_id, cookies, cookie_name))
        if mode != modes[-1]:
            time.sleep(5)  # let the machine settle between the two servers
    width = max(map(len, summaries[0]))
    for summary in summaries:
        for k, v in summary.items():
            print(f"  {k:<{width}}  {v}")
        print()
    if len(summaries) == 2:
        hub, base = summaries
        print(f"[bench] ratios {hub['mode']} / {base['mode']} (same load generator, same run):")
        for k in (
            "latency_ms_p50",
            "latency_ms_p90",
            "latency_ms_p99",
            "latency_ms_mean",
            "probe_latency_ms_p99",
            "all_in_seconds",
            "join_ms_p99",
            "server_cpu_pct",
            "server_cpu_us_per_frame",
        ):
            if base[k]:
                print(f"  {k:<{width}}  {hub[k]} / {base[k]} = {hub[k] / base[k]:.2f}x")
    if args.json:
        print(json.dumps(summaries))
    return 0


if __name__ == "__main__":
    random.seed(1)
    sys.exit(main())
