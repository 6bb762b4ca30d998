"""How fast the hub answers the media server's callbacks, over HTTP against a real daphne.

nginx-rtmp calls on_update every HUB_MEDIA_UPDATE_SECONDS for every live stream and waits for the answer before
it lets a publish start, so these answers bound how many streams one hub process can watch over.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench TEST_REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/media_callbacks.py [--streams 200] [--requests 3000] [--concurrency 8]

It creates a throw-away test database (like the test suite), one live session per stream with an open push,
starts daphne on a free port, then measures on_update (the steady state) and a publish/publish_done cycle.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402


def seed(streams: int) -> list[tuple[int, str]]:
    from livestreams.models import LiveSession, StreamPublish
    from livestreams.services.media import stream_key_ensure
    from tests import factories as f

    org = f.OrganizationFactory(name="基准党工委")
    now = timezone.now()
    sessions = [
        f.LiveSessionFactory(
            host_organization=org, starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=2)
        )
        for _ in range(streams)
    ]
    LiveSession.objects.filter(pk__in=[s.pk for s in sessions]).update(status=LiveSession.Status.LIVE)
    out = []
    for s in sessions:
        key = stream_key_ensure(session_id=s.pk)
        StreamPublish.objects.create(session=s, client_id=str(s.pk), started_at=now, last_seen_at=now)
        out.append((s.pk, key))
    return out


def timed_posts(port: int, bodies: list[tuple[str, str]], concurrency: int) -> list[float]:
    """POST each (path, body) with keep-alive connections, one per worker thread; the latencies in ms."""
    chunks = [bodies[i::concurrency] for i in range(concurrency)]

    def run(chunk):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        latencies = []
        for path, body in chunk:
            start = time.perf_counter()
            conn.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
            resp = conn.getresponse()
            resp.read()
            latencies.append((time.perf_counter() - start) * 1000)
            if resp.status != 200:
                raise RuntimeError(f"{path} answered {resp.status}")
        conn.close()
        return latencies

    with ThreadPoolExecutor(concurrency) as pool:
        return [ms for part in pool.map(run, chunks) for ms in part]


def report(name: str, latencies: list[float], seconds: float) -> None:
    q = statistics.quantiles(latencies, n=100)
    print(
        f"{name:<28} {len(latencies):>6} calls  {len(latencies) / seconds:8.1f}/s  "
        f"p50 {q[49]:6.1f} ms  p95 {q[94]:6.1f} ms  p99 {q[98]:6.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    from tests.support import start_daphne

    old = setup_databases(verbosity=0, interactive=False)
    server = None
    try:
        sessions = seed(args.streams)
        server = start_daphne(HUB_MEDIA_END_GRACE_SECONDS="0")
        secret = f"?secret={settings.HUB_MEDIA_SECRET}"
        updates = [
            (
                f"/mediaserver/on_update{secret}",
                urlencode(
                    {"call": "update_publish", "name": f"session-{pk}", "key": key, "clientid": str(pk)}
                ),
            )
            for i in range(args.requests)
            for pk, key in [sessions[i % len(sessions)]]
        ]
        timed_posts(server.port, updates[:200], args.concurrency)  # warm up
        start = time.perf_counter()
        latencies = timed_posts(server.port, updates, args.concurrency)
        report("on_update", latencies, time.perf_counter() - start)

        cycle = []
        for pk, key in sessions:
            form = {"call": "publish_done", "name": f"session-{pk}", "key": key, "clientid": str(pk)}
            cycle.append((f"/mediaserver/on_publish_done{secret}", urlencode(form)))
        start = time.perf_counter()
        latencies = timed_posts(server.port, cycle, args.concurrency)
        report("on_publish_done (ends)", latencies, time.perf_counter() - start)
        print(
            f"({args.streams} live streams, concurrency {args.concurrency}, "
            f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[1]}, one daphne process)"
        )
    finally:
        if server:
            server.stop()
        teardown_databases(old, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
