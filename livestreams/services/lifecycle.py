"""The clock of every live session: at its start a SCHEDULED session goes live, at its end it ends (through
livestreams.services.sessions, which announce the change to open pages and the home page). DRAFT sessions
are never touched: a sales session waits there until a manager approves it.

Then the follow-ups of Party classes, each guarded so that it happens once whoever changed the status (this
beat task, the media server, an organizer): the audience is told a class has started, and attendance is
computed once it has ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from livestreams.models import LiveSession, PartyClass
from livestreams.services.attendance import attendance_compute
from livestreams.services.classes import class_start_notify
from livestreams.services.sessions import session_end, session_start

S = LiveSession.Status


@dataclass
class Advanced:
    started: list[int] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)
    start_notified: list[int] = field(default_factory=list)
    attendance: list[int] = field(default_factory=list)


def sessions_advance(*, now: datetime | None = None, limit: int = 500) -> Advanced:
    now = now or timezone.now()
    done = Advanced()
    to_start = LiveSession.objects.filter(status=S.SCHEDULED, starts_at__lte=now, ends_at__gt=now)
    for sid in to_start.order_by("starts_at").values_list("pk", flat=True)[:limit]:
        if session_start(session_id=sid, now=now):
            done.started.append(sid)
    # A session whose end has passed ends, also one that never went live because the hub was down.
    to_end = LiveSession.objects.filter(status__in=[S.LIVE, S.SCHEDULED], ends_at__lte=now)
    for sid in to_end.order_by("ends_at").values_list("pk", flat=True)[:limit]:
        if session_end(session_id=sid, now=now):
            done.ended.append(sid)
    live_classes = PartyClass.objects.filter(session__status=S.LIVE, start_notified_at__isnull=True)
    for sid in live_classes.values_list("pk", flat=True)[:limit]:
        if class_start_notify(session_id=sid, now=now):
            done.start_notified.append(sid)
    ended_classes = PartyClass.objects.filter(session__status=S.ENDED, attendance_computed_at__isnull=True)
    for sid in ended_classes.values_list("pk", flat=True)[:limit]:
        attendance_compute(session_id=sid, now=now)
        done.attendance.append(sid)
    return done
