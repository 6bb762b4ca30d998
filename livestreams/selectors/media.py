"""Reads of the media area: stream keys' validity, the streams a person manages, pushes and recordings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from hub.models import User
from livestreams.models import Lecture, LiveSession, Recording, StreamPublish
from livestreams.permissions import managed_q
from partyorgs.permissions import get_scope

# The whole name, ASCII digits, no leading zero, at most 12 digits: one session has exactly one stream name
# (`$` would also accept a trailing newline, `\d` other scripts' digits, a leading zero a second name).
STREAM_NAME = re.compile(r"session-([1-9][0-9]{0,11})", re.ASCII)
S = LiveSession.Status


def session_id_from_stream(name: object) -> int | None:
    """The session of a stream name as nginx-rtmp reports it, or None for any other string."""
    match = STREAM_NAME.fullmatch(name) if isinstance(name, str) else None
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class KeyWindow:
    valid_from: datetime
    valid_until: datetime
    now: datetime

    @property
    def state(self) -> str:
        """ "early", "valid" or "over"."""
        if self.now < self.valid_from:
            return "early"
        if self.now >= self.valid_until:
            return "over"
        return "valid"


def stream_key_window(session: LiveSession, now: datetime | None = None) -> KeyWindow:
    """A key opens a little before the start (for a sound check) and closes at the end of the slot."""
    early = timedelta(minutes=settings.HUB_MEDIA_KEY_EARLY_MINUTES)
    return KeyWindow(session.starts_at - early, session.ends_at, now or timezone.now())


def publish_is_fresh(publish: StreamPublish, now: datetime) -> bool:
    """An open push the media server still reports (on_update); older ones belong to a server that went away."""
    return publish.ended_at is None and publish.last_seen_at >= now - stale_after()


def stale_after() -> timedelta:
    return timedelta(seconds=3 * settings.HUB_MEDIA_UPDATE_SECONDS + 5)


def streams_for_user(*, user: User, limit: int = 100) -> list[LiveSession]:
    """Sessions with the hub's own stream that the user manages: live and upcoming first, then the last week."""
    scope = get_scope(user)
    week_ago = timezone.now() - timedelta(days=7)
    on_air = Exists(StreamPublish.objects.filter(session=OuterRef("pk"), ended_at__isnull=True))
    qs = (
        LiveSession.objects.filter(managed_q(scope, user.pk), playback=LiveSession.Playback.HUB)
        .filter(status__in=[S.DRAFT, S.SCHEDULED, S.LIVE, S.ENDED], ends_at__gte=week_ago)
        .annotate(on_air=on_air)
        .select_related("host_organization", "host_enterprise", "lecture")
        .order_by("starts_at")
    )
    sessions = list(qs[:limit])
    order: dict[str, int] = {S.LIVE: 0, S.SCHEDULED: 1, S.DRAFT: 2, S.ENDED: 3}
    return sorted(sessions, key=lambda s: (order.get(s.status, 9), s.starts_at))


def publishes_of(session: LiveSession, limit: int = 10) -> list[StreamPublish]:
    return list(StreamPublish.objects.filter(session=session).order_by("-started_at")[:limit])


def recordings_of(session: LiveSession) -> list[Recording]:
    return list(Recording.objects.filter(session=session).order_by("file_name"))


def lecture_of(session: LiveSession) -> Lecture | None:
    return Lecture.objects.filter(session=session).select_related("uploaded_by").first()
