"""The private calendar feed's services: made, renewed, revoked and used (the pages are in test_classes_views)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from livestreams.models import CalendarFeed
from livestreams.selectors.classes import calendar_feed_of
from livestreams.services.calendar_feeds import calendar_feed_create, calendar_feed_revoke, calendar_feed_use

pytestmark = pytest.mark.django_db


def test_making_a_feed_twice_renews_its_address(member):
    first = calendar_feed_create(user=member)
    second = calendar_feed_create(user=member)
    assert first.token != second.token and len(second.token) >= 32
    assert list(CalendarFeed.objects.values_list("token", flat=True)) == [second.token]
    assert calendar_feed_of(user=member) == second


def test_revoking_says_whether_there_was_a_feed(member, organizer):
    calendar_feed_create(user=member)
    calendar_feed_create(user=organizer)
    assert calendar_feed_revoke(user=member) is True
    assert calendar_feed_revoke(user=member) is False
    assert calendar_feed_of(user=member) is None and calendar_feed_of(user=organizer) is not None


def test_using_a_feed_notes_when_and_refuses_unknown_tokens_and_inactive_users(member):
    feed = calendar_feed_create(user=member)
    at = timezone.now() - timedelta(minutes=3)
    assert calendar_feed_use(token=feed.token, now=at) == feed
    assert CalendarFeed.objects.get(pk=feed.pk).last_used_at == at
    assert calendar_feed_use(token="x" + feed.token) is None
    assert calendar_feed_use(token="") is None
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert calendar_feed_use(token=feed.token) is None
