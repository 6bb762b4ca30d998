"""A booked studio slot with no approved session is released after its deadline, by a beat task."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from hub.models import Notification
from livestreams.models import StudioBooking
from livestreams.services.sales import sales_session_approve
from livestreams.services.studios import studio_bookings_release_expired
from livestreams.tasks.sales import release_expired_studio_holds
from tests.sales_helpers import register
from tests.support import wait_until

pytest_plugins = ["tests.sales_fixtures"]


@pytest.mark.django_db
def test_it_releases_a_held_slot_after_the_deadline_and_tells_the_merchant(world, merchant, pending, studio):
    booking = StudioBooking.objects.get()
    assert studio_bookings_release_expired(now=booking.hold_expires_at - timedelta(seconds=1)) == []
    assert studio_bookings_release_expired(now=booking.hold_expires_at) == [booking.pk]
    booking.refresh_from_db()
    assert booking.state == StudioBooking.State.RELEASED and booking.released_at == booking.hold_expires_at
    note = Notification.objects.get(user=merchant, kind="studio_released")
    assert pending.session.title in note.title and note.url == f"/sales/{pending.pk}/"
    # The slot is free for someone else.
    assert register(merchant, world.enterprise_a, studio=studio, title="补位场次").pk


@pytest.mark.django_db
def test_releasing_twice_releases_and_notifies_once(world, merchant, pending):
    deadline = StudioBooking.objects.get().hold_expires_at
    assert len(studio_bookings_release_expired(now=deadline)) == 1
    assert studio_bookings_release_expired(now=deadline + timedelta(minutes=1)) == []
    assert Notification.objects.filter(kind="studio_released").count() == 1


@pytest.mark.django_db
def test_an_approved_session_keeps_its_slot(world, organizer, pending):
    sales_session_approve(sales_session=pending, user=organizer)
    deadline = StudioBooking.objects.get().hold_expires_at
    assert studio_bookings_release_expired(now=deadline + timedelta(days=1)) == []
    assert StudioBooking.objects.get().state == StudioBooking.State.CONFIRMED


@pytest.mark.django_db
def test_a_released_session_can_book_a_studio_again_from_its_page(
    world, merchant, organizer, pending, studio
):
    from django.test import Client

    studio_bookings_release_expired(now=StudioBooking.objects.get().hold_expires_at)
    client = Client()
    client.force_login(merchant)
    page = client.get(f"/sales/{pending.pk}/").content.decode()
    assert "已释放" in page and "为本场预订直播场地" in page
    response = client.post(f"/sales/{pending.pk}/studio/", {"studio": studio.pk})
    assert response.status_code == 302
    assert StudioBooking.objects.filter(state=StudioBooking.State.HELD, session_id=pending.pk).count() == 1
    # Approving now confirms the new slot.
    sales_session_approve(sales_session=pending, user=organizer)
    assert StudioBooking.objects.filter(state=StudioBooking.State.CONFIRMED).count() == 1


def test_the_beat_runs_the_release_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["sales-release-expired-studio-holds"]
    assert entry["task"] == release_expired_studio_holds.name
    assert entry["schedule"] == timedelta(minutes=1)


def test_a_real_worker_releases_an_expired_hold(world, merchant, studio, celery_worker):
    ss = register(merchant, world.enterprise_a, studio=studio)
    StudioBooking.objects.filter(session_id=ss.pk).update(
        hold_expires_at=timezone.now() - timedelta(minutes=1)
    )
    release_expired_studio_holds.delay()
    wait_until(
        lambda: StudioBooking.objects.get(session_id=ss.pk).state == StudioBooking.State.RELEASED,
        timeout=30,
        message="the worker to release the held slot",
    )
    assert Notification.objects.filter(user=merchant, kind="studio_released").count() == 1
