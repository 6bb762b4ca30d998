"""Scheduling, editing and cancelling classes: occurrences, notices to the audience, reminders armed."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from hub.emails import emails_deliver
from hub.models import Notification
from livestreams.models import ClassSeries, LiveSession, PartyClass, Reminder, SessionAudience
from livestreams.services.classes import (
    Recurrence,
    party_class_cancel,
    party_class_update,
)
from tests import factories as f
from tests.classes_helpers import details, image_upload, members_of, schedule, soon

pytestmark = pytest.mark.django_db
S = LiveSession.Status


def test_it_schedules_a_class_notifies_the_audience_and_arms_its_reminders(world, organizer, member):
    others = members_of(world.branch_a, 2)
    outsider_member = members_of(world.branch_b, 1)[0]
    (pc,) = schedule(world, organizer, title="七一主题党日")
    s = pc.session
    assert s.status == S.SCHEDULED and s.kind == LiveSession.Kind.PARTY_CLASS
    assert s.region == world.sub_a and s.created_by == organizer
    assert list(SessionAudience.objects.filter(session=s).values_list("organization", "include_subtree")) == [
        (world.branch_a.pk, True)
    ]
    notified = set(Notification.objects.filter(kind="class_scheduled").values_list("user_id", flat=True))
    assert notified == {member.pk, *(m.user_id for m in others)}
    assert outsider_member.user_id not in notified
    assert Reminder.objects.filter(session=s).count() == 3 * 2  # three members × (24 h, 15 min)
    assert set(Reminder.objects.filter(session=s).values_list("state", flat=True)) == {Reminder.State.PENDING}


def test_it_refuses_an_organization_outside_the_organizers_subtree(world, organizer):
    with pytest.raises(PermissionDenied):
        schedule(world, organizer, audience_orgs=[world.branch_b])
    assert not LiveSession.objects.exists()


def test_it_refuses_two_lecturers(world, organizer):
    with pytest.raises(ValidationError):
        schedule(
            world,
            organizer,
            lecturer_member=f.MemberFactory(branch=world.branch_a),
            lecturer_expert=f.ExpertFactory(),
        )


def test_a_weekly_class_creates_each_occurrence_in_one_series(world, organizer, member):
    start = soon(24 * 3)
    # The last day is a day in Shanghai, as the organizer picks it.
    until = timezone.localdate(start + timedelta(days=14))
    created = schedule(
        world, organizer, starts_at=start, recurrence=Recurrence(frequency="weekly", until=until)
    )
    assert len(created) == 3
    assert [pc.session.starts_at for pc in created] == [start + timedelta(days=7 * i) for i in range(3)]
    assert ClassSeries.objects.get().classes.count() == 3
    # One notice for the whole series, not one per occurrence.
    assert Notification.objects.filter(user=member, kind="class_scheduled").count() == 1


def test_the_cover_is_stored_once_for_every_occurrence(world, organizer):
    from livestreams.services.classes import cover_image_process

    cover = cover_image_process(image_upload())
    created = schedule(
        world,
        organizer,
        cover=cover,
        recurrence=Recurrence(frequency="weekly", until=date.today() + timedelta(days=20)),
    )
    names = {pc.session.cover.name for pc in created}
    assert len(names) == 1 and names.pop().startswith("covers/")
    assert created[0].session.cover.storage.exists(created[0].session.cover.name)


def test_moving_a_class_re_arms_its_reminders_and_tells_the_audience(world, organizer, member):
    (pc,) = schedule(world, organizer)
    new_start = pc.session.starts_at + timedelta(days=2)
    party_class_update(
        user=organizer,
        party_class=pc,
        details=details(world, starts_at=new_start, ends_at=new_start + timedelta(hours=1)),
    )
    due = dict(
        Reminder.objects.filter(session=pc.session, user=member).values_list("offset_minutes", "due_at")
    )
    assert due == {1440: new_start - timedelta(days=1), 15: new_start - timedelta(minutes=15)}
    assert Notification.objects.filter(user=member, kind="class_moved").count() == 1


def test_an_edit_that_keeps_the_time_is_an_update_notice(world, organizer, member):
    (pc,) = schedule(world, organizer)
    s = pc.session
    party_class_update(
        user=organizer,
        party_class=pc,
        details=details(world, starts_at=s.starts_at, ends_at=s.ends_at, title="新标题"),
    )
    pc.session.refresh_from_db()
    assert pc.session.title == "新标题"
    assert Notification.objects.filter(user=member, kind="class_updated").count() == 1


def test_members_removed_from_the_audience_are_told_and_lose_their_reminders(world, organizer, member):
    (pc,) = schedule(world, organizer)
    s = pc.session
    party_class_update(
        user=organizer,
        party_class=pc,
        details=details(world, starts_at=s.starts_at, ends_at=s.ends_at, audience_orgs=[world.branch_a2]),
    )
    assert Notification.objects.filter(user=member, kind="class_updated").exists()
    assert set(Reminder.objects.filter(session=s, user=member).values_list("state", flat=True)) == {
        Reminder.State.CANCELLED
    }


def test_a_class_that_has_started_cannot_be_edited(world, organizer):
    (pc,) = schedule(world, organizer)
    LiveSession.objects.filter(pk=pc.pk).update(status=S.LIVE)
    with pytest.raises(ValidationError):
        party_class_update(user=organizer, party_class=pc, details=details(world))


def test_cancelling_notifies_the_audience_and_cancels_the_reminders(world, organizer, member):
    (pc,) = schedule(world, organizer)
    assert party_class_cancel(user=organizer, party_class=pc, reason="场地检修") == 1
    pc.refresh_from_db()
    assert pc.session.status == S.CANCELLED and pc.cancel_reason == "场地检修"
    n = Notification.objects.get(user=member, kind="class_cancelled")
    assert "场地检修" in n.body
    assert set(Reminder.objects.filter(session=pc.session).values_list("state", flat=True)) == {
        Reminder.State.CANCELLED
    }


def test_cancelling_twice_changes_nothing_the_second_time(world, organizer, member):
    (pc,) = schedule(world, organizer)
    party_class_cancel(user=organizer, party_class=pc)
    assert party_class_cancel(user=organizer, party_class=pc) == 0
    assert Notification.objects.filter(user=member, kind="class_cancelled").count() == 1


def test_cancelling_the_following_occurrences_of_a_series(world, organizer):
    start = soon(24 * 3)
    created = schedule(
        world,
        organizer,
        starts_at=start,
        recurrence=Recurrence(frequency="weekly", until=timezone.localdate(start + timedelta(days=21))),
    )
    assert len(created) == 4
    assert party_class_cancel(user=organizer, party_class=created[1], following=True) == 3
    statuses = [LiveSession.objects.get(pk=pc.pk).status for pc in created]
    assert statuses == [S.SCHEDULED, S.CANCELLED, S.CANCELLED, S.CANCELLED]


def test_the_change_email_goes_to_each_notified_person(world, organizer, member):
    others = members_of(world.branch_a, 2)
    (pc,) = schedule(world, organizer, title="党史学习")
    emails_deliver()  # the "new class" email
    mail.outbox.clear()
    new_start = pc.session.starts_at + timedelta(hours=1)
    party_class_update(
        user=organizer,
        party_class=pc,
        details=details(world, title="党史学习", starts_at=new_start, ends_at=new_start + timedelta(hours=1)),
    )
    told = set(Notification.objects.filter(kind="class_moved").values_list("user__email", flat=True))
    assert told == {member.email, *(m.user.email for m in others)}
    assert emails_deliver() == len(told)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(told)
    assert "党史学习" in mail.outbox[0].subject
    assert f"/classes/{pc.pk}/" in mail.outbox[0].body


def test_class_kinds_cover_the_three_meetings_and_one_class():
    kinds = set(PartyClass.ClassKind.values)
    assert {"general_meeting", "committee_meeting", "group_meeting", "party_lecture"} <= kinds


def test_organizers_are_told_once_in_the_last_month_of_a_quarter_about_branches_behind(world, organizer):
    from livestreams.services.classes import branches_behind_notify

    f.MemberFactory(branch=world.branch_a)
    assert branches_behind_notify(today=date(2026, 11, 1)) == 0  # not the last month of the quarter
    assert branches_behind_notify(today=date(2026, 12, 1)) == 1
    assert branches_behind_notify(today=date(2026, 12, 15)) == 0  # already told this quarter
    n = Notification.objects.get(user=organizer, kind="branches_behind")
    assert "孵化器联合党支部" in n.body and "quarter=4" in n.url


def test_an_organizer_whose_branches_are_all_up_to_date_is_not_told(world, other_organizer):
    from livestreams.services.classes import branches_behind_notify

    assert branches_behind_notify(today=date(2026, 12, 1)) == 0
    assert not Notification.objects.filter(kind="branches_behind").exists()
