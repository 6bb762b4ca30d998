#!/usr/bin/env python3
"""Benchmark of the district dashboards on a large district (PostgreSQL only).

    createdb -h 127.0.0.1 -U postgres hub_bench    # once
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_bench REDIS_URL=redis://127.0.0.1:6379/10
    .venv/bin/python bench/dashboards.py generate          # 100,000 sessions, 1,000,000 presence rows, ...
    .venv/bin/python bench/dashboards.py measure           # p50/p95 of the page and of every JSON endpoint

`generate` migrates the database and adds one district (大数据区, 10 subdistricts) with three years of
activity; rows go in with PostgreSQL's COPY, built from the models' own fields so that fields added by
other areas get their defaults. `measure` signs in the district's official with Django's test client (the
whole request: middleware, permission checks, queries, templates, JSON) and times every request:

- warm: what officials get: Celery beat keeps the default dashboard of every official computed;
- cold: the cache is emptied before each request, so every figure is computed by the database;
- filtered: a building and an organization subtree chosen, first request (cold) of each filter.

Results are printed as Markdown and written to bench/results/dashboards-<time>.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
# The benchmark runs the production settings, minus HTTPS (the test client speaks plain HTTP).
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("DJANGO_CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

DISTRICT = "大数据区"
OFFICIAL = "bench.official@example.com"
SUB_OFFICIAL = "bench.subdistrict@example.com"


def say(msg: str) -> None:
    print(f"[bench] {msg}", flush=True)


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        say("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_bench")
        sys.exit(2)


# --- Bulk loading with COPY ----------------------------------------------------------------------------


def copy_objects(model, objects) -> int:
    """INSERT the model instances with COPY, every concrete field from the instance (pk included)."""
    fields = [f for f in model._meta.concrete_fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    n = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
                n += 1
    return n


def next_id(model) -> int:
    with connection.cursor() as cursor:
        # Table names come from the models, never from input.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")  # noqa: S608
        return cursor.fetchone()[0]


def reset_sequence(model) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"  # noqa: S608
        )


# --- The district ---------------------------------------------------------------------------------------


def generate(args) -> None:
    require_postgres()
    from partyorgs.models import Region

    rng = random.Random(args.seed)
    call_command("migrate", "--noinput", verbosity=0)
    if Region.objects.filter(name=DISTRICT, parent=None).exists():
        say(f"{DISTRICT} exists already; drop and re-create the database to generate again.")
        return
    started = time.monotonic()

    with transaction.atomic():
        district = Region.objects.create(
            name=DISTRICT, kind=Region.Kind.DISTRICT, province="河南省", city="郑州市"
        )
        subs = [
            Region.objects.create(name=f"大数据{i + 1}号街道", kind=Region.Kind.SUBDISTRICT, parent=district)
            for i in range(args.subdistricts)
        ]
        roots, committees, branches = make_organizations(subs)
        say(f"{len(roots) + len(committees) + len(branches)} Party organizations")
        buildings, enterprises, tenants = make_places(args, rng, subs, roots, committees, branches)
        first_user, users, members_of = make_people(args, district, subs, branches)
        say(f"{len(users)} members, {len(enterprises)} enterprises, {len(tenants)} incubator tenants")
        sessions = make_sessions(args, rng, enterprises, roots, committees, branches)
        make_attendance(args, rng, sessions, members_of)
        make_presence(args, rng, sessions, first_user)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    say(f"generated in {time.monotonic() - started:.0f} s")
    tally_backlog()


def make_organizations(subs) -> tuple[list, list, list]:
    """Per subdistrict: a working committee, 5 Party committees under it and 6 branches under each."""
    from partyorgs.models import PartyOrganization

    K = PartyOrganization.Kind
    tree = PartyOrganization.objects
    roots, committees, branches = [], [], []
    for sub in subs:
        root = tree.add_root(
            create_kwargs={"name": f"{sub.name}党工委", "kind": K.WORKING_COMMITTEE, "region": sub}
        )
        roots.append(root)
        for c in range(5):
            root.refresh_from_db()
            committee = tree.add_child(
                root,
                create_kwargs={"name": f"{sub.name}第{c + 1}党委", "kind": K.COMMITTEE, "region": sub},
            )
            committees.append(committee)
            for b in range(6):
                committee.refresh_from_db()
                branches.append(
                    tree.add_child(
                        committee,
                        create_kwargs={
                            "name": f"{committee.name}第{b + 1}支部",
                            "kind": K.BRANCH,
                            "region": sub,
                        },
                    )
                )
    return roots, committees, branches


def make_places(args, rng, subs, roots, committees, branches) -> tuple[list, list, list]:
    """Buildings (one per second committee), their enterprises and incubators, and an alliance per subdistrict."""
    from partyorgs.models import (
        Alliance,
        AllianceMembership,
        Building,
        Enterprise,
        Incubator,
        IncubatorTenant,
        Industry,
    )
    from partyorgs.validators import make_credit_code

    buildings = []
    for i, committee in enumerate(committees[::2]):
        buildings.append(
            Building.objects.create(
                name=f"大数据楼宇{i + 1:02d}",
                kind=Building.Kind.BUILDING,
                region=committee.region,
                party_organization=committee,
            )
        )
    industries = [c for c, _ in Industry.choices]
    enterprises = Enterprise.objects.bulk_create(
        [
            Enterprise(
                name=f"大数据直播电商{i:05d}有限公司",
                credit_code=make_credit_code("91", "410103", f"BN{i:06d}"),
                industry=rng.choice(industries),
                region=(b := rng.choice(buildings)).region,
                building=b,
                party_organization=rng.choice(
                    [x for x in branches if x.path.startswith(b.party_organization.path)]
                ),
                branch_mode=Enterprise.BranchMode.JOINT,
            )
            for i in range(args.enterprises)
        ],
        batch_size=1000,
    )
    for sub, root in zip(subs, roots, strict=True):
        alliance = Alliance.objects.create(name=f"{sub.name}党建联盟", region=sub, lead_organization=root)
        members = [b for b in branches if b.region_id == sub.id][:10]
        AllianceMembership.objects.bulk_create(
            [AllianceMembership(alliance=alliance, organization=o) for o in members]
        )
    statuses = (
        [IncubatorTenant.Status.MOVED_IN] * 6
        + [IncubatorTenant.Status.GRADUATED] * 2
        + [IncubatorTenant.Status.LEFT]
    )
    tenants = []
    for b in buildings:
        incubator = Incubator.objects.create(name=f"{b.name}孵化器", building=b, workstations=80)
        for t in range(40):
            tenants.append(
                IncubatorTenant(
                    incubator=incubator,
                    name=f"{b.name}创客{t:02d}",
                    kind=rng.choice(IncubatorTenant.Kind.values),
                    industry=rng.choice(industries),
                    status=rng.choice(statuses),
                    moved_in_on=date(2022, 1, 1) + timedelta(days=rng.randrange(900)),
                )
            )
    IncubatorTenant.objects.bulk_create(tenants, batch_size=1000)
    return buildings, enterprises, tenants


def make_people(args, district, subs, branches) -> tuple[int, list, dict]:
    """Members of every branch (their accounts are also the viewers of the rooms) and the two officials.

    Returns the first member's user id, the users and each branch's members."""
    from hub.models import User
    from partyorgs.models import PartyMember, Role

    first_user = next_id(User)
    users = [
        User(id=first_user + i, email=f"bench.member{i:06d}@example.com", name=f"党员{i:06d}", password="!")
        for i in range(args.members)
    ]
    copy_objects(User, users)
    reset_sequence(User)
    first_member = next_id(PartyMember)
    member_rows = [
        PartyMember(
            id=first_member + i,
            user_id=u.id,
            branch_id=branches[i % len(branches)].id,
            joined_on=date(2000, 1, 1) + timedelta(days=i % 8000),
        )
        for i, u in enumerate(users)
    ]
    copy_objects(PartyMember, member_rows)
    reset_sequence(PartyMember)
    members_of = {}
    for m in member_rows:
        members_of.setdefault(m.branch_id, []).append(m)
    official = User.objects.create_user(OFFICIAL, password=args.password, name="大数据区领导")
    Role.objects.create(user=official, kind=Role.Kind.OFFICIAL, region=district)
    sub_official = User.objects.create_user(SUB_OFFICIAL, password=args.password, name="大数据街道领导")
    Role.objects.create(user=sub_official, kind=Role.Kind.OFFICIAL, region=subs[0])
    return first_user, users, members_of


def make_sessions(args, rng, enterprises, roots, committees, branches) -> list:
    """Sessions over three years up to today and a month ahead, with their class, sales and result rows."""
    from livestreams.models import LiveSession, PartyClass, SalesResult, SalesSession, SessionAudience

    now = timezone.now()
    horizon_start = now - timedelta(days=3 * 365)
    span = (now + timedelta(days=30) - horizon_start).total_seconds()
    first_session = next_id(LiveSession)
    sessions, classes, sales, results = [], [], [], []
    class_kinds = [PartyClass.ClassKind.PARTY_LECTURE] * 7 + [
        PartyClass.ClassKind.THEMED_DAY,
        PartyClass.ClassKind.STUDY,
        PartyClass.ClassKind.GENERAL_MEETING,
    ]
    platforms = SalesSession.Platform.values
    for i in range(args.sessions):
        starts = horizon_start + timedelta(seconds=rng.random() * span)
        s = new_session(rng, first_session + i, i, starts, now, enterprises, roots, branches)
        sessions.append(s)
        if s.kind == "party_class":
            classes.append(PartyClass(session_id=s.id, class_kind=rng.choice(class_kinds)))
        elif s.kind == "sales":
            sales.append(
                SalesSession(
                    session_id=s.id,
                    enterprise_id=s.host_enterprise_id,
                    platform=rng.choice(platforms),
                    approval=SalesSession.Approval.APPROVED,
                )
            )
            if s.status == LiveSession.Status.ENDED:
                results.append(new_sales_result(rng, s.id))
    copy_objects(LiveSession, sessions)
    reset_sequence(LiveSession)
    copy_objects(PartyClass, classes)
    audiences = class_audiences(rng, sessions, committees, branches)
    copy_objects(SessionAudience, audiences)
    reset_sequence(SessionAudience)
    copy_objects(SalesSession, sales)
    first_result = next_id(SalesResult)
    for i, r in enumerate(results):
        r.id = first_result + i
    copy_objects(SalesResult, results)
    reset_sequence(SalesResult)
    say(f"{len(sessions)} sessions ({len(classes)} classes, {len(sales)} sales with {len(results)} results)")
    return sessions


def new_session(rng, sid, i, starts, now, enterprises, roots, branches):
    """One session starting at the hour of `starts`: 40 % classes, 55 % sales, 5 % promotions; its status
    follows from its times (1 % of the past ones cancelled)."""
    from livestreams.models import LiveSession

    starts = starts.replace(minute=0, second=0, microsecond=0)
    hours = rng.choice([1, 1, 1.5, 2, 2, 3, 6])
    ends = starts + timedelta(hours=hours)
    roll = rng.random()
    kind = "party_class" if roll < 0.40 else "sales" if roll < 0.95 else "promotion"
    s = LiveSession(
        id=sid,
        kind=kind,
        title=f"场次{i:06d}",
        starts_at=starts,
        ends_at=ends,
        visibility=LiveSession.Visibility.AUDIENCE
        if kind == "party_class"
        else LiveSession.Visibility.PUBLIC,
    )
    if kind == "sales":
        ent = rng.choice(enterprises)
        s.host_enterprise_id, s.region_id = ent.id, ent.region_id
        s.playback = LiveSession.Playback.HUB if rng.random() < 0.3 else LiveSession.Playback.EXTERNAL
    else:
        org = rng.choice(branches) if kind == "party_class" else rng.choice(roots)
        s.host_organization_id, s.region_id = org.id, org.region_id
    if ends < now:
        if rng.random() < 0.01:
            s.status = LiveSession.Status.CANCELLED
        else:
            s.status, s.went_live_at, s.ended_at = LiveSession.Status.ENDED, starts, ends
            s.peak_viewers = rng.randrange(5, 400)
    elif starts < now:
        s.status, s.went_live_at = LiveSession.Status.LIVE, starts
    else:
        s.status = LiveSession.Status.SCHEDULED
    s.created_at = s.updated_at = starts - timedelta(days=3)
    return s


def new_sales_result(rng, sid):
    from livestreams.models import SalesResult

    gmv = Decimal(rng.randrange(100, 2_000_000)) / 100
    return SalesResult(
        sales_session_id=sid,
        gmv=gmv,
        orders=rng.randrange(1, 3000),
        peak_viewers=rng.randrange(10, 5000),
        viewers=rng.randrange(100, 50000),
        flagged=rng.random() < 0.01,
    )


def class_audiences(rng, sessions, committees, branches) -> list:
    """Most classes are for the host branch, some for every branch of the committee above it."""
    from livestreams.models import SessionAudience

    parent_of = {b.id: next(c for c in committees if b.path.startswith(c.path)) for b in branches}
    first_audience = next_id(SessionAudience)
    audiences = []
    for s in sessions:
        if s.kind == "party_class":
            org = parent_of[s.host_organization_id] if rng.random() < 0.3 else None
            audiences.append(
                SessionAudience(
                    id=first_audience + len(audiences),
                    session_id=s.id,
                    organization_id=org.id if org else s.host_organization_id,
                    include_subtree=True,
                )
            )
    return audiences


def make_attendance(args, rng, sessions, members_of) -> None:
    """Attendance of the classes that ended: the branch's members, some absent, a few excused."""
    from livestreams.models import Attendance, LiveSession

    ended_classes = [s for s in sessions if s.kind == "party_class" and s.status == LiveSession.Status.ENDED]
    per_class = max(1, args.attendance // max(1, len(ended_classes)))
    first_att = next_id(Attendance)

    def attendance_rows():
        n = 0
        for s in ended_classes:
            for m in rng.sample(
                members_of[s.host_organization_id],
                min(per_class, len(members_of[s.host_organization_id])),
            ):
                roll = rng.random()
                yield Attendance(
                    id=first_att + n,
                    session_id=s.id,
                    member_id=m.id,
                    attended=roll < 0.8,
                    excused=0.8 <= roll < 0.88,
                    seconds_watched=int(roll * 3600),
                )
                n += 1

    n_att = copy_objects(Attendance, attendance_rows())
    reset_sequence(Attendance)
    say(f"{n_att} attendance records")


def make_presence(args, rng, sessions, first_user) -> None:
    """Presence in the hub's own rooms: people joining sessions that went live, some twice."""
    from livestreams.models import LiveSession, PresenceInterval

    in_rooms = [s for s in sessions if s.went_live_at is not None and s.playback == LiveSession.Playback.HUB]
    first_presence = next_id(PresenceInterval)

    def presence_rows():
        for n in range(args.presence):
            s = in_rooms[n % len(in_rooms)]
            joined = s.went_live_at + timedelta(minutes=rng.randrange(0, 50))
            yield PresenceInterval(
                id=first_presence + n,
                session_id=s.id,
                user_id=first_user + rng.randrange(args.members),
                joined_at=joined,
                left_at=joined + timedelta(minutes=rng.randrange(1, 60)),
            )

    n_presence = copy_objects(PresenceInterval, presence_rows())
    reset_sequence(PresenceInterval)
    say(f"{n_presence} presence intervals")


def tally_backlog() -> None:
    """What Celery beat would have done while these sessions ended: tally them (here the whole backlog)."""
    from hub.dashboards.services import tallies_refresh

    t, total = time.monotonic(), 0
    while n := tallies_refresh(batch=5000):
        total += n
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    say(f"tallied {total} ended sessions in {time.monotonic() - t:.0f} s")


# --- Measuring ------------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed(client, url: str, params: dict, runs: int, before=None) -> list[float]:
    times = []
    for _ in range(runs):
        if before:
            before()
        t = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - t) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]!r}")
    return times


def measure(args) -> None:
    require_postgres()
    from django.test import Client

    from hub.dashboards.selectors import SECTIONS
    from hub.dashboards.services import dashboards_invalidate, dashboards_refresh
    from hub.models import User
    from livestreams.models import Attendance, LiveSession, PresenceInterval
    from partyorgs.models import Building, PartyOrganization

    official = User.objects.filter(email=args.official).first()
    if official is None:
        say("No benchmark district: run `bench/dashboards.py generate` first.")
        sys.exit(2)
    sizes = {
        "sessions": LiveSession.objects.count(),
        "presence": PresenceInterval.objects.count(),
        "attendance": Attendance.objects.count(),
    }
    say(f"database: {sizes}")
    client = Client()
    client.force_login(official)
    urls = ["/dashboard/", *[f"/dashboard/data/{c}.json" for c in [*SECTIONS, "live-now"]]]
    building = Building.objects.filter(name__startswith="大数据楼宇").first()
    org = PartyOrganization.objects.filter(name__endswith="第1党委", region__parent__name=DISTRICT).first()
    report = {"sizes": sizes, "load": os.getloadavg(), "official": args.official, "runs": {}}

    def run(label, params, runs, before=None):
        rows = {}
        for url in urls:
            client.get(url, params)  # connection, session and templates warmed once
            times = timed(client, url, params, runs, before)
            rows[url] = {
                "p50": round(statistics.median(times), 1),
                "p95": round(percentile(times, 0.95), 1),
                "max": round(max(times), 1),
            }
            say(f"{label:9} {url:45} p50 {rows[url]['p50']:7.1f} ms  p95 {rows[url]['p95']:7.1f} ms")
        report["runs"][label] = rows

    dashboards_invalidate()
    t = time.perf_counter()
    scopes = dashboards_refresh()
    report["refresh_seconds"] = round(time.perf_counter() - t, 2)
    say(f"refresh of {scopes} default dashboards took {report['refresh_seconds']} s")
    run("warm", {}, args.runs)
    run("cold", {}, args.cold_runs, before=dashboards_invalidate)
    run(
        "filtered",
        {"building": building.pk, "organization": org.pk},
        args.cold_runs,
        before=dashboards_invalidate,
    )

    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"dashboards-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print()
    print(markdown(report))
    say(f"written to {path}")


def markdown(report: dict) -> str:
    buf = io.StringIO()
    labels = list(report["runs"])
    buf.write("| request | " + " | ".join(f"{label} p50 / p95 (ms)" for label in labels) + " |\n")
    buf.write("| --- |" + " --- |" * len(labels) + "\n")
    for url in report["runs"][labels[0]]:
        cells = [
            f"{report['runs'][lb][url]['p50']:.0f} / {report['runs'][lb][url]['p95']:.0f}" for lb in labels
        ]
        buf.write(f"| `{url}` | " + " | ".join(cells) + " |\n")
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="create the large district")
    g.add_argument("--subdistricts", type=int, default=10)
    g.add_argument("--enterprises", type=int, default=2000)
    g.add_argument("--members", type=int, default=30000)
    g.add_argument("--sessions", type=int, default=100_000)
    g.add_argument("--presence", type=int, default=1_000_000)
    g.add_argument("--attendance", type=int, default=800_000)
    g.add_argument("--password", default="bench-password-123")
    g.add_argument("--seed", type=int, default=20240701)
    m = sub.add_parser("measure", help="time the dashboard requests")
    m.add_argument(
        "--official", default=OFFICIAL, help=f"whose dashboard (default {OFFICIAL}; or {SUB_OFFICIAL})"
    )
    m.add_argument("--runs", type=int, default=50, help="requests per URL with the cache warm")
    m.add_argument("--cold-runs", type=int, default=10, help="requests per URL with the cache emptied")
    args = parser.parse_args()
    {"generate": generate, "measure": measure}[args.command](args)


if __name__ == "__main__":
    main()
