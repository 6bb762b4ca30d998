"""seed_demo's Party classes: a year of classes with attendance, one branch behind this quarter, recurring
classes ahead; a second run creates nothing.

The demo is seeded once for the tests of tests/demo/ (`seeded_demo`)."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from livestreams.models import Attendance, ClassSeries, LiveSession, PartyClass, PresenceInterval
from livestreams.selectors.classes import current_quarter
from livestreams.selectors.meetings import branch_ledger
from partyorgs.models import PartyOrganization
from tests.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def _counts():
    return (
        LiveSession.objects.count(),
        PartyClass.objects.count(),
        Attendance.objects.count(),
        PresenceInterval.objects.count(),
        ClassSeries.objects.count(),
    )


def test_the_demo_has_a_year_of_classes_a_branch_behind_and_classes_ahead_and_is_idempotent(seeded_demo):
    first = _counts()
    out = io.StringIO()
    call_command("seed_demo", "--password", DEMO_PASSWORD, stdout=out)
    assert _counts() == first
    assert "nothing new" in out.getvalue()

    ended = LiveSession.objects.filter(kind="party_class", status=LiveSession.Status.ENDED)
    oldest = ended.order_by("starts_at").first().starts_at
    assert (timezone.now() - oldest).days >= 330
    assert (
        Attendance.objects.filter(attended=True).exists()
        and Attendance.objects.filter(attended=False).exists()
    )
    assert Attendance.objects.filter(excused=True).exists()
    upcoming = LiveSession.objects.filter(kind="party_class", status=LiveSession.Status.SCHEDULED)
    assert upcoming.filter(party_class__series__frequency="weekly").count() >= 4
    assert upcoming.filter(party_class__series__frequency="monthly").count() >= 2

    branches = PartyOrganization.objects.filter(
        kind=PartyOrganization.Kind.BRANCH, members__isnull=False
    ).distinct()
    records = branch_ledger(
        branches=branches.order_by("path"), year=current_quarter()[0], quarter=current_quarter()[1]
    )
    flagged = {r.branch.name for r in records if r.flagged}
    assert "淮河路社区第一党支部" in flagged
    assert len([r for r in records if not r.flagged]) >= 4
    assert all(r.expected > 0 for r in records if not r.flagged)
