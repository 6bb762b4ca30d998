"""Benchmark of the sales and studios area: booking (alone and under contention), the loser's free-slot
search, the monthly history, the results import check and the merchant's list page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub TEST_REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/sales.py            # PostgreSQL (exclusion constraint)
    DATABASE_URL= .venv/bin/python bench/sales.py  # SQLite (check inside an IMMEDIATE transaction)

It creates a throw-away database (bench_sales_<pid>), fills it and drops it again; figures go to stdout.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import threading
import time
from datetime import datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def timed(fn, repeat=1):
    samples = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return result, samples


def local(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, clock(hour, minute)), timezone.get_current_timezone())


def main() -> None:
    setup_test_environment()
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        settings_dict["TEST"]["NAME"] = str(
            Path(settings_dict["NAME"]).parent / f"bench_sales_{os.getpid()}.sqlite3"
        )
    else:
        settings_dict["TEST"]["NAME"] = f"bench_sales_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def bench_contention(*, building, enterprise, first_day) -> None:
    """8 threads, each with its own connection, try the same 40 slots of a new studio in random order."""
    from livestreams.models import StudioBooking
    from livestreams.services.studios import StudioConflict, studio_book
    from tests import factories as f

    contested = f.StudioFactory(building=building, name="二号直播间", opens_at=clock(8), closes_at=clock(22))
    targets = [(first_day + timedelta(days=d), h) for d in range(10) for h in (8, 11, 14, 17)]
    outcomes = {"won": 0, "lost": 0, "other": 0}
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker(seed):
        rng = random.Random(seed)
        mine = targets[:]
        rng.shuffle(mine)
        barrier.wait()
        for day, hour in mine:
            start = time.perf_counter()
            try:
                studio_book(
                    studio=contested,
                    enterprise=enterprise,
                    starts_at=local(day, hour),
                    ends_at=local(day, hour + 2),
                )
                key = "won"
            except StudioConflict:
                key = "lost"
            except Exception:
                key = "other"
            with lock:
                outcomes[key] += 1
                latencies.append(time.perf_counter() - start)
        connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    wall = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - wall
    booked = StudioBooking.objects.filter(studio=contested).count()
    print(
        f"3. 8 threads × {len(targets)} contested slots: {outcomes['won']} won, {outcomes['lost']} lost, "
        f"{outcomes['other']} errors, {booked} rows (expected {len(targets)}); wall {wall:.2f} s, "
        f"median attempt {ms(statistics.median(latencies))}, p95 {ms(sorted(latencies)[int(len(latencies) * 0.95)])}"
    )


def run() -> None:
    from django.test import Client

    from livestreams.models import LiveSession, SalesResult, SalesSession
    from livestreams.selectors.sales import sales_monthly_history
    from livestreams.services.sales_import import parse_results
    from livestreams.services.studios import StudioConflict, studio_book
    from partyorgs.models import Role
    from tests import factories as f

    print(f"backend: {connection.vendor}, CPUs: {os.cpu_count()}")
    region = f.SubdistrictFactory(name="淮河路街道")
    org = f.OrganizationFactory(name="网红大厦党委", region=region)
    building = f.BuildingFactory(name="二七丝路网红大厦", region=region, party_organization=org)
    enterprise = f.EnterpriseFactory(name="丝路优选", region=region, building=building)
    merchant = f.UserFactory(email="merchant@example.com")
    Role.objects.create(user=merchant, kind=Role.Kind.MERCHANT, enterprise=enterprise)
    studio = f.StudioFactory(building=building, name="一号直播间", opens_at=clock(8), closes_at=clock(22))
    first_day = timezone.localdate() + timedelta(days=2)

    # 1. Sequential bookings: 4 two-hour slots a day for 150 days (600 bookings).
    slots = [(first_day + timedelta(days=d), h) for d in range(150) for h in (8, 11, 14, 17)]

    def book_all():
        for day, hour in slots:
            studio_book(
                studio=studio, enterprise=enterprise, starts_at=local(day, hour), ends_at=local(day, hour + 2)
            )

    _, (elapsed,) = timed(book_all)
    print(f"1. {len(slots)} sequential bookings: {elapsed:.2f} s, {ms(elapsed / len(slots))} per booking")

    # 2. A conflicting attempt: the loser's answer (booking in the way + next 3 free slots) with 600 bookings.
    def lose():
        try:
            studio_book(
                studio=studio,
                enterprise=enterprise,
                starts_at=local(first_day, 9),
                ends_at=local(first_day, 11),
            )
        except StudioConflict as exc:
            return exc
        raise AssertionError("expected a conflict")

    conflict, samples = timed(lose, repeat=20)
    first = timezone.localtime(conflict.suggestions[0][0])
    print(
        f"2. a losing attempt among 600 bookings, with the booking in the way and {len(conflict.suggestions)} "
        f"next free slots (first {first:%m-%d %H:%M}): median {ms(statistics.median(samples))}, "
        f"max {ms(max(samples))}"
    )

    # 3. Contention: 8 threads race for the same 40 slots.
    bench_contention(building=building, enterprise=enterprise, first_day=first_day)

    # 4. Monthly history over 12 months with 20,000 results (one enterprise holds 2,400 of them).
    others = [f.EnterpriseFactory(region=region, building=building) for _ in range(7)]
    rows = []
    start = timezone.now() - timedelta(days=360)
    sessions = []
    for i in range(20000):
        owner = enterprise if i % 8 == 0 else others[i % 7]
        when = start + timedelta(minutes=26 * i)
        sessions.append(
            LiveSession(
                kind=LiveSession.Kind.SALES,
                title=f"场次{i}",
                host_enterprise=owner,
                region=region,
                starts_at=when,
                ends_at=when + timedelta(hours=2),
                status=LiveSession.Status.ENDED,
            )
        )
    LiveSession.objects.bulk_create(sessions, batch_size=2000)
    sales = [
        SalesSession(session=s, enterprise_id=s.host_enterprise_id, platform="douyin", approval="approved")
        for s in sessions
    ]
    SalesSession.objects.bulk_create(sales, batch_size=2000)
    for ss in sales:
        rows.append(
            SalesResult(sales_session=ss, gmv=Decimal("12345.67"), orders=100, peak_viewers=300, viewers=5000)
        )
    SalesResult.objects.bulk_create(rows, batch_size=2000)
    history, samples = timed(lambda: sales_monthly_history(enterprise_ids=[enterprise.pk]), repeat=20)
    print(
        f"4. monthly history (12 months, {sum(r.sessions for r in history)} sessions of 20,000): "
        f"median {ms(statistics.median(samples))}"
    )

    # 5. Checking a 5,000-row results file (the import's upper limit).
    ids = [ss.pk for ss in sales if ss.enterprise_id == enterprise.pk][:2400]
    lines = ["场次编号,成交额（元）,订单数,峰值在线,观看人数,新增粉丝"]
    lines += [f"{pk},{1000 + n}.50,{n},{n * 2},{n * 30},{n // 3}" for n, pk in enumerate(ids)]
    lines += [
        f"{ids[n % len(ids)]},1,1,1,1,1" for n in range(5000 - len(ids))
    ]  # duplicates: reported, not written
    content = "\n".join(lines).encode("utf-8")
    outcome, samples = timed(lambda: parse_results(user=merchant, name="r.csv", content=content), repeat=5)
    print(
        f"5. checking a 5,000-row CSV ({len(content) // 1024} KiB, {len(outcome.problems)} problems found): "
        f"median {ms(statistics.median(samples))}"
    )

    # 6. The merchant's /sales/ page with 2,400 sessions (page 1 of 25 rows).
    client = Client()
    client.force_login(merchant)
    response, samples = timed(lambda: client.get("/sales/"), repeat=20)
    assert response.status_code == 200
    print(f"6. GET /sales/ for a merchant with 2,400 sessions: median {ms(statistics.median(samples))}")


if __name__ == "__main__":
    main()
