"""Reminder rows: armed from the sessions' state, sent once, re-armed on a move, none for a cancelled
session, dropped after an outage; sales sessions remind their hosts without the sales code calling anything."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from hub.emails import emails_deliver
from hub.models import Notification
from livestreams.models import LiveSession, Reminder
from livestreams.services.reminders import reminders_arm, reminders_send_due
from partyorgs.models import Role
from tests import factories as f
from tests.classes_helpers import class_session, members_of, schedule

pytestmark = pytest.mark.django_db
S = LiveSession.Status
R = Reminder.State


def _states(session):
    return dict(Reminder.objects.filter(session=session).values_list("offset_minutes", "state"))


def test_the_24_hour_reminder_goes_out_once_when_due(world, organizer, member):
    (pc,) = schedule(world, organizer)
    start = pc.session.starts_at
    assert reminders_send_due(now=start - timedelta(hours=25)) == 0
    at = start - timedelta(hours=24) + timedelta(seconds=5)
    assert reminders_send_due(now=at) == 1
    assert reminders_send_due(now=at) == 0  # a second beat run finds nothing to send
    n = Notification.objects.get(user=member, kind="session_reminder")
    assert pc.session.title in n.title
    assert n.url == f"/live/{pc.pk}/"
    assert _states(pc.session) == {1440: R.SENT, 15: R.PENDING}
    assert len(mail.outbox) == 0  # email goes after the commit, from the outbox (below)


def test_the_email_is_sent_from_the_outbox(world, organizer, member):
    (pc,) = schedule(world, organizer)
    emails_deliver()  # the "new class" email
    mail.outbox.clear()
    reminders_send_due(now=pc.session.starts_at - timedelta(minutes=14))
    assert emails_deliver() == 1
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert pc.session.title in mail.outbox[0].subject
    assert f"/live/{pc.pk}/" in mail.outbox[0].body


def test_every_audience_member_gets_each_offset_exactly_once(world, organizer, member):
    others = members_of(world.branch_a, 3)
    (pc,) = schedule(world, organizer)
    start = pc.session.starts_at
    for minutes_before in (24 * 60, 24 * 60 - 1, 15, 14, 1):
        reminders_arm(now=start - timedelta(minutes=minutes_before))
        reminders_send_due(now=start - timedelta(minutes=minutes_before), batch_size=2)
    counts = Notification.objects.filter(kind="session_reminder").values_list("user_id", flat=True)
    assert sorted(counts) == sorted([member.pk, *(m.user_id for m in others)] * 2)


def test_a_cancelled_class_sends_no_reminder(world, organizer, member):
    from livestreams.services.classes import party_class_cancel

    (pc,) = schedule(world, organizer)
    party_class_cancel(user=organizer, party_class=pc)
    reminders_arm(now=pc.session.starts_at - timedelta(minutes=10))
    assert reminders_send_due(now=pc.session.starts_at - timedelta(minutes=10)) == 0
    assert not Notification.objects.filter(kind="session_reminder").exists()


def test_a_class_cancelled_by_other_code_is_settled_without_sending(world, member):
    """session_cancel called directly (not through the class service): the sender still sends nothing."""
    from livestreams.services.sessions import session_cancel

    s = class_session(world)
    reminders_arm(now=s.starts_at - timedelta(hours=2))
    assert _states(s)[15] == R.PENDING
    session_cancel(session_id=s.pk)
    reminders_send_due(now=s.starts_at - timedelta(minutes=10))
    assert _states(s)[15] == R.CANCELLED
    assert not Notification.objects.filter(kind="session_reminder").exists()


def test_after_an_outage_reminders_past_their_class_are_dropped_not_sent(world, organizer, member):
    (pc,) = schedule(world, organizer)
    after_start = pc.session.starts_at + timedelta(minutes=5)
    reminders_send_due(now=after_start)
    assert _states(pc.session) == {1440: R.DROPPED, 15: R.DROPPED}
    assert not Notification.objects.filter(kind="session_reminder").exists()


def test_after_an_outage_only_the_nearest_due_reminder_goes_out(world, organizer, member):
    (pc,) = schedule(world, organizer)
    reminders_send_due(now=pc.session.starts_at - timedelta(minutes=10))
    assert _states(pc.session) == {1440: R.DROPPED, 15: R.SENT}
    assert Notification.objects.filter(kind="session_reminder").count() == 1


def test_moving_a_class_later_re_arms_a_reminder_already_sent(world, organizer, member):
    from livestreams.services.classes import party_class_update
    from tests.classes_helpers import details

    (pc,) = schedule(world, organizer)
    start = pc.session.starts_at
    reminders_send_due(now=start - timedelta(hours=23))
    assert _states(pc.session)[1440] == R.SENT
    new_start = start + timedelta(days=3)
    party_class_update(
        user=organizer,
        party_class=pc,
        details=details(world, starts_at=new_start, ends_at=new_start + timedelta(hours=1)),
    )
    assert _states(pc.session) == {1440: R.PENDING, 15: R.PENDING}
    reminders_send_due(now=new_start - timedelta(hours=23))
    assert Notification.objects.filter(user=member, kind="session_reminder").count() == 2


def test_a_move_by_other_code_is_noticed_by_the_beat_tasks(world, member):
    s = class_session(world, starts_at=timezone.now() + timedelta(hours=30))
    reminders_arm(now=timezone.now())
    new_start = s.starts_at + timedelta(days=10)
    LiveSession.objects.filter(pk=s.pk).update(starts_at=new_start, ends_at=new_start + timedelta(hours=1))
    reminders_arm(now=timezone.now())  # the moved session is outside the horizon now, but still re-armed
    due = dict(Reminder.objects.filter(session=s).values_list("offset_minutes", "due_at"))
    assert due == {1440: new_start - timedelta(days=1), 15: new_start - timedelta(minutes=15)}


def test_a_class_scheduled_at_short_notice_gets_only_its_nearest_reminder(world, organizer, member):
    (pc,) = schedule(world, organizer, starts_at=timezone.now() + timedelta(minutes=10))
    assert _states(pc.session) == {1440: R.DROPPED, 15: R.PENDING}
    reminders_send_due(now=timezone.now())
    assert Notification.objects.filter(user=member, kind="session_reminder").count() == 1


def test_members_who_join_the_audience_later_are_armed_by_the_next_run(world, organizer, member):
    (pc,) = schedule(world, organizer)
    newcomer = members_of(world.branch_a, 1, prefix="new")[0]
    reminders_arm(now=pc.session.starts_at - timedelta(hours=30))
    assert Reminder.objects.filter(session=pc.session, user_id=newcomer.user_id).count() == 2


def test_a_class_with_no_reminders_chosen_gets_none(world, organizer, member):
    (pc,) = schedule(world, organizer, reminder_offsets=[])
    reminders_arm(now=pc.session.starts_at - timedelta(hours=2))
    assert not Reminder.objects.filter(session=pc.session).exists()


def test_a_class_can_choose_its_own_offsets(world, organizer, member):
    (pc,) = schedule(world, organizer, reminder_offsets=[60, 5])
    assert set(_states(pc.session)) == {60, 5}


# --- Every kind of session ---------------------------------------------------------------------


def _sales_session(world, *, status):
    host = f.UserFactory(email="host@example.com")
    merchant = f.UserFactory(email="merchant2@example.com")
    Role.objects.create(user=merchant, kind=Role.Kind.MERCHANT, enterprise=world.enterprise_a)
    sales = f.SalesSessionFactory(
        enterprise=world.enterprise_a,
        session__status=status,
        session__starts_at=timezone.now() + timedelta(hours=30),
    )
    sales.session.hosts.add(host)
    return sales, host, merchant


def test_a_scheduled_sales_session_reminds_its_hosts_and_the_enterprises_merchants(world, merchant, member):
    sales, host, merchant2 = _sales_session(world, status=S.SCHEDULED)
    s = sales.session
    reminders_arm(now=timezone.now())
    users = set(Reminder.objects.filter(session=s).values_list("user_id", flat=True))
    assert users == {host.pk, merchant.pk, merchant2.pk}
    reminders_send_due(now=s.starts_at - timedelta(minutes=15))
    got = set(Notification.objects.filter(kind="session_reminder").values_list("user_id", flat=True))
    assert got == {host.pk, merchant.pk, merchant2.pk}
    assert member.pk not in got


def test_a_draft_sales_session_gets_no_reminder_until_it_is_approved(world, merchant):
    sales, host, _m = _sales_session(world, status=S.DRAFT)
    s = sales.session
    reminders_arm(now=timezone.now())
    assert not Reminder.objects.filter(session=s).exists()
    # What the sales area does on approval; nothing else is called.
    sales.approval = "approved"
    sales.save()
    LiveSession.objects.filter(pk=s.pk).update(status=S.SCHEDULED)
    reminders_arm(now=timezone.now())
    assert Reminder.objects.filter(session=s, user=host).count() == 2


def test_a_sales_session_sent_back_to_draft_stops_its_reminders_and_gets_them_back_when_scheduled(
    world, merchant
):
    sales, host, _m = _sales_session(world, status=S.SCHEDULED)
    s = sales.session
    reminders_arm(now=timezone.now())
    LiveSession.objects.filter(pk=s.pk).update(status=S.DRAFT)
    reminders_arm(now=timezone.now())
    assert set(Reminder.objects.filter(session=s).values_list("state", flat=True)) == {R.CANCELLED}
    LiveSession.objects.filter(pk=s.pk).update(status=S.SCHEDULED)
    reminders_arm(now=timezone.now())
    assert set(Reminder.objects.filter(session=s).values_list("state", flat=True)) == {R.PENDING}


def test_a_session_starting_beyond_the_horizon_is_not_armed_yet(world, member):
    s = class_session(world, starts_at=timezone.now() + timedelta(days=30))
    reminders_arm(now=timezone.now())
    assert not Reminder.objects.filter(session=s).exists()
    reminders_arm(now=s.starts_at - timedelta(days=2))
    assert Reminder.objects.filter(session=s).count() == 2


def test_arming_runs_in_a_bounded_number_of_queries(world, member, django_assert_max_num_queries):
    for _i in range(5):
        class_session(world, starts_at=timezone.now() + timedelta(hours=30))
    reminders_arm(now=timezone.now())
    with django_assert_max_num_queries(5 * 8 + 6):
        reminders_arm(now=timezone.now())


def test_sending_a_batch_runs_in_a_bounded_number_of_queries(
    world, organizer, member, django_assert_max_num_queries
):
    members_of(world.branch_a, 20)
    (pc,) = schedule(world, organizer)
    with django_assert_max_num_queries(14):
        assert reminders_send_due(now=pc.session.starts_at - timedelta(minutes=10), batch_size=100) == 42
