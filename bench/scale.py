#!/usr/bin/env python
"""One live room served by N daphne processes behind nginx (the site of deploy/nginx, minus TLS).

    .venv/bin/python bench/scale.py --processes 1 --viewers 2000 --rate 20 --duration 30
    .venv/bin/python bench/scale.py --processes 2 --viewers 4000 --rate 20 --duration 30

It starts --processes daphne processes with `manage.py serve` (HUB_TRUSTED_PROXY_COUNT=1, as
deploy/systemd runs them) and one nginx from `manage.py proxyconf --standalone` in front of them, on free
ports, against the database and Redis of bench/room_fanout.py (SQLite under var/bench unless DATABASE_URL is
set; REDIS_URL default redis://127.0.0.1:6379/13, keys under "bench"). Viewers (anonymous websockets from
--clients worker processes, at --ramp joins per second each) and 50 commenters go through nginx; the
viewer clients, the commenters and the figures are those of bench/room_fanout.py (imported, one
implementation). Figures: delivered %, delivery latency p50/p99 (post sent -> comment received, over all
deliveries), the time to connect everyone, CPU and RSS per daphne process and of nginx, and the RSS each
idle viewer costs (daphne RSS with everyone connected minus before, per viewer).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.room_fanout import (  # noqa: E402
    cpu_seconds,
    free_port,
    pct,
    post_comments,
    prepare_data,
    rss_mb,
    setup_environment,
    start_viewer_workers,
)


def wait_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{log} did not start:\n{log.read_text()[-2000:]}") from None
            time.sleep(0.2)


def start_daphnes(n: int, env: dict, logs: Path) -> list[tuple[int, subprocess.Popen]]:
    started = []
    for _ in range(n):
        port = free_port()
        log = logs / f"serve-{port}.log"
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port)],
            cwd=ROOT,
            env={**env, "HUB_TRUSTED_PROXY_COUNT": "1"},
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append((port, proc))
        wait_port(port, proc, log)
    return started


def start_nginx(daphne_ports: list[int], logs: Path) -> tuple[int, subprocess.Popen, str]:
    from django.core.management import call_command

    port = free_port()
    prefix = Path(tempfile.mkdtemp(prefix="hub-proxy-", dir=logs))
    with open(os.devnull, "w") as quiet:
        call_command(
            "proxyconf",
            daphne=",".join(f"127.0.0.1:{p}" for p in daphne_ports),
            no_tls=True,
            listen=f"127.0.0.1:{port}",
            standalone=str(prefix),
            callbacks_listen="",
            stdout=quiet,
        )
    log = logs / f"nginx-{port}.log"
    proc = subprocess.Popen(
        ["nginx", "-p", str(prefix), "-c", str(prefix / "conf" / "nginx.conf"), "-g", "daemon off;"],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_port(port, proc, log)
    return port, proc, str(prefix)


def group_cpu(pid: int) -> float:
    """CPU seconds of a process and its children that are alive (nginx's master and worker)."""
    total = cpu_seconds(pid)
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            total += cpu_seconds(int(child))
        except FileNotFoundError:
            pass
    return total


def group_rss(pid: int) -> float:
    total = rss_mb(pid)
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            total += rss_mb(int(child))
        except FileNotFoundError:
            pass
    return total


def established(port: int) -> int:
    """Open TCP connections to a local port (from /proc/net/tcp): the sockets nginx gave that process."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                count += 1
    return count


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def start_baseline(logs: Path) -> tuple[int, subprocess.Popen]:
    """A plain websockets.broadcast room (no auth, no storage, no Redis): the machine's own yardstick."""
    port = free_port()
    log = logs / f"baseline-{port}.log"
    proc = subprocess.Popen(
        # The same yardstick as bench/room_fanout.py --compare: one server, one load generator.
        [
            sys.executable,
            str(Path(__file__).resolve().parent / "websockets_broadcast.py"),
            "--port",
            str(port),
        ],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_port(port, proc, log)
    return port, proc


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--processes", type=int, default=2, help="daphne processes behind nginx")
    parser.add_argument("--viewers", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=20, help="comments per second, in total")
    parser.add_argument("--duration", type=float, default=30, help="seconds of posting")
    parser.add_argument("--clients", type=int, default=2, help="viewer worker processes")
    parser.add_argument("--commenters", type=int, default=50)
    parser.add_argument(
        "--ramp", type=float, default=150, help="new viewer connections per second per worker"
    )
    parser.add_argument(
        "--connect-rate",
        type=float,
        default=None,
        help="open the viewers as a class start does: this many per second in total, on schedule",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON too")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="instead of the hub: one process of a plain websockets.broadcast room, driven by the same load "
        "generator (divide the hub's figures by these to compare machines)",
    )
    args = parser.parse_args()

    env = setup_environment(args)
    session_id, cookies, cookie_name = prepare_data(args.commenters)
    logs = Path(env["HUB_VAR_DIR"])
    logs.mkdir(parents=True, exist_ok=True)
    path = f"/ws/live/{session_id}/"
    nginx = None
    if args.baseline:
        daphnes = [start_baseline(logs)]
        args.processes = 0
    else:
        daphnes = start_daphnes(args.processes, env, logs)
    try:
        if args.baseline:
            port = daphnes[0][0]
        else:
            port, nginx, _ = start_nginx([p for p, _ in daphnes], logs)
        time.sleep(2)  # imports settle
        rss_before = [rss_mb(proc.pid) for _, proc in daphnes]

        ctx = mp.get_context("fork")
        ready_q, result_q, stop_evt = ctx.Queue(), ctx.Queue(), ctx.Event()
        per = [
            args.viewers // args.clients + (1 if i < args.viewers % args.clients else 0)
            for i in range(args.clients)
        ]
        t0 = time.time()
        workers = start_viewer_workers(
            ctx, port, path, per, args, queues=(ready_q, stop_evt, result_q), probe_last=False
        )
        ready = [ready_q.get(timeout=900) for _ in workers]
        connect_seconds = time.time() - t0
        connected = sum(r[0] for r in ready)
        failed = sum(r[1] for r in ready)
        print(f"[scale] {connected} viewers connected in {connect_seconds:.1f}s ({failed} failed)")
        time.sleep(5)  # counts and heartbeats settle
        rss_idle = [rss_mb(proc.pid) for _, proc in daphnes]
        spread = [established(p) for p, _ in daphnes]

        cpu0 = [cpu_seconds(proc.pid) for _, proc in daphnes]
        nginx_cpu0, wall0 = (group_cpu(nginx.pid) if nginx else 0.0), time.time()
        sent, acked, ack_lat, errors = asyncio.run(
            post_comments(port, path, cookie_name, cookies, args.rate, args.duration)
        )
        wall1 = time.time()
        cpu1 = [cpu_seconds(proc.pid) for _, proc in daphnes]
        nginx_cpu1 = group_cpu(nginx.pid) if nginx else 0.0
        rss_end = [rss_mb(proc.pid) for _, proc in daphnes]
        nginx_rss = group_rss(nginx.pid) if nginx else 0.0
        stop_evt.set()
        results = [result_q.get(timeout=300) for _ in workers]
        for w in workers:
            w.join(timeout=30)
        latencies = array("f")
        for r in results:
            a = array("f")
            a.frombytes(r["latencies"])
            latencies.extend(a)
        latencies = list(latencies)
        delivered = sum(r["comments"] for r in results)
        expected = acked * connected
        wall = wall1 - wall0
        summary = {
            "processes": "websockets.broadcast baseline" if args.baseline else args.processes,
            "viewers": connected,
            "viewers_failed": failed,
            "viewers_closed_early": sum(r["closed_early"] for r in results),
            "connect_seconds": round(connect_seconds, 1),
            "joins_per_s": round(connected / connect_seconds, 0) if connect_seconds else None,
            "connections_per_process": spread,
            "comments_sent": sent,
            "comments_acked": acked,
            "comment_errors": len(errors),
            "delivered_pct": round(100 * delivered / expected, 2) if expected else 0,
            "latency_ms_p50": round(pct(latencies, 50), 1),
            "latency_ms_p99": round(pct(latencies, 99), 1),
            "latency_ms_max": round(max(latencies), 1) if latencies else None,
            "ack_ms_p50": round(pct(ack_lat, 50), 1),
            "ack_ms_p99": round(pct(ack_lat, 99), 1),
            "daphne_cpu_pct": [round(100 * (b - a) / wall) for a, b in zip(cpu0, cpu1, strict=True)],
            "daphne_rss_mb": [round(x) for x in rss_end],
            "rss_kb_per_idle_viewer": round(1024 * (sum(rss_idle) - sum(rss_before)) / connected, 1)
            if connected
            else None,
            "nginx_cpu_pct": round(100 * (nginx_cpu1 - nginx_cpu0) / wall),
            "nginx_rss_mb": round(nginx_rss),
            "load_avg_1m": round(os.getloadavg()[0], 2),
        }
        width = max(map(len, summary))
        for k, v in summary.items():
            print(f"  {k:<{width}}  {v}")
        if args.json:
            print(json.dumps(summary))
        return 0
    finally:
        if nginx is not None:
            stop(nginx)
        for _, proc in daphnes:
            stop(proc)


if __name__ == "__main__":
    sys.exit(main())
