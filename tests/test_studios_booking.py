"""Booking a studio: conflicts with the changeover gap, opening hours, the loser's next free slots, release."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from django.utils.translation import override

from livestreams.models import StudioBooking
from livestreams.services.studios import (
    StudioConflict,
    hold_deadline,
    studio_book,
    studio_booking_cancel,
    studio_booking_release,
    studio_update,
)
from tests.sales_helpers import local

pytest_plugins = ["tests.sales_fixtures"]
pytestmark = pytest.mark.django_db


def book(studio, world, start, end, **kw):
    return studio_book(studio=studio, enterprise=world.enterprise_a, starts_at=start, ends_at=end, **kw)


def test_it_books_a_free_slot_and_holds_it_until_the_deadline(world, studio):
    now = timezone.now()
    b = book(studio, world, local(3, 10), local(3, 12), now=now)
    assert b.state == StudioBooking.State.HELD
    assert b.blocked_until == local(3, 12, 30)
    assert b.hold_expires_at == hold_deadline(created=now, starts_at=local(3, 10))
    assert b.hold_expires_at <= now + timedelta(hours=48)


@override_settings(HUB_STUDIO_HOLD_HOURS=48, HUB_STUDIO_APPROVAL_LEAD_HOURS=2)
def test_the_hold_ends_two_hours_before_a_session_that_starts_soon(world, studio):
    now = local(1, 8)
    b = book(studio, world, local(1, 12), local(1, 14), now=now)
    assert b.hold_expires_at == local(1, 10)


def test_it_refuses_a_booking_that_overlaps(world, studio):
    first = book(studio, world, local(3, 10), local(3, 12))
    with pytest.raises(StudioConflict) as caught:
        book(studio, world, local(3, 11), local(3, 13))
    assert caught.value.blocking == [first]
    assert StudioBooking.objects.count() == 1


def test_the_conflict_names_the_booking_in_the_way_in_chinese(world, studio):
    book(studio, world, local(3, 10), local(3, 12))
    with override("zh-hans"), pytest.raises(StudioConflict) as caught:
        book(studio, world, local(3, 11), local(3, 13))
    message = caught.value.describe()
    day = local(3, 10).strftime("%Y-%m-%d")
    assert f"{day} 10:00" in message and "12:00" in message and "12:30" in message
    assert "已被预订" in message


def test_it_keeps_the_changeover_gap_after_a_booking(world, studio):
    book(studio, world, local(3, 10), local(3, 12))
    with pytest.raises(StudioConflict):
        book(studio, world, local(3, 12, 10), local(3, 14))
    assert book(studio, world, local(3, 12, 30), local(3, 14)).pk


def test_it_keeps_the_changeover_gap_before_a_booking(world, studio):
    book(studio, world, local(3, 14), local(3, 16))
    with pytest.raises(StudioConflict):
        book(studio, world, local(3, 12), local(3, 13, 45))
    assert book(studio, world, local(3, 12), local(3, 13, 30)).pk


def test_a_new_gap_applies_to_new_bookings_only(world, studio):
    first = book(studio, world, local(3, 10), local(3, 12))
    studio_update(studio=studio, changeover_minutes=60)
    first.refresh_from_db()
    assert first.blocked_until == local(3, 12, 30)
    second = book(studio, world, local(3, 12, 30), local(3, 14))
    assert second.blocked_until == local(3, 15)


def test_other_studios_are_independent(world, studio):
    from tests.factories import StudioFactory

    book(studio, world, local(3, 10), local(3, 12))
    studio_two = StudioFactory(
        building=world.building_a, name="二号直播间", opens_at=studio.opens_at, closes_at=studio.closes_at
    )
    assert book(studio_two, world, local(3, 10), local(3, 12)).pk


@pytest.mark.parametrize(
    "start, end, fragment",
    [
        ((3, 7, 30), (3, 9), "08:00"),  # opens at 08:00
        ((3, 21), (3, 22, 30), "22:00"),  # closes at 22:00
        ((3, 21), (4, 1), "同一天"),  # across midnight
        ((3, 10), (3, 10, 20), "30"),  # shorter than 30 minutes
        ((3, 12), (3, 10), "结束时间"),  # ends before it starts
        ((-1, 10), (-1, 12), "过去"),  # in the past
    ],
)
def test_it_refuses_a_slot_outside_the_rules_with_a_chinese_message(world, studio, start, end, fragment):
    with override("zh-hans"), pytest.raises(ValidationError) as caught:
        book(studio, world, local(*start), local(*end))
    assert not isinstance(caught.value, StudioConflict)
    assert any(fragment in m for m in caught.value.messages), caught.value.messages
    assert StudioBooking.objects.count() == 0


def test_it_refuses_a_held_booking_too_close_to_its_start(world, studio, settings):
    settings.HUB_STUDIO_APPROVAL_LEAD_HOURS = 2
    now = local(1, 9)
    with override("zh-hans"), pytest.raises(ValidationError) as caught:
        book(studio, world, local(1, 10), local(1, 11), now=now)
    assert "2" in caught.value.messages[0] and "审批" in caught.value.messages[0]
    # A confirmed booking (an approved session) needs no time for approval.
    assert book(studio, world, local(1, 10), local(1, 11), now=now, confirmed=True).state == "confirmed"


def test_a_studio_closed_for_booking_refuses_every_slot(world, studio):
    studio_update(studio=studio, is_active=False)
    with pytest.raises(ValidationError):
        book(studio, world, local(3, 10), local(3, 12))


def test_released_and_cancelled_bookings_free_the_slot(world, studio):
    held = book(studio, world, local(3, 10), local(3, 12))
    assert studio_booking_release(booking=held)
    again = book(studio, world, local(3, 10), local(3, 12))
    assert studio_booking_cancel(booking=again)
    assert book(studio, world, local(3, 10), local(3, 12)).pk


def test_releasing_twice_releases_once(world, studio):
    held = book(studio, world, local(3, 10), local(3, 12))
    assert studio_booking_release(booking=held) is True
    assert studio_booking_release(booking=held) is False


def test_the_loser_gets_the_nearest_free_slots_of_the_same_length_earlier_or_later(world, studio):
    book(studio, world, local(3, 10), local(3, 12))
    book(studio, world, local(3, 14), local(3, 20))
    with pytest.raises(StudioConflict) as caught:
        book(studio, world, local(3, 11), local(3, 13))
    # Nothing of two hours fits on day 3 (08:00–09:30 before the first booking's gap, 12:30–13:30 between,
    # 20:30–22:00 after). The nearest by distance from day 3 11:00 are the evening before (20:00, 15 h
    # away; then back to back with the gap: 17:30, 15:00), nearer than the next morning (08:00, 21 h).
    assert caught.value.suggestions == [
        (local(2, 15), local(2, 17)),
        (local(2, 17, 30), local(2, 19, 30)),
        (local(2, 20), local(2, 22)),
    ]
    for start, end in caught.value.suggestions:
        assert end - start == timedelta(hours=2)
        assert book(studio, world, start, end).pk  # each suggestion really is free


def test_suggestions_fit_opening_hours_and_the_gap(world, studio):
    book(studio, world, local(3, 8), local(3, 21, 30))
    with pytest.raises(StudioConflict) as caught:
        book(studio, world, local(3, 9), local(3, 11))
    assert len(caught.value.suggestions) == 3
    for start, end in caught.value.suggestions:
        assert timezone.localtime(start).date() != local(3, 0).date()  # day 3 is full
        assert timezone.localtime(start).time() >= time(8)
        assert timezone.localtime(end).time() <= time(22)
