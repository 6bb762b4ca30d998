"""Reminders before every kind of session: rows with a due time, armed from the session's state and claimed by
a frequent beat task.

- Arming (reminders_arm) looks at SCHEDULED sessions themselves, so any code that sets a session SCHEDULED (an
  organizer's class, a manager approving a merchant's sales session) gets reminders without calling anything.
  It creates the missing (session, user, offset) rows, re-arms rows whose session moved, cancels rows of people
  who left the audience, and puts back rows that were cancelled while the session was not scheduled.
- Sending (reminders_send_due) locks a batch of due rows with SELECT ... FOR UPDATE SKIP LOCKED (on SQLite the
  IMMEDIATE transaction serializes writers instead), writes the in-app notifications and marks the rows sent
  in the same transaction. Two beat runs take different rows; a worker killed mid-batch rolls its batch back
  and the next run sends it. The unique (session, user, offset) row makes it once per person and offset.
- A reminder is dropped, not sent late, when its session has started (or is no longer scheduled), and when a
  nearer reminder of the same session is already due (after an outage only the closest one goes out).

Emails are outbox rows (hub.emails) written in the batch's transaction: a batch that commits has all its
emails, and a worker killed after the commit leaves them to the next sender (at least once to the mail
server, marked sent per row).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from hub.emails import email_queue
from hub.models import User
from hub.services import notification_send
from livestreams.models import LiveSession, Reminder
from livestreams.selectors.classes import reminder_recipient_ids

S = LiveSession.Status
R = Reminder.State
# The largest offset a class may choose (see forms): sessions starting later than this are not armed yet.
MAX_OFFSET_MINUTES = 7 * 24 * 60


def reminder_offsets_for(session: LiveSession) -> list[int]:
    """Minutes before the start, largest first: a class's own choice, otherwise the hub's default."""
    if session.kind == LiveSession.Kind.PARTY_CLASS:
        pc = getattr(session, "party_class", None)
        if pc is not None:
            return sorted({int(m) for m in pc.reminder_offsets}, reverse=True)
    return list(settings.HUB_REMINDER_OFFSETS)


def _arm_session(session: LiveSession, now: datetime) -> dict[str, int]:
    done: defaultdict[str, int] = defaultdict(int)
    start = session.starts_at
    offsets = reminder_offsets_for(session)
    recipients = reminder_recipient_ids(session) if offsets else set()
    # When every reminder time has already passed (scheduled at short notice), the nearest one still goes out.
    future = [o for o in offsets if start - timedelta(minutes=o) > now]
    nearest_if_late = None if future or not offsets else min(offsets)

    def state_for(offset: int) -> str:
        return (
            R.PENDING if start - timedelta(minutes=offset) > now or offset == nearest_if_late else R.DROPPED
        )

    existing = {
        (r.user_id, r.offset_minutes): r
        for r in Reminder.objects.filter(session=session).only(
            "id", "user_id", "offset_minutes", "state", "for_starts_at", "due_at"
        )
    }
    wanted = {(u, o) for u in recipients for o in offsets}
    new_rows = []
    for user_id, offset in wanted - existing.keys():
        new_rows.append(
            Reminder(
                session=session,
                user_id=user_id,
                offset_minutes=offset,
                due_at=start - timedelta(minutes=offset),
                for_starts_at=start,
                state=state_for(offset),
            )
        )
    if new_rows:
        # ignore_conflicts: a concurrent arming run may have created some of them a moment ago.
        Reminder.objects.bulk_create(new_rows, ignore_conflicts=True)
        done["created"] += len(new_rows)
    for key, row in existing.items():
        changes = _rearm_changes(row, wanted=key in wanted, start=start, now=now, state_for=state_for)
        if changes:
            # Conditional on what we read, so that a concurrent sender's or armer's write is not overwritten.
            n = Reminder.objects.filter(pk=row.pk, state=row.state, for_starts_at=row.for_starts_at).update(
                **changes, claimed_at=None
            )
            done["changed"] += n
    return done


def _rearm_changes(
    row: Reminder, *, wanted: bool, start: datetime, now: datetime, state_for: Callable[[int], str]
) -> dict[str, Any]:
    """The fields an existing reminder row needs changed (none: an empty dict) for the session as it is now."""
    due = start - timedelta(minutes=row.offset_minutes)
    if not wanted:
        # The person left the audience: a reminder not sent yet is cancelled.
        return {"state": R.CANCELLED} if row.state == R.PENDING else {}
    if row.state == R.CANCELLED:
        return {
            "state": state_for(row.offset_minutes),
            "due_at": due,
            "for_starts_at": start,
            "sent_at": None,
        }
    if row.for_starts_at == start:
        return {}
    # The session moved: the reminder is due again relative to the new start. One already sent whose
    # new time has passed is not repeated (the audience was told of the move).
    if due > now:
        state: str = R.PENDING
    elif row.state == R.SENT:
        state = R.SENT
    else:
        state = state_for(row.offset_minutes)
    changes: dict[str, Any] = {"state": state, "due_at": due, "for_starts_at": start}
    if state == R.PENDING:
        changes["sent_at"] = None
    return changes


def reminders_arm(*, now: datetime | None = None, session_ids: list[int] | None = None) -> dict[str, int]:
    """Arm the reminders of scheduled sessions starting soon (or of the given sessions), and retire the pending
    reminders of sessions that are no longer scheduled. Idempotent; safe to run concurrently."""
    now = now or timezone.now()
    totals: dict[str, int] = defaultdict(int)
    sessions = LiveSession.objects.filter(status=S.SCHEDULED, starts_at__gt=now).select_related("party_class")
    if session_ids is not None:
        sessions = sessions.filter(pk__in=session_ids)
    else:
        horizon = now + timedelta(minutes=max([MAX_OFFSET_MINUTES, *settings.HUB_REMINDER_OFFSETS]) + 5)
        # Sessions starting within the horizon, and any with pending reminders armed for another start time.
        moved = Reminder.objects.filter(state=R.PENDING).exclude(for_starts_at=F("session__starts_at"))
        sessions = sessions.filter(Q(starts_at__lte=horizon) | Q(pk__in=moved.values("session_id")))
    for session in sessions:
        with transaction.atomic():
            for k, v in _arm_session(session, now).items():
                totals[k] += v
    pending_elsewhere = Reminder.objects.filter(state=R.PENDING).exclude(session__status=S.SCHEDULED)
    if session_ids is not None:
        pending_elsewhere = pending_elsewhere.filter(session_id__in=session_ids)
    totals["cancelled"] += pending_elsewhere.filter(session__status__in=[S.CANCELLED, S.DRAFT]).update(
        state=R.CANCELLED
    )
    totals["dropped"] += pending_elsewhere.filter(session__status__in=[S.LIVE, S.ENDED]).update(
        state=R.DROPPED
    )
    return dict(totals)


# --- Sending -----------------------------------------------------------------------------------


def _left(delta: timedelta) -> str:
    minutes = max(1, round(delta.total_seconds() / 60))
    if minutes < 120:
        return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
    hours = round(minutes / 60)
    if hours < 48:
        return ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}
    days = round(hours / 24)
    return ngettext("%(n)s day", "%(n)s days", days) % {"n": days}


def reminder_text(session: LiveSession, now: datetime) -> tuple[str, str]:
    when = date_format(timezone.localtime(session.starts_at), "Y-m-d H:i")
    args = {"title": session.title, "when": when, "left": _left(session.starts_at - now)}
    if session.kind == LiveSession.Kind.PARTY_CLASS:
        title = _("Reminder: the class “%(title)s” starts at %(when)s") % args
    else:
        title = _("Reminder: your session “%(title)s” starts at %(when)s") % args
    body = _("It starts in %(left)s.") % args
    return title, body


def _is_superseded(row: Reminder, offsets: list[int], start: datetime, now: datetime) -> bool:
    """A nearer reminder of the same session is due too: only that one is worth sending."""
    return any(o < row.offset_minutes and start - timedelta(minutes=o) <= now for o in offsets)


def _send_batch(now: datetime, batch_size: int) -> int:
    """One transaction: lock up to batch_size due rows nobody else holds, settle each, commit. Returns how
    many rows were settled (0 when nothing is due)."""
    with transaction.atomic():
        rows = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(state=R.PENDING, due_at__lte=now)
            .order_by("due_at", "pk")[:batch_size]
        )
        if not rows:
            return 0
        sessions = {
            s.pk: s
            for s in LiveSession.objects.filter(pk__in={r.session_id for r in rows}).select_related(
                "party_class"
            )
        }
        offsets = {sid: reminder_offsets_for(s) for sid, s in sessions.items()}
        settle: dict[str, list[int]] = defaultdict(list)
        send: dict[int, list[Reminder]] = defaultdict(list)
        for r in rows:
            s = sessions[r.session_id]
            if s.status == S.CANCELLED or s.status == S.DRAFT:
                settle[R.CANCELLED].append(r.pk)
            elif s.status != S.SCHEDULED or s.starts_at <= now:
                settle[R.DROPPED].append(r.pk)  # too late: the session has started
            elif r.for_starts_at != s.starts_at:
                # Moved since it was armed and the armer has not run yet: re-arm here.
                due = s.starts_at - timedelta(minutes=r.offset_minutes)
                Reminder.objects.filter(pk=r.pk).update(due_at=due, for_starts_at=s.starts_at)
                if due <= now and not _is_superseded(r, offsets[s.pk], s.starts_at, now):
                    send[s.pk].append(r)
                elif due <= now:
                    settle[R.DROPPED].append(r.pk)
            elif _is_superseded(r, offsets[s.pk], s.starts_at, now):
                settle[R.DROPPED].append(r.pk)
            else:
                send[s.pk].append(r)
        for state, ids in settle.items():
            Reminder.objects.filter(pk__in=ids, state=R.PENDING).update(state=state, claimed_at=now)
        user_ids = {r.user_id for rs in send.values() for r in rs}
        users = {
            u.pk: u
            for u in User.objects.filter(pk__in=user_ids).only("id", "email", "name", "is_active", "language")
        }
        with override(settings.LANGUAGE_CODE):
            for sid, rs in send.items():
                s = sessions[sid]
                sent = Reminder.objects.filter(pk__in=[r.pk for r in rs], state=R.PENDING).update(
                    state=R.SENT, sent_at=now, claimed_at=now
                )
                if sent != len(rs):  # somebody settled them meanwhile; never send what we did not mark
                    fresh = set(
                        Reminder.objects.filter(
                            pk__in=[r.pk for r in rs], sent_at=now, state=R.SENT
                        ).values_list("pk", flat=True)
                    )
                    rs = [r for r in rs if r.pk in fresh]
                title, body = reminder_text(s, now)
                path = reverse("livestreams:room", args=[sid])
                recipients = [users[r.user_id] for r in rs if r.user_id in users]
                notification_send(users=recipients, kind="session_reminder", title=title, body=body, url=path)
                email_queue(
                    recipients=recipients,
                    template="emails/session_reminder",
                    context=_reminder_context(s, now, settings.HUB_PUBLIC_URL.rstrip("/") + path),
                )
        return len(rows)


def _reminder_context(session: LiveSession, now: datetime, url: str) -> Callable[[], dict[str, Any]]:
    def context() -> dict[str, Any]:  # called in each recipient language
        title, body = reminder_text(session, now)
        return {"title": title, "body": body, "url": url}

    return context


def reminders_send_due(
    *, now: datetime | None = None, batch_size: int | None = None, max_batches: int = 50
) -> int:
    """Send what is due, batch after batch (each its own transaction). Returns how many rows were settled."""
    batch_size = batch_size or settings.HUB_REMINDER_BATCH_SIZE
    total = 0
    for _i in range(max_batches):
        n = _send_batch(now or timezone.now(), batch_size)
        total += n
        if n < batch_size:
            break
    return total
