"""Reads of the hub app."""

from __future__ import annotations

from hub.models import Notification, User


def notifications_for(*, user: User, limit: int = 20) -> list[Notification]:
    return list(Notification.objects.filter(user=user)[:limit])


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
