"""Benchmark of the registry pages on a large district: the organization tree and the enterprise directory.

Builds a throw-away database (test_<name> of DATABASE_URL, or a SQLite file under var/), a tree of
`--orgs` organizations with `--members` Party members and `--enterprises` enterprises, then times GET
requests through Django's test client (no network) as the organizer of the root, who sees everything.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_bench .venv/bin/python bench/bench_registry.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--members", type=int, default=20000)
    parser.add_argument("--enterprises", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        return run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def build(args):
    from datetime import date

    from django.db import connection, transaction

    from hub.models import User
    from partyorgs.models import Building, Enterprise, Industry, PartyMember, PartyOrganization, Region, Role
    from partyorgs.validators import make_credit_code

    K = PartyOrganization.Kind
    with transaction.atomic():
        district = Region.objects.create(name="二七区", kind=Region.Kind.DISTRICT)
        sub = Region.objects.create(name="淮河路街道", kind=Region.Kind.SUBDISTRICT, parent=district)
        tree = PartyOrganization.objects
        root = tree.add_root(create_kwargs={"name": "党工委", "kind": K.WORKING_COMMITTEE, "region": sub})
        # Committees of 20 branches each, the branches with 2 groups each: about --orgs nodes in all.
        committees = max(1, args.orgs // 61)
        branches = []
        for c in range(committees):
            committee = tree.add_child(
                root, create_kwargs={"name": f"党委{c}", "kind": K.COMMITTEE, "region": sub}
            )
            for b in range(20):
                branch = tree.add_child(
                    committee, create_kwargs={"name": f"党支部{c}-{b}", "kind": K.BRANCH, "region": sub}
                )
                for g in range(2):
                    tree.add_child(
                        branch, create_kwargs={"name": f"党小组{c}-{b}-{g}", "kind": K.GROUP, "region": sub}
                    )
                committee.refresh_from_db()
                branches.append(branch)
            root.refresh_from_db()
        users = User.objects.bulk_create(
            [User(email=f"m{i}@example.com", name=f"党员{i}", password="!") for i in range(args.members)],
            batch_size=2000,
        )
        PartyMember.objects.bulk_create(
            [
                PartyMember(user=u, branch=branches[i % len(branches)], joined_on=date(2010, 7, 1))
                for i, u in enumerate(users)
            ],
            batch_size=2000,
        )
        building = Building.objects.create(
            name="网红大厦", kind=Building.Kind.BUILDING, region=sub, party_organization=root
        )
        industries = [c for c, _ in Industry.choices]
        Enterprise.objects.bulk_create(
            [
                Enterprise(
                    name=f"企业{i:05d}",
                    credit_code=make_credit_code("91", "410103", f"B{i:07d}"),
                    industry=industries[i % len(industries)],
                    region=sub,
                    building=building,
                    party_organization=branches[i % len(branches)],
                )
                for i in range(args.enterprises)
            ],
            batch_size=2000,
        )
        organizer = User.objects.create_user("organizer@example.com", "x")
        Role.objects.create(user=organizer, kind=Role.Kind.ORGANIZER, organization=root)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return organizer, PartyOrganization.objects.count()


def timed(client, url: str, n: int) -> list[float]:
    client.get(url)  # warm-up
    times = []
    for _ in range(n):
        start = time.perf_counter()
        resp = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert resp.status_code == 200, (url, resp.status_code)
    return times


def run(args) -> int:
    from django.db import connection
    from django.test import Client

    started = time.perf_counter()
    organizer, n_orgs = build(args)
    print(
        f"built {n_orgs} organizations, {args.members} members, {args.enterprises} enterprises "
        f"on {connection.vendor} in {time.perf_counter() - started:.1f} s"
    )
    client = Client()
    client.force_login(organizer)
    root = organizer.roles.get().organization
    for label, url in [
        ("/orgs/ (whole tree)", "/orgs/"),
        ("/orgs/<root>/", f"/orgs/{root.pk}/"),
        ("/enterprises/", "/enterprises/"),
        ("/enterprises/?industry=food&page=3", "/enterprises/?industry=food&page=3"),
    ]:
        t = sorted(timed(client, url, args.requests))
        p95 = t[max(0, int(len(t) * 0.95) - 1)]
        print(f"{label:<40} median {statistics.median(t):7.1f} ms   p95 {p95:7.1f} ms   ({len(t)} requests)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
