"""seed_demo's meeting records: minutes for the branches' meetings, monthly offline 支委会 with attendance,
the 90-second 党小组会 nobody attended (listed, not counted, with its reasons), plans and rules; idempotent."""

import io

import pytest
from django.core.management import call_command

from livestreams.models import MeetingAttendee, MeetingPlan, MeetingRecord, MeetingRule
from livestreams.selectors.classes import current_quarter
from livestreams.selectors.meetings import branch_ledger
from partyorgs.models import PartyOrganization
from tests.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def _counts():
    return (
        MeetingRecord.objects.count(),
        MeetingAttendee.objects.count(),
        MeetingPlan.objects.count(),
        MeetingRule.objects.count(),
    )


def test_the_demo_has_meeting_records_plans_and_the_empty_meeting_and_is_idempotent(seeded_demo):
    first = _counts()
    call_command("seed_demo", "--password", DEMO_PASSWORD, stdout=io.StringIO())
    assert _counts() == first
    assert MeetingRecord.objects.filter(session__isnull=True, kind="committee_meeting").exists()
    assert MeetingRecord.objects.filter(session__isnull=False).exclude(minutes="").exists()
    assert MeetingPlan.objects.filter(organization__name="白鲸·孵化器联合党支部").count() == 5
    assert MeetingRule.objects.filter(region__name="淮河路街道").exists()

    branches = PartyOrganization.objects.filter(kind=PartyOrganization.Kind.BRANCH, members__isnull=False)
    year, quarter = current_quarter()
    records = branch_ledger(branches=branches.distinct().order_by("path"), year=year, quarter=quarter)
    assert all(r.classes_held == sum(r.meeting_counts) for r in records)
    assert sum(r.classes_held for r in records) > 0
    tower = next(r for r in records if r.branch.name == "网红大厦非公企业联合党支部")
    empty = [m for m in tower.meetings if m.kind == "group_meeting"]
    assert len(empty) == 1 and not empty[0].counted
    assert "无人出席。" in empty[0].reasons and empty[0].reasons[0].startswith("时长 1 分 30 秒")
    assert tower.counts.get("group_meeting", 0) == 0
