"""Reads of live sessions, always through the viewer's scope."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from hub.models import User
from livestreams.models import LiveSession
from livestreams.permissions import visible_q


def _visible(user: User) -> QuerySet[LiveSession]:
    return LiveSession.objects.filter(visible_q(user)).select_related(
        "host_organization", "host_enterprise", "party_class"
    )


def sessions_live_now(*, user: User, limit: int = 12) -> list[LiveSession]:
    return list(_visible(user).filter(status=LiveSession.Status.LIVE).order_by("starts_at")[:limit])


def sessions_upcoming(*, user: User, limit: int = 12) -> list[LiveSession]:
    return list(
        _visible(user)
        .filter(status=LiveSession.Status.SCHEDULED, starts_at__gte=timezone.now())
        .order_by("starts_at")[:limit]
    )
