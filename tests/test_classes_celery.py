"""Reminders and the lifecycle on real Celery workers over the Redis broker: exactly once when beat fires
twice, when two workers run at once, and when a worker is killed (SIGKILL) in the middle of a batch."""

from __future__ import annotations

import signal
import sqlite3
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from hub.models import Notification, User
from livestreams.models import LiveSession, PartyClass, Reminder
from livestreams.services.reminders import reminders_arm
from livestreams.tasks.lifecycle import advance_sessions
from livestreams.tasks.reminders import arm_reminders, send_due_reminders
from partyorgs.models import PartyMember
from tests import factories as f
from tests.support import start_celery_worker, wait_until

R = Reminder.State


def _class_due_now(world, n_members: int) -> LiveSession:
    """A class starting in 10 minutes with one 15-minute reminder per member: all of them due now."""
    users = User.objects.bulk_create(
        [User(email=f"load{i}@example.com", name=f"党员{i}") for i in range(n_members)]
    )
    PartyMember.objects.bulk_create(
        [PartyMember(user=u, branch=world.branch_a, joined_on=timezone.localdate()) for u in users]
    )
    start = timezone.now() + timedelta(minutes=10)
    session = f.LiveSessionFactory(
        host_organization=world.root_a, starts_at=start, audience_orgs=[world.branch_a]
    )
    f.PartyClassFactory(session=session, reminder_offsets=[15])
    reminders_arm(session_ids=[session.pk])
    assert Reminder.objects.filter(session=session, state=R.PENDING).count() == n_members
    return session


def _succeeded(worker, task: str) -> int:
    return sum(1 for line in worker.log.read_text().splitlines() if task in line and "succeeded" in line)


def _pending(session) -> int:
    return Reminder.objects.filter(session=session, state=R.PENDING).count()


def _assert_exactly_once(session, n_members: int) -> None:
    assert Reminder.objects.filter(session=session, state=R.SENT).count() == n_members
    per_user = (
        Notification.objects.filter(kind="session_reminder")
        .values("user_id")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    assert len(per_user) == n_members
    assert set(per_user) == {1}


def test_beat_firing_twice_sends_each_reminder_once_on_a_real_worker(world, celery_worker):
    session = _class_due_now(world, 120)
    send_due_reminders.delay()
    send_due_reminders.delay()
    arm_reminders.delay()
    wait_until(lambda: _pending(session) == 0, timeout=60, message="the worker to send the reminders")
    send_due_reminders.delay()  # and once more after everything was sent
    wait_until(lambda: _succeeded(celery_worker, "send_due_reminders") == 3, timeout=30, message="every run")
    _assert_exactly_once(session, 120)


def test_two_workers_running_the_beat_task_at_once_send_each_reminder_once(world, transactional_db):
    session = _class_due_now(world, 600)
    workers = [start_celery_worker(name=f"w{i}", HUB_REMINDER_BATCH_SIZE="40") for i in (1, 2)]
    try:
        for _i in range(4):
            send_due_reminders.delay()
        wait_until(
            lambda: _pending(session) == 0, timeout=120, message="the two workers to send the reminders"
        )
        # Both workers took part.
        for w in workers:
            wait_until(
                lambda w=w: "succeeded" in w.log.read_text(), timeout=30, message=f"{w.hostname} to run"
            )
    finally:
        for w in workers:
            w.stop()
    _assert_exactly_once(session, 600)


def _worker_is_mid_transaction() -> bool:
    """True while another connection holds an open write transaction on the test database: the worker is
    inside a batch. The probe does not lock reminder rows (that would change what the worker picks)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
            )
            return cur.fetchone()[0] > 0
    probe = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True  # "database is locked": the worker holds the write lock
    finally:
        probe.close()


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(world, transactional_db):
    total = 2000
    session = _class_due_now(world, total)
    worker = start_celery_worker(name="victim", HUB_REMINDER_BATCH_SIZE="500")
    try:
        send_due_reminders.delay()
        wait_until(
            _worker_is_mid_transaction, timeout=60, interval=0.005, message="the worker to be mid-batch"
        )
        worker.stop(signal.SIGKILL)
    finally:
        worker.stop()
    # Whatever batch was open rolled back: every reminder is either sent with its notification, or pending.
    wait_until(lambda: not _worker_is_mid_transaction(), timeout=30, message="the killed transaction to end")
    sent = Reminder.objects.filter(session=session, state=R.SENT).count()
    assert sent < total
    assert Notification.objects.filter(kind="session_reminder").count() == sent
    assert _pending(session) == total - sent
    assert not Reminder.objects.filter(session=session, state=R.SENDING).exists()
    # The next beat run, on another worker, sends the rest.
    rescuer = start_celery_worker(name="rescuer")
    try:
        send_due_reminders.delay()
        wait_until(lambda: _pending(session) == 0, timeout=120, message="the rescuer to send the rest")
    finally:
        rescuer.stop()
    _assert_exactly_once(session, total)


def test_the_lifecycle_task_opens_a_due_class_on_a_real_worker(world, member, celery_worker):
    session = f.LiveSessionFactory(
        host_organization=world.root_a,
        starts_at=timezone.now() - timedelta(seconds=5),
        ends_at=timezone.now() + timedelta(hours=1),
        audience_orgs=[world.branch_a],
    )
    f.PartyClassFactory(session=session)
    draft = f.LiveSessionFactory(
        host_organization=world.root_a, status=LiveSession.Status.DRAFT, starts_at=session.starts_at
    )
    advance_sessions.delay()
    advance_sessions.delay()
    wait_until(
        lambda: Notification.objects.filter(user=member, kind="class_started").exists(),
        timeout=60,
        message="the class to go live",
    )
    assert LiveSession.objects.get(pk=session.pk).status == LiveSession.Status.LIVE
    assert LiveSession.objects.get(pk=draft.pk).status == LiveSession.Status.DRAFT
    assert PartyClass.objects.get(pk=session.pk).start_notified_at is not None
    wait_until(lambda: _succeeded(celery_worker, "advance_sessions") == 2, timeout=30, message="both runs")
    assert Notification.objects.filter(user=member, kind="class_started").count() == 1


@pytest.fixture(autouse=True)
def _empty_queue():
    """Tasks left in the broker by an earlier test must not run in this one's worker."""
    from config.celery import app

    app.control.purge()
    yield
    app.control.purge()
