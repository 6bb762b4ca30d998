"""Reads of the hub app."""

from __future__ import annotations

from django.utils import timezone

from hub.models import Invitation, Notification


def invitation_get_usable(*, token: str) -> Invitation | None:
    return Invitation.objects.filter(
        token=token, accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).first()


def notifications_for(*, user, limit: int = 20) -> list[Notification]:
    return list(Notification.objects.filter(user=user)[:limit])


def unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
