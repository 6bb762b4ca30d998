"""Celery tallies the sessions that ended, so that the dashboards add up one row per session; the
figures are the same before and after, and late corrections of attendance are counted again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.dashboards.models import BranchAttendanceTally, SessionTally
from hub.dashboards.services import TALLY_DELAY, attendance_recount, dashboards_invalidate, tallies_refresh
from livestreams.models import Attendance, LiveSession
from tests import factories as f
from tests.dashboard_fixtures import PERIOD, AttendanceFactory, build_district, held
from tests.support import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(world):
    return build_district(world)


def figures(official, chart):
    dashboards_invalidate()
    c = client_for(official)
    return c.get(f"/dashboard/data/{chart}.json", PERIOD).json()["data"]


def test_it_tallies_each_ended_session_once(district):
    ended = LiveSession.objects.filter(status="ended").count()
    assert tallies_refresh() == ended
    assert tallies_refresh() == 0
    assert SessionTally.objects.count() == ended
    assert SessionTally.objects.get(session=district.promotion).viewers == 2
    assert SessionTally.objects.get(session=district.s1).viewers == 0  # on Douyin: reported, not counted
    tally = BranchAttendanceTally.objects.get(session=district.p1, branch=district.world.branch_a)
    assert (tally.records, tally.attended, tally.excused) == (3, 1, 1)


def test_it_waits_until_a_session_has_been_over_for_a_few_minutes(world):
    now = timezone.now()
    just_ended = f.LiveSessionFactory(host_organization=world.root_a, **held(now - timedelta(hours=1), 0.99))
    assert tallies_refresh(now=now) == 0
    assert tallies_refresh(now=just_ended.ended_at + TALLY_DELAY + timedelta(seconds=1)) == 1


def test_it_tallies_a_backlog_in_batches(district):
    ended = LiveSession.objects.filter(status="ended").count()
    assert tallies_refresh(batch=4) == 4
    assert tallies_refresh(batch=4) == 4
    assert tallies_refresh(batch=100) == ended - 8


def test_the_figures_are_the_same_while_only_some_sessions_are_tallied(official, district):
    before = {c: figures(official, c) for c in ["kpis", "attendance-by-branch"]}
    tallies_refresh(batch=5)
    assert 0 < SessionTally.objects.count() < LiveSession.objects.filter(status="ended").count()
    assert {c: figures(official, c) for c in before} == before


def test_it_counts_an_excuse_recorded_after_the_class_again(official, district):
    tallies_refresh()
    m2 = district.members_a[1]
    Attendance.objects.filter(session=district.p1, member=m2).update(excused=True)
    # p1 ended in 2024, long before the recount window: the classes work asks for the recount.
    assert figures(official, "attendance-by-branch")["rows"][0]["rate"] == 60.0
    attendance_recount(session_id=district.p1.pk)
    row = figures(official, "attendance-by-branch")["rows"][0]
    assert (row["branch"], row["expected"], row["attended"], row["rate"]) == ("孵化器联合党支部", 4, 3, 75.0)


def test_it_recounts_the_attendance_of_recent_classes_by_itself(official, world):
    member = f.MemberFactory(branch=world.branch_a)
    now = timezone.now()
    session = f.LiveSessionFactory(
        host_organization=world.branch_a, kind="party_class", **held(now - timedelta(days=3), 1)
    )
    AttendanceFactory(session=session, member=member, attended=False)
    tallies_refresh()
    assert BranchAttendanceTally.objects.get(session=session).excused == 0
    Attendance.objects.filter(session=session).update(excused=True)
    tallies_refresh()
    assert BranchAttendanceTally.objects.get(session=session).excused == 1


def test_a_recount_of_a_class_not_tallied_yet_leaves_it_to_the_tally(official, district):
    before = figures(official, "attendance-by-branch")
    attendance_recount(session_id=district.p1.pk)
    assert not BranchAttendanceTally.objects.exists()
    assert figures(official, "attendance-by-branch") == before
