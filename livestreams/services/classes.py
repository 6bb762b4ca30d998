"""Writes of the Party-class area: schedule (with recurrence), edit, cancel, replay link, cover images.

Every change that the audience must know about notifies it in-app inside the same transaction (so a failed
change notifies nobody) and emails it through the outbox (hub.emails), written in that same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.rrule import MONTHLY, WEEKLY, rrule
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override

from hub.emails import email_queue
from hub.images import COVER_BOX, image_process
from hub.models import User
from hub.services import notification_send
from livestreams.models import (
    ClassSeries,
    LiveSession,
    PartyClass,
    Reminder,
    SessionAudience,
)
from livestreams.selectors.classes import audience_users
from livestreams.services.sessions import session_cancel
from partyorgs.models import Alliance, Expert, PartyMember, PartyOrganization, Venue
from partyorgs.permissions import get_scope

S = LiveSession.Status
MAX_OCCURRENCES = 60
MAX_DURATION = timedelta(hours=12)
SIGNIN_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud in a class


@dataclass
class ClassDetails:
    """What an organizer fills in for a class; the form builds it, the services check and store it."""

    title: str
    class_kind: str
    host_organization: PartyOrganization
    starts_at: datetime
    ends_at: datetime
    audience_orgs: list[PartyOrganization] = field(default_factory=list)  # with their subtrees
    audience_orgs_only: list[PartyOrganization] = field(default_factory=list)  # without
    audience_alliance: Alliance | None = None
    lecturer_member: PartyMember | None = None
    lecturer_expert: Expert | None = None
    venue: Venue | None = None
    description: str = ""
    playback: str = LiveSession.Playback.HUB
    external_url: str = ""
    visibility: str = LiveSession.Visibility.AUDIENCE
    reminder_offsets: list[int] = field(default_factory=lambda: list(settings.HUB_REMINDER_OFFSETS))
    attendance_threshold: int = 60
    makeup_days: int = 14
    use_signin_code: bool = False
    cover: ContentFile[bytes] | None = None


@dataclass
class Recurrence:
    frequency: str  # ClassSeries.Frequency
    until: date


# --- Checks ------------------------------------------------------------------------------------


def class_scope_check(*, user: User, details: ClassDetails) -> None:
    """The host and every audience organization must be inside the organizer's subtrees; an alliance must be
    led by one of them. Raises PermissionDenied (the views only offer what is in scope)."""
    scope = get_scope(user)
    orgs = [details.host_organization, *details.audience_orgs, *details.audience_orgs_only]
    if any(not scope.manages_org_path(o.path) for o in orgs):
        raise PermissionDenied(_("You can only schedule classes for organizations you manage."))
    if details.audience_alliance is not None:
        lead = details.audience_alliance.lead_organization
        if not scope.manages_org_path(lead.path):
            raise PermissionDenied(_("You can only invite an alliance that your organization leads."))


def expand_recurrence(
    *, starts_at: datetime, ends_at: datetime, frequency: str, until: date
) -> list[tuple[datetime, datetime]]:
    """The occurrences of a class, first one included, repeating weekly or monthly through `until`.

    Expanded on local wall-clock times (a 19:30 class stays at 19:30); a monthly class on the 31st skips
    months without one, as calendars do (RFC 5545)."""
    tz = timezone.get_default_timezone()
    local_start = timezone.localtime(starts_at, tz).replace(tzinfo=None)
    if until < local_start.date():
        raise ValidationError({"until": _("The repeat end date is before the first class.")})
    duration = ends_at - starts_at
    frequencies: dict[str, int] = {
        ClassSeries.Frequency.WEEKLY: WEEKLY,
        ClassSeries.Frequency.MONTHLY: MONTHLY,
    }
    freq = frequencies.get(frequency)
    if freq is None:
        raise ValidationError({"frequency": _("Choose weekly or monthly.")})
    rule = rrule(freq, dtstart=local_start, until=datetime.combine(until, time.max))
    starts = []
    for dt in rule:
        starts.append(dt)
        if len(starts) > MAX_OCCURRENCES:
            raise ValidationError(
                {
                    "until": _("That makes more than %(n)s classes; choose an earlier end date.")
                    % {"n": MAX_OCCURRENCES}
                }
            )
    return [(timezone.make_aware(s, tz), timezone.make_aware(s, tz) + duration) for s in starts]


def cover_image_process(upload: UploadedFile[bytes]) -> ContentFile[bytes]:
    """A cover as every user image is kept (hub.images): checked, upright, resized, without metadata."""
    return image_process(upload, box=COVER_BOX, max_bytes=settings.HUB_COVER_MAX_BYTES)


def _signin_code() -> str:
    return "".join(secrets.choice(SIGNIN_ALPHABET) for _ in range(6))


# --- Notifications ---------------------------------------------------------------------------


def _when(session: LiveSession) -> str:
    start = timezone.localtime(session.starts_at)
    end = timezone.localtime(session.ends_at)
    return f"{date_format(start, 'Y-m-d H:i')}–{date_format(end, 'H:i')}"


def _notify_audience(
    *, sessions: list[LiveSession], change: str, extra_users: Iterable[User] = (), reason: str = ""
) -> None:
    """In-app notices and outbox emails to the audience in the same transaction; both go out on commit."""
    if not sessions:
        return
    first = sessions[0]
    users = {u.pk: u for u in audience_users(first).only("id", "email", "is_active", "language")}
    for u in extra_users:
        users.setdefault(u.pk, u)
    if not users:
        return
    with override(settings.LANGUAGE_CODE):
        title, body = class_change_text(first, change, count=len(sessions), reason=reason)
    url = reverse("classes:detail", args=[first.pk])
    notification_send(users=list(users.values()), kind=f"class_{change}", title=title, body=body, url=url)

    def context() -> dict[str, Any]:  # called in each recipient language
        title, body = class_change_text(first, change, count=len(sessions), reason=reason)
        return {"title": title, "body": body, "url": settings.HUB_PUBLIC_URL.rstrip("/") + url}

    email_queue(recipients=users.values(), template="emails/class_change", context=context)


def class_change_text(
    session: LiveSession, change: str, *, count: int = 1, reason: str = ""
) -> tuple[str, str]:
    """(title, body) of a notice about a class, in the active language."""
    args = {"title": session.title, "when": _when(session), "n": count}
    if change == "scheduled":
        title = _("New class: %(title)s") % args
        body = _("%(when)s.") % args
        if count > 1:
            body = _("%(when)s, first of %(n)s classes.") % args
    elif change == "moved":
        title = _("Class moved: %(title)s") % args
        body = _("It now takes place %(when)s.") % args
    elif change == "cancelled":
        title = _("Class cancelled: %(title)s") % args
        body = _("The class of %(when)s will not take place.") % args
        if count > 1:
            body = _("This class and the following %(m)s of its series will not take place.") % {
                "m": count - 1
            }
        if reason:
            body += " " + _("Reason: %(reason)s") % {"reason": reason}
    else:
        title = _("Class updated: %(title)s") % args
        body = _("%(when)s. The details of the class have changed.") % args
    return title, body


# --- Schedule, edit, cancel -------------------------------------------------------------------


def _set_audience(session: LiveSession, details: ClassDetails) -> None:
    SessionAudience.objects.filter(session=session).delete()
    rows = [
        SessionAudience(session=session, organization=o, include_subtree=True) for o in details.audience_orgs
    ]
    seen = {o.pk for o in details.audience_orgs}
    rows += [
        SessionAudience(session=session, organization=o, include_subtree=False)
        for o in details.audience_orgs_only
        if o.pk not in seen
    ]
    SessionAudience.objects.bulk_create(rows)


def _apply(session: LiveSession, pc: PartyClass, details: ClassDetails) -> None:
    session.title = details.title.strip()
    session.description = details.description
    session.host_organization = details.host_organization
    session.region = details.host_organization.region
    session.starts_at = details.starts_at
    session.ends_at = details.ends_at
    session.visibility = details.visibility
    session.playback = details.playback
    session.external_url = details.external_url if details.playback == LiveSession.Playback.EXTERNAL else ""
    session.audience_alliance = details.audience_alliance
    pc.class_kind = details.class_kind
    pc.lecturer_member = details.lecturer_member
    pc.lecturer_expert = details.lecturer_expert
    pc.venue = details.venue
    pc.attendance_threshold = details.attendance_threshold
    pc.makeup_days = details.makeup_days
    pc.reminder_offsets = sorted({int(m) for m in details.reminder_offsets}, reverse=True)
    if details.use_signin_code and not pc.signin_code:
        pc.signin_code = _signin_code()
    elif not details.use_signin_code:
        pc.signin_code = ""


def _check_details(details: ClassDetails) -> None:
    if not details.audience_orgs and not details.audience_orgs_only and details.audience_alliance is None:
        raise ValidationError(_("Choose who the class is for: at least one organization or the alliance."))
    if details.ends_at - details.starts_at > MAX_DURATION:
        raise ValidationError(_("A class lasts at most 12 hours."))
    if details.lecturer_member is not None and details.lecturer_expert is not None:
        raise ValidationError(_("Choose one lecturer: a member or an expert."))


@transaction.atomic
def party_class_schedule(
    *, user: User, details: ClassDetails, recurrence: Recurrence | None = None
) -> list[PartyClass]:
    """Create a class, or every occurrence of a recurring one, notify the audience and arm the reminders."""
    from livestreams.services.reminders import reminders_arm

    class_scope_check(user=user, details=details)
    _check_details(details)
    if recurrence is not None:
        occurrences = expand_recurrence(
            starts_at=details.starts_at,
            ends_at=details.ends_at,
            frequency=recurrence.frequency,
            until=recurrence.until,
        )
        series = ClassSeries(frequency=recurrence.frequency, until=recurrence.until, created_by=user)
        series.full_clean()
        series.save()
    else:
        occurrences, series = [(details.starts_at, details.ends_at)], None
    cover_name = ""
    if details.cover is not None:
        assert details.cover.name  # cover_image_process names every copy
        # One stored copy, shared by every occurrence. The stubs want a model instance, but Django needs one
        # only for a callable upload_to; the cover's is a string.
        cover_name = LiveSession._meta.get_field("cover").generate_filename(None, details.cover.name)  # type: ignore[arg-type]
        from django.core.files.storage import default_storage

        cover_name = default_storage.save(cover_name, details.cover)
    created = []
    for start, end in occurrences:
        session = LiveSession(kind=LiveSession.Kind.PARTY_CLASS, status=S.SCHEDULED, created_by=user)
        pc = PartyClass(series=series)
        _apply(session, pc, details)
        session.starts_at, session.ends_at = start, end
        if cover_name:
            session.cover.name = cover_name
        session.full_clean()
        session.save()
        _set_audience(session, details)
        pc.session = session
        pc.full_clean()
        pc.save()
        created.append(pc)
    sessions = [pc.session for pc in created]
    _notify_audience(sessions=sessions, change="scheduled")
    reminders_arm(session_ids=[s.pk for s in sessions])
    return created


@transaction.atomic
def party_class_update(*, user: User, party_class: PartyClass, details: ClassDetails) -> PartyClass:
    """Edit a class that has not started. Moving it re-arms its reminders; the audience (old and new) is told."""
    from livestreams.services.reminders import reminders_arm

    session = LiveSession.objects.select_for_update().get(pk=party_class.session_id)
    if session.status not in (S.DRAFT, S.SCHEDULED):
        raise ValidationError(_("Only a class that has not started can be edited."))
    class_scope_check(user=user, details=details)
    _check_details(details)
    pc = PartyClass.objects.get(pk=session.pk)
    before_users = list(audience_users(session).only("id", "email", "is_active", "language"))
    moved = (session.starts_at, session.ends_at) != (details.starts_at, details.ends_at)
    _apply(session, pc, details)
    if details.cover is not None:
        assert details.cover.name  # cover_image_process names every copy
        session.cover.save(details.cover.name, details.cover, save=False)
    session.full_clean()
    session.save()
    _set_audience(session, details)
    pc.full_clean()
    pc.save()
    _notify_audience(sessions=[session], change="moved" if moved else "updated", extra_users=before_users)
    reminders_arm(session_ids=[session.pk])
    return pc


@transaction.atomic
def party_class_cancel(
    *,
    user: User,
    party_class: PartyClass,
    reason: str = "",
    following: bool = False,
    now: datetime | None = None,
) -> int:
    """Cancel a class (and, with following=True, the later occurrences of its series). Returns how many were
    cancelled: 0 when it already was, and then nobody is notified again."""
    now = now or timezone.now()
    reason = reason.strip()[:200]
    sessions = [party_class.session]
    if following and party_class.series_id:
        sessions = list(
            LiveSession.objects.filter(
                party_class__series_id=party_class.series_id, starts_at__gte=party_class.session.starts_at
            ).order_by("starts_at")
        )
    cancelled = [s for s in sessions if session_cancel(session_id=s.pk, now=now)]
    if not cancelled:
        return 0
    ids = [s.pk for s in cancelled]
    PartyClass.objects.filter(pk__in=ids).update(cancel_reason=reason)
    Reminder.objects.filter(session_id__in=ids, state=Reminder.State.PENDING).update(
        state=Reminder.State.CANCELLED
    )
    for s in cancelled:
        s.refresh_from_db()
    _notify_audience(sessions=cancelled, change="cancelled", reason=reason)
    return len(cancelled)


@transaction.atomic
def party_class_set_replay(*, user: User, party_class: PartyClass, replay_url: str) -> PartyClass:
    session = LiveSession.objects.select_for_update().get(pk=party_class.session_id)
    session.replay_url = replay_url.strip()
    session.full_clean()
    session.save(update_fields=["replay_url", "updated_at"])
    return party_class


@transaction.atomic
def class_start_notify(*, session_id: int, now: datetime | None = None) -> bool:
    """Tell the audience that a class has started, once: the first caller to set start_notified_at does it."""
    now = now or timezone.now()
    claimed = PartyClass.objects.filter(
        pk=session_id, start_notified_at__isnull=True, session__status=S.LIVE
    ).update(start_notified_at=now)
    if not claimed:
        return False
    session = LiveSession.objects.get(pk=session_id)
    users = list(audience_users(session).only("id"))
    if users:
        with override(settings.LANGUAGE_CODE):
            title = _("The class has started: %(title)s") % {"title": session.title}
            body = _("Join the live room now.")
        notification_send(
            users=users,
            kind="class_started",
            title=title,
            body=body,
            url=reverse("livestreams:room", args=[session_id]),
        )
    return True


def branches_behind_notify(*, today: date | None = None) -> int:
    """In the last month of a quarter, tell each organizer which of their branches have held no Party class
    yet (三会一课). Once per organizer and quarter: the organizer's role row is locked while we look for the
    notice already sent, so two runs at once send one. Returns how many organizers were told."""
    from hub.models import Notification
    from livestreams.selectors.classes import current_quarter
    from livestreams.selectors.meetings import branches_behind
    from partyorgs.models import Role

    today = today or timezone.localdate()
    if today.month % 3 != 0:
        return 0
    year, quarter = current_quarter(today)
    url = reverse("classes:records") + f"?year={year}&quarter={quarter}"
    told = 0
    for role_id, user_id in Role.objects.filter(kind=Role.Kind.ORGANIZER).values_list("pk", "user_id"):
        with transaction.atomic():
            role = Role.objects.select_for_update().select_related("user").filter(pk=role_id).first()
            if role is None or not role.user.is_active:
                continue
            if Notification.objects.filter(user_id=user_id, kind="branches_behind", url=url).exists():
                continue
            behind = branches_behind(role.user, year=year, quarter=quarter)
            if not behind:
                continue
            with override(settings.LANGUAGE_CODE):
                title = _("%(n)s branches have held no Party class this quarter") % {"n": len(behind)}
                body = "、".join(b.name for b in behind[:20])
            notification_send(users=[role.user], kind="branches_behind", title=title, body=body, url=url)
            told += 1
    return told
