"""Stream keys and what the media server reports: pushes that begin, go on and stop."""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from livestreams.models import LiveSession, StreamPublish
from livestreams.models.sessions import new_stream_key
from livestreams.playback import link_lifetime, revoked_marker
from livestreams.realtime import room_publish
from livestreams.selectors.media import (
    publish_is_fresh,
    session_id_from_stream,
    stale_after,
    stream_key_window,
)
from livestreams.services.sessions import session_end, session_start

S = LiveSession.Status


# --- stream keys ----------------------------------------------------------------------------------


@transaction.atomic
def stream_key_ensure(*, session_id: int) -> str:
    """The session's key. Sessions get one when they are made; older ones get it on first use (the
    conditional UPDATE makes two first uses agree)."""
    LiveSession.objects.filter(pk=session_id, stream_key="").update(
        stream_key=new_stream_key(), stream_key_rotated_at=timezone.now()
    )
    return LiveSession.objects.values_list("stream_key", flat=True).get(pk=session_id)


@transaction.atomic
def stream_key_rotate(*, session: LiveSession, now: datetime | None = None) -> str:
    """A new key; the old one stops working at once, and a push made with it is cut at the next on_update.

    The viewing links are rotated with it: a key that leaked may have leaked with a link."""
    now = now or timezone.now()
    if session.status in (S.ENDED, S.CANCELLED) or session.playback != LiveSession.Playback.HUB:
        raise ValidationError(_("This session no longer takes a stream, so its key cannot be changed."))
    key = new_stream_key()
    LiveSession.objects.filter(pk=session.pk).update(stream_key=key, stream_key_rotated_at=now)
    session.stream_key, session.stream_key_rotated_at = key, now
    playback_links_rotate(session=session)
    return key


# --- viewing links ------------------------------------------------------------------------------------


@transaction.atomic
def playback_links_rotate(*, session: LiveSession) -> int:
    """A new generation of the session's HLS and replay links; every link handed out before stops working
    (nginx answers 410 once the marker of the old generation exists). Viewers still allowed get new links
    from the live room. Returns the new generation."""
    locked = LiveSession.objects.select_for_update().only("media_link_generation").get(pk=session.pk)
    old = locked.media_link_generation
    LiveSession.objects.filter(pk=session.pk).update(media_link_generation=F("media_link_generation") + 1)
    session.media_link_generation = old + 1
    marker = revoked_marker(session.pk, old)
    transaction.on_commit(lambda: _write_marker(marker))
    return old + 1


def _write_marker(marker: Path) -> None:
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()


def revoked_links_prune(*, now: float | None = None) -> int:
    """Forget revocation markers older than a link lives: every link of their generation has expired."""
    folder = revoked_marker(0, 0).parent
    if not folder.is_dir():
        return 0
    limit = (now if now is not None else time.time()) - link_lifetime() - 60
    pruned = 0
    for marker in folder.iterdir():
        try:
            if marker.stat().st_mtime < limit:
                marker.unlink()
                pruned += 1
        except FileNotFoundError:  # another worker pruned it
            continue
    return pruned


# --- the media server's callbacks -----------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """The answer to nginx-rtmp: allowed, or refused with a reason for the media server's log."""

    ok: bool
    reason: str = ""


ALLOWED = Verdict(True)
SLOT_OVER = "the session's slot is over"


def _refuse(reason: str) -> Verdict:
    return Verdict(False, reason)


def session_for_stream(name: str, *, lock: bool = False) -> LiveSession | None:
    session_id = session_id_from_stream(name)
    if session_id is None:
        return None
    qs = LiveSession.objects.filter(pk=session_id)
    if lock:
        qs = qs.select_for_update()
    return qs.first()


def _check_key(session: LiveSession, key: str, now: datetime) -> Verdict:
    if session.playback != LiveSession.Playback.HUB:
        return _refuse("the session plays from an external platform")
    if session.status not in (S.SCHEDULED, S.LIVE):
        return _refuse(f"the session is {session.status}")
    if not session.stream_key or not hmac.compare_digest(key.encode(), session.stream_key.encode()):
        return _refuse("wrong stream key")
    state = stream_key_window(session, now).state
    if state == "early":
        return _refuse("the key is not valid yet")
    if state == "over":
        return _refuse(SLOT_OVER)
    return ALLOWED


@transaction.atomic
def publish_begin(
    *, name: str, key: str, client_id: str, address: str | None, now: datetime | None = None
) -> Verdict:
    """on_publish: accept a push with the session's key inside its window; it turns the session live once the
    start time has come (before it, it is a rehearsal)."""
    now = now or timezone.now()
    session = session_for_stream(name, lock=True)
    if session is None:
        return _refuse("no such session")
    verdict = _check_key(session, key, now)
    if not verdict.ok:
        return verdict
    open_publishes = list(StreamPublish.objects.filter(session=session, ended_at__isnull=True))
    if any(publish_is_fresh(p, now) and p.client_id != client_id for p in open_publishes):
        return _refuse("the session is already being streamed")
    # Pushes the media server never closed (it restarted) are over.
    StreamPublish.objects.filter(pk__in=[p.pk for p in open_publishes]).update(
        ended_at=now, end_reason=StreamPublish.EndReason.LOST
    )
    publish = StreamPublish(
        session=session, client_id=client_id[:32], address=address, started_at=now, last_seen_at=now
    )
    publish.full_clean()
    publish.save()
    _start_when_due(session, now)
    _announce_push(session.pk, pushing=True)
    return ALLOWED


def _announce_push(session_id: int, *, pushing: bool) -> None:
    """The room shows "waiting for the stream" while a live session has no push (issue 15)."""
    transaction.on_commit(lambda: room_publish(session_id, {"type": "stream_state", "pushing": pushing}))


def _start_when_due(session: LiveSession, now: datetime) -> None:
    """A push before the start is a rehearsal the hosts watch on the stream page; the class goes live at
    its start time (here at the next on_update, or by the classes' clock, whichever comes first)."""
    if session.status == S.SCHEDULED and now >= session.starts_at:
        session_start(session_id=session.pk, now=now)


@transaction.atomic
def publish_update(*, name: str, key: str, client_id: str, now: datetime | None = None) -> Verdict:
    """on_update: a push goes on while its key is valid and its slot lasts; otherwise nginx cuts it."""
    now = now or timezone.now()
    session = session_for_stream(name)
    if session is None:
        return _refuse("no such session")
    verdict = _check_key(session, key, now)
    open_push = StreamPublish.objects.filter(session=session, client_id=client_id[:32], ended_at__isnull=True)
    if not verdict.ok:
        open_push.update(ended_at=now, end_reason=StreamPublish.EndReason.CUT)
        if verdict.reason == SLOT_OVER:
            session_end(session_id=session.pk, now=now)
        return verdict
    if not open_push.update(last_seen_at=now):
        # The hub closed this push as lost while it went on (the hub was unreachable): it is back.
        StreamPublish.objects.create(
            session=session, client_id=client_id[:32], started_at=now, last_seen_at=now
        )
    _start_when_due(session, now)
    return ALLOWED


@transaction.atomic
def publish_end(*, name: str, client_id: str, now: datetime | None = None) -> bool:
    """on_publish_done: the push stopped. The session ends once no push came back within the grace time,
    so that an encoder reconnecting after a network hiccup does not end the class.

    True when this call closed a push (a repeated or unknown call changes nothing)."""
    now = now or timezone.now()
    session = session_for_stream(name)
    if session is None:
        return False
    closed = StreamPublish.objects.filter(
        session=session, client_id=client_id[:32], ended_at__isnull=True
    ).update(ended_at=now, end_reason=StreamPublish.EndReason.STOPPED)
    if closed and not StreamPublish.objects.filter(session=session, ended_at__isnull=True).exists():
        _announce_push(session.pk, pushing=False)
    if session.status == S.LIVE:
        grace = settings.HUB_MEDIA_END_GRACE_SECONDS
        if grace <= 0 or now >= session.ends_at:
            session_end_if_idle(session_id=session.pk, now=now, grace_seconds=0)
        else:
            from livestreams.tasks.media import end_session_if_idle

            session_id = session.pk
            transaction.on_commit(lambda: end_session_if_idle.apply_async((session_id,), countdown=grace))
    return bool(closed)


@transaction.atomic
def session_end_if_idle(
    *, session_id: int, now: datetime | None = None, grace_seconds: int | None = None
) -> bool:
    """End a live session whose pushes all stopped at least the grace time ago. True when it ended it.

    Only a push that stopped while the session was live ends it: a rehearsal before the start does not."""
    now = now or timezone.now()
    grace = settings.HUB_MEDIA_END_GRACE_SECONDS if grace_seconds is None else grace_seconds
    session = LiveSession.objects.filter(pk=session_id, status=S.LIVE).only("went_live_at").first()
    if session is None:
        return False
    pushes = StreamPublish.objects.filter(session_id=session_id)
    if pushes.filter(ended_at__isnull=True).exists():
        return False
    last_end = pushes.aggregate(last=Max("ended_at"))["last"]
    if last_end is None or last_end > now - timedelta(seconds=grace):
        return False
    if session.went_live_at and last_end < session.went_live_at:
        return False
    return session_end(session_id=session_id, now=now)


def close_lost_publishes(*, now: datetime | None = None) -> int:
    """Open pushes the media server stopped reporting (it crashed or restarted) are over."""
    now = now or timezone.now()
    return StreamPublish.objects.filter(ended_at__isnull=True, last_seen_at__lt=now - stale_after()).update(
        ended_at=now, end_reason=StreamPublish.EndReason.LOST
    )


def sessions_to_end_when_idle(*, now: datetime | None = None) -> list[int]:
    """Live sessions of the hub's own stream that were pushed to, and whose pushes all stopped."""
    now = now or timezone.now()
    grace = timedelta(seconds=settings.HUB_MEDIA_END_GRACE_SECONDS)
    open_push = StreamPublish.objects.filter(session=OuterRef("pk"), ended_at__isnull=True)
    return list(
        LiveSession.objects.filter(status=S.LIVE, playback=LiveSession.Playback.HUB)
        .annotate(last_end=Max("publishes__ended_at"))
        .filter(last_end__lte=now - grace, last_end__gte=F("went_live_at"))
        .exclude(Exists(open_push))
        .values_list("pk", flat=True)
    )
