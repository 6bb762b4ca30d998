"""The private iCalendar feed of Party classes: its secret address is made, renewed, revoked and used here."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from hub.models import User
from livestreams.models import CalendarFeed


@transaction.atomic
def calendar_feed_create(*, user: User) -> CalendarFeed:
    """A new secret address for the user's feed. Renewing is the same: the earlier address stops working."""
    CalendarFeed.objects.filter(user=user).delete()
    feed = CalendarFeed(user=user)
    feed.full_clean()
    feed.save()
    return feed


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> bool:
    """Calendars using the address no longer update. True when there was one."""
    deleted, _ = CalendarFeed.objects.filter(user=user).delete()
    return bool(deleted)


def calendar_feed_use(*, token: str, now: datetime | None = None) -> CalendarFeed | None:
    """The feed of a secret address (of an active user), noting when it was last fetched; None otherwise."""
    feed = CalendarFeed.objects.filter(token=token).select_related("user").first()
    if feed is None or not feed.user.is_active:
        return None
    feed.last_used_at = now or timezone.now()
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=feed.last_used_at)
    return feed
