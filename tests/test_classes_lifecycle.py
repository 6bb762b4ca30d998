"""The lifecycle beat task driven through time with an explicit `now`: every kind of session goes live at its
start and ends at its end; drafts are never touched; a class's audience is told once that it started."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from hub.models import Notification
from livestreams.models import Attendance, LiveSession, PartyClass
from livestreams.realtime import LIVE_NOW_GROUP
from livestreams.services.lifecycle import sessions_advance
from livestreams.services.sessions import session_start
from tests import factories as f
from tests.classes_helpers import class_session, members_of

pytestmark = pytest.mark.django_db
S = LiveSession.Status


def _status(s):
    return LiveSession.objects.values_list("status", flat=True).get(pk=s.pk)


def test_a_class_goes_live_at_its_start_and_ends_at_its_end(world, member):
    s = class_session(world)
    assert sessions_advance(now=s.starts_at - timedelta(seconds=1)).started == []
    assert _status(s) == S.SCHEDULED
    done = sessions_advance(now=s.starts_at)
    assert done.started == [s.pk] and done.start_notified == [s.pk]
    assert _status(s) == S.LIVE
    assert sessions_advance(now=s.ends_at - timedelta(seconds=1)).ended == []
    done = sessions_advance(now=s.ends_at)
    assert done.ended == [s.pk] and done.attendance == [s.pk]
    s.refresh_from_db()
    assert s.status == S.ENDED and s.went_live_at == s.starts_at and s.ended_at == s.ends_at


def test_the_audience_is_told_once_that_the_class_started_with_the_link(world, member):
    s = class_session(world)
    sessions_advance(now=s.starts_at)
    sessions_advance(now=s.starts_at + timedelta(seconds=15))
    notes = Notification.objects.filter(user=member, kind="class_started")
    assert notes.count() == 1
    assert notes.get().url == f"/live/{s.pk}/"


def test_a_class_started_by_other_code_still_gets_its_start_notice_once(world, member):
    s = class_session(world)
    session_start(session_id=s.pk, now=s.starts_at - timedelta(minutes=2))  # e.g. the media server
    sessions_advance(now=s.starts_at - timedelta(minutes=1))
    sessions_advance(now=s.starts_at)
    assert Notification.objects.filter(user=member, kind="class_started").count() == 1


def test_drafts_are_never_touched(world):
    s = class_session(world, status=S.DRAFT)
    sessions_advance(now=s.starts_at)
    sessions_advance(now=s.ends_at + timedelta(hours=1))
    assert _status(s) == S.DRAFT


def test_cancelled_and_ended_sessions_stay_as_they_are(world):
    cancelled = class_session(world, status=S.CANCELLED)
    ended = class_session(world, status=S.ENDED)
    sessions_advance(now=cancelled.starts_at + timedelta(minutes=1))
    assert _status(cancelled) == S.CANCELLED and _status(ended) == S.ENDED


def test_sales_and_promotion_sessions_follow_the_same_clock(world):
    sales = f.SalesSessionFactory(enterprise=world.enterprise_a).session
    promo = f.LiveSessionFactory(
        kind=LiveSession.Kind.PROMOTION,
        host_organization=world.root_a,
        starts_at=sales.starts_at,
        ends_at=sales.ends_at,
    )
    sessions_advance(now=sales.starts_at)
    assert (_status(sales), _status(promo)) == (S.LIVE, S.LIVE)
    sessions_advance(now=sales.ends_at)
    assert (_status(sales), _status(promo)) == (S.ENDED, S.ENDED)


def test_a_sales_session_waiting_for_approval_stays_a_draft_until_approved(world):
    sales = f.SalesSessionFactory(enterprise=world.enterprise_a, session__status=S.DRAFT)
    s = sales.session
    sessions_advance(now=s.starts_at + timedelta(minutes=1))
    assert _status(s) == S.DRAFT
    LiveSession.objects.filter(pk=s.pk).update(status=S.SCHEDULED)  # approved by a manager
    sessions_advance(now=s.starts_at + timedelta(minutes=2))
    assert _status(s) == S.LIVE


def test_a_session_missed_entirely_during_an_outage_ends_without_going_live(world, member):
    s = class_session(world)
    done = sessions_advance(now=s.ends_at + timedelta(hours=2))
    assert done.started == [] and done.ended == [s.pk]
    assert _status(s) == S.ENDED
    assert not Notification.objects.filter(kind="class_started").exists()


def test_two_beat_runs_at_the_same_moment_change_each_session_once(world, member):
    s = class_session(world)
    first = sessions_advance(now=s.starts_at)
    second = sessions_advance(now=s.starts_at)
    assert first.started == [s.pk] and second.started == []


def test_attendance_is_computed_when_the_class_ends(world, member):
    s = class_session(world)
    members_of(world.branch_a, 2)
    f.PresenceFactory(session=s, user=member)
    sessions_advance(now=s.starts_at)
    sessions_advance(now=s.ends_at)
    rows = Attendance.objects.filter(session=s)
    assert rows.count() == 3
    assert rows.get(member__user=member).attended is True
    assert rows.filter(attended=False).count() == 2
    assert PartyClass.objects.get(pk=s.pk).attendance_computed_at == s.ends_at


def test_the_advance_runs_in_a_bounded_number_of_queries(world, member, django_assert_max_num_queries):
    for _i in range(3):
        class_session(world)
    later = timezone.now() + timedelta(days=1)
    with django_assert_max_num_queries(8):
        sessions_advance(now=later - timedelta(days=2))  # nothing to do: a handful of queries


@pytest.mark.django_db(transaction=True)
def test_going_live_is_pushed_to_the_home_pages_live_now_group(world):
    """session_start announces on commit through livestreams.realtime (the home page listens to live-now)."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(LIVE_NOW_GROUP, channel)
    try:
        s = class_session(world)
        sessions_advance(now=s.starts_at)
        message = async_to_sync(layer.receive)(channel)
        assert message["event"]["session_id"] == s.pk and message["event"]["status"] == S.LIVE
    finally:
        async_to_sync(layer.group_discard)(LIVE_NOW_GROUP, channel)
