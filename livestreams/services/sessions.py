"""The lifecycle of every live session: scheduled -> live -> ended (or cancelled).

Transitions are conditional UPDATEs with a row-count check, so a beat task that fires twice, two
workers, or a media-server callback racing the clock change a session once, and announce it once.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from livestreams.models import LiveSession, StreamPublish
from livestreams.realtime import live_now_publish, room_publish

S = LiveSession.Status


def _announce(session_id: int) -> None:
    session = LiveSession.objects.only("id", "status", "title", "kind", "playback").get(pk=session_id)
    room_publish(session_id, {"type": "status", "status": session.status})
    if session.status == S.LIVE and session.playback == LiveSession.Playback.HUB:
        # A class goes live by the clock whether or not anybody pushes. Pages opened before learn here
        # whether to show "waiting for the stream" (issue 15); pages opened later learn it on connect.
        pushing = StreamPublish.objects.filter(session_id=session_id, ended_at__isnull=True).exists()
        room_publish(session_id, {"type": "stream_state", "pushing": pushing})
    live_now_publish(
        {
            "type": "session_status",
            "session_id": session.id,
            "status": session.status,
            "title": session.title,
            "kind": session.kind,
        }
    )


@transaction.atomic
def session_start(*, session_id: int, now: datetime | None = None) -> bool:
    """Turn a scheduled session live. True when this call did it; False when it was not scheduled."""
    now = now or timezone.now()
    changed = LiveSession.objects.filter(pk=session_id, status=S.SCHEDULED).update(
        status=S.LIVE, went_live_at=now, updated_at=now
    )
    if changed:
        transaction.on_commit(lambda: _announce(session_id))
    return bool(changed)


@transaction.atomic
def session_end(*, session_id: int, now: datetime | None = None) -> bool:
    """End a live session (or a scheduled one whose time is over). True when this call did it."""
    now = now or timezone.now()
    changed = LiveSession.objects.filter(pk=session_id, status__in=[S.LIVE, S.SCHEDULED]).update(
        status=S.ENDED, ended_at=now, updated_at=now
    )
    if changed:
        transaction.on_commit(lambda: _announce(session_id))
    return bool(changed)


@transaction.atomic
def session_cancel(*, session_id: int, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    changed = LiveSession.objects.filter(pk=session_id, status__in=[S.DRAFT, S.SCHEDULED]).update(
        status=S.CANCELLED, updated_at=now
    )
    if changed:
        transaction.on_commit(lambda: _announce(session_id))
    return bool(changed)
