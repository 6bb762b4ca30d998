"""The one email path (hub.emails): an outbox row written in the change's transaction, sent by a task with
bounded retries, picked up by the sweep when its task is lost, in the recipient's language. Issue 11 item 6:
a worker killed with SIGKILL in the middle of a batch of reminder emails loses none of them."""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation

from hub.emails import _claim, email_queue, emails_deliver
from hub.models import OutgoingEmail
from livestreams.services.reminders import reminders_arm, reminders_send_due
from partyorgs.models import Invitation
from partyorgs.services import invitation_create
from tests.classes_helpers import members_of, schedule
from tests.support import free_port, start_celery_worker, wait_until

P = OutgoingEmail.State


class Boom(Exception):
    pass


def test_a_change_that_rolls_back_leaves_no_email(db, organizer, world):
    with pytest.raises(Boom), transaction.atomic():
        invitation_create(
            user=organizer, email="a@example.com", role_kind="member", organization=world.branch_a
        )
        assert OutgoingEmail.objects.count() == 1
        raise Boom
    assert not Invitation.objects.exists() and not OutgoingEmail.objects.exists()
    assert emails_deliver() == 0 and mail.outbox == []


def test_a_committed_change_has_its_email_waiting_until_sent_once(db, organizer, world):
    inv = invitation_create(
        user=organizer, email="a@example.com", role_kind="member", organization=world.branch_a
    )
    row = OutgoingEmail.objects.get()
    assert (row.to, row.template, row.state, row.attempts) == (
        "a@example.com",
        "emails/invitation",
        P.PENDING,
        0,
    )
    assert inv.token in row.text and inv.token in row.html
    assert emails_deliver() == 1
    assert emails_deliver() == 0  # sent once: a second sender finds nothing
    row.refresh_from_db()
    assert row.state == P.SENT and row.sent_at is not None and row.attempts == 1
    assert [m.to for m in mail.outbox] == [["a@example.com"]]
    assert mail.outbox[0].alternatives[0].mimetype == "text/html"


def test_the_email_is_in_the_recipients_language_not_the_senders(db, organizer, world):
    """An address without an account gets the site's language (zh-hans), whatever language the organizer's
    page was in (a user's own choice: tests/test_l14lang_emails.py)."""
    with translation.override("en"):
        invitation_create(
            user=organizer, email="a@example.com", role_kind="member", organization=world.branch_a
        )
    row = OutgoingEmail.objects.get()
    assert row.language == "zh-hans"
    assert "邀请" in row.subject and "Invitation" not in row.subject
    assert 'lang="zh-hans"' in row.html


def test_rows_another_sender_holds_are_not_sent_until_its_lease_runs_out(db, settings, organizer, world):
    invitation_create(user=organizer, email="a@example.com", role_kind="member", organization=world.branch_a)
    _token, rows = _claim(ids=None, limit=10, lease=timedelta(seconds=settings.HUB_EMAIL_LEASE_SECONDS))
    assert len(rows) == 1  # a sender claimed it and died before sending
    assert emails_deliver() == 0 and mail.outbox == []
    OutgoingEmail.objects.update(not_before=timezone.now())  # the lease ran out
    assert emails_deliver() == 1
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_is_retried_with_backoff_then_given_up(db, settings, organizer, world):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens there
    settings.HUB_EMAIL_MAX_ATTEMPTS = 3
    invitation_create(user=organizer, email="a@example.com", role_kind="member", organization=world.branch_a)
    backoffs = []
    for attempt in (1, 2, 3):
        start = timezone.now()
        assert emails_deliver() == 0
        row = OutgoingEmail.objects.get()
        assert row.attempts == attempt and "Connection" in row.last_error
        backoffs.append((row.not_before - start).total_seconds())
        assert emails_deliver() == 0  # not before its backoff
        OutgoingEmail.objects.update(not_before=timezone.now())
    assert row.state == P.FAILED
    assert backoffs[0] >= 59 and backoffs[1] >= 119
    assert emails_deliver() == 0 and OutgoingEmail.objects.get().attempts == 3  # given up: never tried again


def test_inactive_users_and_users_without_an_address_get_nothing(db):
    from tests import factories as f

    gone = f.UserFactory(email="gone@example.com", is_active=False)
    here = f.UserFactory(email="here@example.com")
    rows = email_queue(recipients=[gone, here], template="emails/session_reminder", context={"title": "t"})
    assert [r.to for r in rows] == ["here@example.com"]


# --- A real worker, a real SMTP server, kill -9 in the middle of a batch -----------------------------------


class SmtpRecorder:
    """A real SMTP server (aiosmtpd) that records whom it accepted mail for. When `kill_at` messages have been
    accepted, the next DATA kills the worker's process group with SIGKILL before answering, so the worker dies
    mid-batch and that message is never accepted."""

    def __init__(self):
        self.accepted: list[str] = []
        self.kill_at: int | None = None
        self.victim_pgid: int | None = None
        self.killed = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.kill_at is not None and len(self.accepted) >= self.kill_at and not self.killed.is_set():
            os.killpg(self.victim_pgid, signal.SIGKILL)
            self.killed.set()
            return "451 4.3.0 try again later"
        self.accepted.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture
def smtp():
    recorder = SmtpRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield recorder, controller.port
    controller.stop()


def test_a_worker_killed_mid_batch_loses_no_reminder_email(transactional_db, world, organizer, smtp):
    recorder, port = smtp
    audience = members_of(world.branch_a, 50)
    (pc,) = schedule(world, organizer)
    emails_deliver()  # the "new class" emails, sent here so that only the reminders go to the server
    env = {
        "HUB_TEST_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_EMAIL_HOST": "127.0.0.1",
        "DJANGO_EMAIL_PORT": str(port),
        "DJANGO_EMAIL_TIMEOUT": "2",
        "HUB_EMAIL_LEASE_SECONDS": "5",
    }
    first = start_celery_worker(name="mail1", **env)
    second = None
    try:
        recorder.kill_at, recorder.victim_pgid = 10, first.proc.pid  # its own session: pgid == pid
        due = pc.session.starts_at - timedelta(minutes=14)
        reminders_arm(now=due)
        reminders_send_due(now=due)  # commits the 15-minute reminders with their outbox rows
        assert OutgoingEmail.objects.filter(template="emails/session_reminder").count() == 50
        wait_until(recorder.killed.is_set, timeout=60, message="the worker to die mid-batch")
        first.proc.wait(timeout=10)
        assert len(recorder.accepted) == 10
        rows = OutgoingEmail.objects.filter(template="emails/session_reminder")
        assert rows.filter(state=P.SENT).count() == 10 and rows.filter(state=P.PENDING).count() == 40

        # A new worker; beat's sweep sends what the dead one held once its lease has run out.
        second = start_celery_worker(name="mail2", **env)
        from hub.tasks import email_sweep

        wait_until(
            lambda: not rows.filter(state=P.PENDING, not_before__gt=timezone.now()).exists(),
            timeout=30,
            message="the dead worker's lease to run out",
        )
        email_sweep.delay()
        wait_until(lambda: len(recorder.accepted) >= 50, timeout=60, message="all 50 emails")
        wait_until(lambda: rows.filter(state=P.SENT).count() == 50, timeout=10, message="all rows marked")
        counts = Counter(recorder.accepted)
        assert set(counts) == {m.user.email for m in audience}
        assert set(counts.values()) == {1}  # every reminder exactly once at the mail server
    finally:
        first.stop()
        if second is not None:
            second.stop()
