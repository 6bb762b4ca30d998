"""Helpers shared by the meeting-record tests (tests/test_meetings*.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from livestreams.models import LiveSession, PartyClass, PresenceInterval
from livestreams.selectors.classes import current_quarter, quarter_bounds
from livestreams.services.attendance import attendance_compute
from tests import factories as f

CK = PartyClass.ClassKind


def in_quarter(hours_ago: float = 24) -> datetime:
    """A moment in the current quarter, some hours ago (the quarter's start when it began less long ago)."""
    start, _end = quarter_bounds(*current_quarter())
    return max(start + timedelta(minutes=5), timezone.now() - timedelta(hours=hours_ago))


def online_meeting(
    world, *, kind=CK.GROUP_MEETING, seconds=90, host=None, audience=None, watchers=(), start=None, title=None
) -> LiveSession:
    """An ended livestreamed meeting that was live `seconds` long; each watcher watched all of it. Its
    attendance is computed from presence, as the lifecycle does when a class ends."""
    host = host or world.branch_a
    start = start or in_quarter()
    session = f.LiveSessionFactory(
        host_organization=host,
        status=LiveSession.Status.ENDED,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        went_live_at=start,
        ended_at=start + timedelta(seconds=seconds),
        audience_orgs=audience if audience is not None else [host],
        **({"title": title} if title else {}),
    )
    f.PartyClassFactory(session=session, class_kind=kind)
    for user in watchers:
        PresenceInterval.objects.create(
            session=session, user=user, joined_at=start, left_at=start + timedelta(seconds=seconds)
        )
    attendance_compute(session_id=session.pk)
    return session
