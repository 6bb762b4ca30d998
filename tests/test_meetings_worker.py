"""The plan reminder on a real Celery worker: beat firing it twice (and two runs at once) reminds the organizers
of a branch short of its 三会一课 plan once per quarter, by notification and by email."""

from __future__ import annotations

import pytest

from hub.models import Notification, OutgoingEmail
from livestreams.models import MeetingPlanReminder
from livestreams.selectors.classes import current_quarter
from livestreams.tasks.meetings import meeting_plan_remind
from partyorgs.models import Role
from tests import factories as f
from tests.classes_helpers import members_of
from tests.support import start_celery_worker, wait_until

pytestmark = [pytest.mark.realtime, pytest.mark.django_db(transaction=True)]


def _succeeded(worker) -> int:
    return sum(
        1
        for line in worker.log.read_text().splitlines()
        if "meeting_plan_remind" in line and "succeeded" in line
    )


def test_beat_firing_the_reminder_three_times_reminds_each_branch_once(world, organizer):
    members_of(world.branch_a, 2)
    members_of(world.branch_b, 1, prefix="b")
    secretary = f.UserFactory(email="secretary@example.com", name="支部书记")
    Role.objects.create(user=secretary, kind=Role.Kind.ORGANIZER, organization=world.branch_a)
    # Any day is "before the quarter ends" for this worker, so the test does not depend on the date.
    worker = start_celery_worker(name="plans", concurrency=2, HUB_MEETING_REMINDER_DAYS="120")
    try:
        for _i in range(3):
            meeting_plan_remind.delay()
        wait_until(lambda: _succeeded(worker) == 3, timeout=90, message="three runs of the reminder")
    finally:
        worker.stop()
    year, quarter = current_quarter()
    reminded = set(
        MeetingPlanReminder.objects.filter(year=year, quarter=quarter).values_list(
            "organization_id", flat=True
        )
    )
    assert reminded == {world.branch_a.pk, world.branch_b.pk}  # branch_a2 has no members: nobody to meet
    told = Notification.objects.filter(kind="meeting_plan_behind")
    by_user = sorted((n.user.email, n.title) for n in told)
    assert [email for email, _t in by_user] == ["organizer@example.com", "secretary@example.com"]
    assert all("孵化器联合党支部" in title for _e, title in by_user)
    assert OutgoingEmail.objects.filter(template="emails/meeting_plan_behind").count() == 2
