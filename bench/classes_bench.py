"""Benchmark of the Party-class machinery: arming and sending reminders, the lifecycle tick, the 三会一课 ledger.

Run (creates and drops its own test database; PostgreSQL when DATABASE_URL is set):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_bench TEST_REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/classes_bench.py [--branches 20] [--members 100] [--classes 100]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402


def timed(label: str, fn, *args, **kwargs):
    t = time.perf_counter()
    result = fn(*args, **kwargs)
    elapsed = time.perf_counter() - t
    summary = result if isinstance(result, int | dict) else type(result).__name__
    print(f"{label:<58} {elapsed * 1000:9.1f} ms   {summary}")
    return result, elapsed


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--branches", type=int, default=20)
    p.add_argument("--members", type=int, default=100, help="members per branch")
    p.add_argument("--classes", type=int, default=100, help="upcoming classes (one branch each)")
    p.add_argument("--past", type=int, default=10, help="ended classes per branch this quarter")
    a = p.parse_args()

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(a)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(a) -> None:
    from hub.models import User
    from livestreams.models import Attendance, LiveSession, PartyClass, Reminder, SessionAudience
    from livestreams.selectors.classes import current_quarter, quarter_bounds
    from livestreams.selectors.meetings import branch_ledger
    from livestreams.services.lifecycle import sessions_advance
    from livestreams.services.reminders import reminders_arm, reminders_send_due
    from partyorgs.models import PartyMember, PartyOrganization, Region

    region = Region.objects.create(name="区", kind="district")
    root = PartyOrganization.objects.add_root(
        create_kwargs={"name": "党工委", "kind": "working_committee", "region": region}
    )
    branches = [
        PartyOrganization.objects.add_child(
            root, create_kwargs={"name": f"支部{i}", "kind": "branch", "region": region}
        )
        for i in range(a.branches)
    ]
    root.refresh_from_db()
    users = User.objects.bulk_create(
        [User(email=f"b{i}@example.com", name=f"党员{i}") for i in range(a.branches * a.members)]
    )
    members = PartyMember.objects.bulk_create(
        [
            PartyMember(user=u, branch=branches[i // a.members], joined_on=timezone.localdate())
            for i, u in enumerate(users)
        ]
    )
    now = timezone.now()
    sessions = LiveSession.objects.bulk_create(
        [
            LiveSession(
                kind="party_class",
                title=f"党课{i}",
                host_organization=branches[i % a.branches],
                region=region,
                starts_at=now + timedelta(hours=2, minutes=i % 10),
                ends_at=now + timedelta(hours=3, minutes=i % 10),
                status="scheduled",
            )
            for i in range(a.classes)
        ]
    )
    PartyClass.objects.bulk_create([PartyClass(session=s, class_kind="party_lecture") for s in sessions])
    SessionAudience.objects.bulk_create(
        [SessionAudience(session=s, organization=branches[i % a.branches]) for i, s in enumerate(sessions)]
    )
    print(f"{a.branches} branches × {a.members} members, {a.classes} upcoming classes ({connection.vendor})")

    timed("reminders_arm: first run (creates every row)", reminders_arm, now=now)
    print(f"{'':<58} {Reminder.objects.count()} reminder rows")
    timed("reminders_arm: next run (nothing changed)", reminders_arm, now=now + timedelta(minutes=1))
    # Every 15-minute reminder is due and no class has started yet.
    due_at = now + timedelta(hours=1, minutes=55, seconds=30)
    n, secs = timed("reminders_send_due: every 15-min reminder due", reminders_send_due, now=due_at)
    sent = Reminder.objects.filter(state="sent").count()
    print(f"{'':<58} {sent} sent, {sent / secs:9.0f} reminders/s")
    timed("reminders_send_due: nothing due", reminders_send_due, now=due_at)
    # The outbox rows those reminders wrote, sent as the task does (locmem backend: the cost of claiming and
    # marking the rows, not of an SMTP server).
    from hub.emails import emails_deliver
    from hub.models import OutgoingEmail

    OutgoingEmail.objects.filter(template="emails/class_change").update(state="sent")  # scheduling notices
    mailed, secs = timed("emails_deliver: the reminder emails in the outbox", emails_deliver)
    print(f"{'':<58} {mailed} sent, {mailed / secs:9.0f} emails/s")

    start_all = now + timedelta(hours=2, minutes=10)
    done, _s = timed(
        "sessions_advance: all classes start (audience notified)", sessions_advance, now=start_all
    )
    print(f"{'':<58} {len(done.started)} started, {len(done.start_notified)} start notices")
    timed("sessions_advance: nothing to do", sessions_advance, now=start_all + timedelta(seconds=15))

    year, quarter = current_quarter()
    q_start, _ = quarter_bounds(year, quarter)
    ended = LiveSession.objects.bulk_create(
        [
            LiveSession(
                kind="party_class",
                title=f"往期{i}",
                host_organization=branches[i % a.branches],
                region=region,
                starts_at=q_start + timedelta(hours=1 + i),
                ends_at=q_start + timedelta(hours=2 + i),
                status="ended",
            )
            for i in range(a.branches * a.past)
        ]
    )
    PartyClass.objects.bulk_create(
        [
            PartyClass(session=s, class_kind="party_lecture" if i % 3 else "themed_day")
            for i, s in enumerate(ended)
        ]
    )
    SessionAudience.objects.bulk_create(
        [SessionAudience(session=s, organization=branches[i % a.branches]) for i, s in enumerate(ended)]
    )
    by_branch = {}
    for m in members:
        by_branch.setdefault(m.branch_id, []).append(m)
    Attendance.objects.bulk_create(
        [
            Attendance(session=s, member=m, seconds_watched=3600, attended=(m.pk + s.pk) % 5 != 0)
            for s in ended
            for m in by_branch[s.host_organization_id]
        ],
        batch_size=5000,
    )
    print(f"{'':<58} {Attendance.objects.count()} attendance rows, {len(ended)} ended classes")
    branch_qs = PartyOrganization.objects.filter(kind="branch").order_by("path")
    records, _secs = timed(
        "branch_ledger: the quarter for every branch",
        branch_ledger,
        branches=branch_qs,
        year=year,
        quarter=quarter,
    )


if __name__ == "__main__":
    main()
