"""Class emails in each member's language through the real outbox path (issue 14, l14lang): the class is
scheduled and its reminder falls due in this process, a real Celery worker sends the outbox rows to a real
SMTP server (aiosmtpd), and what that server received is read back."""

from __future__ import annotations

import email
import email.policy
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from hub.models import OutgoingEmail
from hub.services import user_language_set
from livestreams.services.reminders import reminders_arm, reminders_send_due
from tests import factories as f
from tests.classes_helpers import schedule
from tests.support import free_port, start_celery_worker, wait_until


class Inbox:
    """A real SMTP server's handler that keeps every message it accepts, parsed."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def subject_of(message) -> str:
    return " ".join(str(message["Subject"]).split())  # unfolded


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def test_class_emails_reach_each_member_in_the_language_they_chose(transactional_db, world, organizer, inbox):
    handler, port = inbox
    en = f.MemberFactory(user=f.UserFactory(email="en@example.com"), branch=world.branch_a).user
    zh = f.MemberFactory(user=f.UserFactory(email="zh@example.com"), branch=world.branch_a).user
    user_language_set(user=en, language="en")
    user_language_set(user=zh, language="zh-hans")
    worker = start_celery_worker(
        name="l14lang-mail",
        HUB_TEST_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        DJANGO_EMAIL_HOST="127.0.0.1",
        DJANGO_EMAIL_PORT=str(port),
        DJANGO_EMAIL_TIMEOUT="5",
    )
    try:
        (pc,) = schedule(world, organizer, title="学习二十大精神")  # the "new class" notice, by email too
        due = pc.session.starts_at - timedelta(minutes=14)
        reminders_arm(now=due)
        reminders_send_due(now=due)  # the 15-minute reminder, committed with its outbox rows
        wait_until(
            lambda: len(handler.to("en@example.com")) >= 2 and len(handler.to("zh@example.com")) >= 2,
            timeout=60,
            message="both emails to both members",
        )
    finally:
        worker.stop()

    rows = OutgoingEmail.objects.filter(to__in=["en@example.com", "zh@example.com"])
    assert {(r.to, r.template, r.language, r.state) for r in rows} == {
        ("en@example.com", "emails/class_change", "en", "sent"),
        ("en@example.com", "emails/session_reminder", "en", "sent"),
        ("zh@example.com", "emails/class_change", "zh-hans", "sent"),
        ("zh@example.com", "emails/session_reminder", "zh-hans", "sent"),
    }
    english = {subject_of(m): m for m in handler.to("en@example.com")}
    chinese = {subject_of(m): m for m in handler.to("zh@example.com")}
    assert sorted(english) == [
        "New class: 学习二十大精神",
        "Reminder: the class “学习二十大精神” starts at " + _when(pc),
    ]
    assert sorted(chinese) == [
        "提醒：课程《学习二十大精神》将于 " + _when(pc) + " 开始",
        "新课程：学习二十大精神",
    ]
    reminder_en = english["Reminder: the class “学习二十大精神” starts at " + _when(pc)]
    assert "It starts in" in text_of(reminder_en) and "Open the live room:" in text_of(reminder_en)
    assert "距开始还有" not in text_of(reminder_en) and 'lang="en"' in html_of(reminder_en)
    reminder_zh = chinese["提醒：课程《学习二十大精神》将于 " + _when(pc) + " 开始"]
    assert "距开始还有" in text_of(reminder_zh) and "进入直播间：" in text_of(reminder_zh)
    assert "Open the live room" not in text_of(reminder_zh) and 'lang="zh-hans"' in html_of(reminder_zh)


def _when(pc) -> str:
    from django.utils import timezone
    from django.utils.dateformat import format as date_format

    return date_format(timezone.localtime(pc.session.starts_at), "Y-m-d H:i")
