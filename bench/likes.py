#!/usr/bin/env python
"""Likes (点赞) in one public room served by several real daphne processes: does a storm of taps stay a few
messages per second, and is every counted tap kept?

    .venv/bin/python bench/likes.py --sockets 500 --processes 2 --duration 20

It starts --processes daphne processes (the hub's config.asgi) against their own database (SQLite under
var/bench unless DATABASE_URL is set) and REDIS_URL (default redis://127.0.0.1:6379/13, prefix "bench"), opens
--sockets anonymous websockets to a public room, spread over the processes, from --clients worker processes,
then every socket taps as the page does: one `like` frame every --interval seconds (0.6, the page's) with
1–5 taps, for --duration seconds. Each socket counts the taps acknowledged (counted), the `likes` pushes it
received and the last total it saw. The figures: taps counted vs the total stored in the database and the
total the sockets saw last (they must be equal), `likes` pushes per socket per second (coalesced: about 2–3
whatever the load), frames sent to the sockets per tap frame received, ack latency, the daphne processes' CPU,
and the Redis script calls (INFO commandstats: the whole server's).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.room_fanout import (  # noqa: E402
    cpu_seconds,
    free_port,
    open_ws,
    pct,
    prepare_data,
    setup_environment,
    start_server,
)


class Tapper:
    """One socket: what it sent, what was counted, the pushes it received."""

    def __init__(self):
        self.client = None
        self.sent = 0
        self.counted = 0
        self.pending: dict[str, float] = {}
        self.ack_ms: list[float] = []
        self.pushes = 0
        self.pushes_during = 0
        self.last_total = 0
        self.frames = 0
        self.errors: dict[str, int] = {}
        self.tapping = False
        self.welcomed = asyncio.get_event_loop().create_future()

    def on_text(self, text: str) -> None:
        self.frames += 1
        now = time.time()
        data = json.loads(text)
        for event in data if isinstance(data, list) else [data]:
            kind = event.get("type")
            if kind == "likes":
                if not self.welcomed.done():
                    self.welcomed.set_result(now)  # the last message of the opening
                else:
                    self.pushes += 1
                    self.pushes_during += 1 if self.tapping else 0
                self.last_total = max(self.last_total, event["total"])
            elif kind == "ack" and event.get("nonce") in self.pending:
                self.ack_ms.append((now - self.pending.pop(event["nonce"])) * 1000)
                self.counted += event.get("count", 0)
            elif kind == "error":
                self.pending.pop(event.get("nonce"), None)
                self.errors[event.get("code")] = self.errors.get(event.get("code"), 0) + 1


def worker(ports, path, n, args, ready_q, go_evt, result_q):
    async def main():
        tappers = []
        headers_for = {p: {"Origin": f"http://127.0.0.1:{p}"} for p in ports}
        for i in range(n):
            t = Tapper()
            port = ports[i % len(ports)]
            try:
                t.client = await open_ws(port, path, headers_for[port], t.on_text)
                await asyncio.wait_for(t.welcomed, 60)
            except Exception as error:
                print(f"[bench] a socket did not join: {error!r}", file=sys.stderr)
                continue
            tappers.append(t)
            await asyncio.sleep(1 / args.ramp)
        ready_q.put(len(tappers))
        while not go_evt.is_set():
            await asyncio.sleep(0.05)
        started = time.time()

        async def tap(t: Tapper, k: int):
            await asyncio.sleep(random.random() * args.interval)
            t.tapping = True
            seq = 0
            while time.time() - started < args.duration:
                seq += 1
                count = random.randint(1, 5)
                nonce = f"{k}-{seq}"
                t.pending[nonce] = time.time()
                t.client.send(json.dumps({"type": "like", "count": count, "nonce": nonce}))
                t.sent += count
                await asyncio.sleep(args.interval)
            t.tapping = False

        await asyncio.gather(*(tap(t, k) for k, t in enumerate(tappers)))
        tapped_for = time.time() - started
        # Every frame answered (a loaded server answers late), then the last coalesced pushes.
        deadline = time.time() + 300
        while any(t.pending for t in tappers) and time.time() < deadline:
            await asyncio.sleep(0.2)
        drained_after = time.time() - started - tapped_for
        await asyncio.sleep(3)
        result_q.put(
            {
                "sockets": len(tappers),
                "sent": sum(t.sent for t in tappers),
                "counted": sum(t.counted for t in tappers),
                "unanswered": sum(len(t.pending) for t in tappers),
                "pushes": [t.pushes for t in tappers],
                "pushes_during": [t.pushes_during for t in tappers],
                "last_totals": [t.last_total for t in tappers],
                "frames": sum(t.frames for t in tappers),
                "ack_ms": [a for t in tappers for a in t.ack_ms],
                "errors": {
                    c: sum(t.errors.get(c, 0) for t in tappers)
                    for c in {c for t in tappers for c in t.errors}
                },
                "tapped_for": tapped_for,
                "drained_after": drained_after,
            }
        )
        for t in tappers:
            t.client.transport.close()

    asyncio.run(main())


def redis_commands(url: str) -> dict[str, int]:
    import redis

    stats = redis.Redis.from_url(url).info("commandstats")
    return {name.removeprefix("cmdstat_"): v["calls"] for name, v in stats.items()}


def run(args) -> dict:
    env = setup_environment(args)
    session_id, _cookies, _name = prepare_data(0)
    from livestreams.models import SessionLikes

    ports = [free_port() for _ in range(args.processes)]
    servers = [start_server("hub", port, env)[0] for port in ports]
    path = f"/ws/live/{session_id}/"
    try:
        ctx = mp.get_context("fork")
        ready_q, result_q, go_evt = ctx.Queue(), ctx.Queue(), ctx.Event()
        per = [
            args.sockets // args.clients + (1 if i < args.sockets % args.clients else 0)
            for i in range(args.clients)
        ]
        workers = [
            ctx.Process(target=worker, args=(ports, path, n, args, ready_q, go_evt, result_q)) for n in per
        ]
        for w in workers:
            w.start()
        connected = sum(ready_q.get(timeout=600) for _ in workers)
        print(f"[bench] {connected} sockets in over {args.processes} daphne processes; tapping")
        before = redis_commands(env["REDIS_URL"])
        cpu0 = sum(cpu_seconds(s.pid) for s in servers)
        t0 = time.time()
        go_evt.set()
        results = [result_q.get(timeout=args.duration + 900) for _ in workers]
        wall = time.time() - t0 - 3  # the workers' last wait is idle
        cpu1 = sum(cpu_seconds(s.pid) for s in servers)
        after = redis_commands(env["REDIS_URL"])
        for w in workers:
            w.join(timeout=30)
    finally:
        for s in servers:
            if s.poll() is None:
                os.killpg(s.pid, signal.SIGTERM)
                s.wait(timeout=15)
    stored = SessionLikes.objects.filter(session_id=session_id).values_list("total", flat=True).first() or 0
    sent = sum(r["sent"] for r in results)
    counted = sum(r["counted"] for r in results)
    pushes = [p for r in results for p in r["pushes_during"]]
    tapped_for = max(r["tapped_for"] for r in results)
    last_totals = [t for r in results for t in r["last_totals"]]
    ack_ms = [a for r in results for a in r["ack_ms"]]
    tap_frames = sum(len(r["ack_ms"]) for r in results) + sum(sum(r["errors"].values()) for r in results)
    redis_delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    return {
        "sockets": connected,
        "processes": args.processes,
        "duration_s": round(tapped_for, 1),
        "tap_frames": tap_frames,
        "tap_frames_offered_per_s": round(tap_frames / tapped_for),
        "tap_frames_handled_per_s": round(tap_frames / wall),
        "backlog_drained_after_s": round(max(r["drained_after"] for r in results), 1),
        "taps_sent": sent,
        "taps_counted": counted,
        "taps_stored": stored,
        "sockets_saw_final_total": sum(1 for t in last_totals if t == stored),
        "refused": {
            c: sum(r["errors"].get(c, 0) for r in results) for c in {c for r in results for c in r["errors"]}
        },
        "unanswered_frames": sum(r["unanswered"] for r in results),
        "likes_pushes_per_socket_per_s_p50": round(pct(pushes, 50) / tapped_for, 2),
        "likes_pushes_per_socket_per_s_max": round(max(pushes) / tapped_for, 2) if pushes else None,
        "ack_ms_p50": round(pct(ack_ms, 50), 1),
        "ack_ms_p99": round(pct(ack_ms, 99), 1),
        "daphne_cpu_pct_total": round(100 * (cpu1 - cpu0) / wall),
        # CPU per tap frame (its pushes included): hardly affected by what else the machine runs.
        "daphne_cpu_us_per_tap_frame": round(1e6 * (cpu1 - cpu0) / tap_frames) if tap_frames else None,
        # INFO commandstats is the whole server's: other users of a shared Redis are included.
        "redis_script_calls_server_wide": redis_delta.get("eval", 0) + redis_delta.get("evalsha", 0),
        "load_avg_1m": os.getloadavg()[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--processes", type=int, default=2, help="daphne processes sharing the room")
    parser.add_argument("--clients", type=int, default=2, help="tapping worker processes")
    parser.add_argument("--duration", type=float, default=20, help="seconds of tapping")
    parser.add_argument("--interval", type=float, default=0.6, help="seconds between a socket's like frames")
    parser.add_argument("--ramp", type=float, default=100, help="new sockets per second per worker")
    args = parser.parse_args()
    result = run(args)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    ok = result["taps_counted"] == result["taps_stored"] and result["unanswered_frames"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
