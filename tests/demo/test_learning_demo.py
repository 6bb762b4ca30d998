"""seed_demo's learning side (issue 15): approved leave requests behind the excuses, classes made up by
replay, and members' learning records that show both."""

import pytest
from django.utils import timezone

from livestreams.models import Attendance, LeaveRequest, ReplayWatch
from livestreams.selectors.classes import quarter_bounds
from livestreams.selectors.learning import records_for
from partyorgs.models import PartyMember

pytestmark = pytest.mark.django_db


def test_the_demo_has_leave_and_make_up_that_the_records_show(seeded_demo):
    approved = LeaveRequest.objects.filter(state=LeaveRequest.State.APPROVED)
    assert approved.exists()
    leave = approved.first()
    assert Attendance.objects.get(session=leave.session, member=leave.member).excused
    made_up = ReplayWatch.objects.filter(made_up_at__isnull=False)
    assert made_up.exists()
    watch = made_up.first()
    member = PartyMember.objects.select_related("branch").get(user_id=watch.user_id)
    assert not Attendance.objects.filter(session=watch.session, member=member, attended=True).exists()
    year = timezone.localtime(watch.session.starts_at).year
    start, end = quarter_bounds(year, 1)[0], quarter_bounds(year, 4)[1]
    record = records_for([member], start, end)[member.pk]
    assert watch.session_id in {r.session.pk for r in record.rows if r.outcome == "made_up"}
