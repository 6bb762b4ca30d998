"""Writes of the 三会一课 records: a meeting's record (offline, or for a livestreamed class), its minutes,
the attendance of an offline meeting (entered, or signed in with the meeting's QR code), photos and
attachments, the validity rules of a subdistrict, a branch's annual plan, and the reminders before a
quarter ends."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from hub.emails import email_queue
from hub.models import User
from hub.services import notification_send
from hub.storage import random_name
from livestreams.models import (
    LiveSession,
    MeetingAttachment,
    MeetingAttendee,
    MeetingPhoto,
    MeetingPlan,
    MeetingPlanReminder,
    MeetingRecord,
    MeetingRule,
    PartyClass,
)
from livestreams.models.meetings import RECORD_KINDS
from livestreams.selectors.classes import current_quarter, quarter_bounds, session_window
from livestreams.selectors.meetings import (
    LEDGER_KINDS,
    branch_ledger,
    meeting_roster,
    organizers_of,
    signin_token_valid,
)
from partyorgs.models import PartyMember, PartyOrganization, Region
from partyorgs.permissions import get_scope

MAX_PHOTOS = 30
MAX_ATTACHMENTS = 30
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENT_EXTENSIONS = {
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".txt",
    ".jpg",
    ".jpeg",
    ".png",
}
State = MeetingAttendee.State
logger = logging.getLogger(__name__)


def _require_manager(user: User, org: PartyOrganization) -> None:
    if not get_scope(user).manages_org_path(org.path):
        raise PermissionDenied


def _stamp_minutes(record: MeetingRecord, minutes: str) -> None:
    minutes = minutes.strip()
    if minutes and minutes != record.minutes:
        record.minutes_written_at = timezone.now()
    if not minutes:
        record.minutes_written_at = None
    record.minutes = minutes


@transaction.atomic
def meeting_record_create(
    *,
    user: User,
    organization: PartyOrganization,
    kind: str,
    topic: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    host_name: str,
    recorder_name: str,
    minutes: str = "",
    resolutions: str = "",
) -> MeetingRecord:
    """The record of an offline meeting (no livestream)."""
    _require_manager(user, organization)
    if kind not in RECORD_KINDS:
        raise ValidationError({"kind": _("Choose one of the kinds of 三会一课 or the themed Party day.")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The meeting must end after it starts.")})
    record = MeetingRecord(
        organization=organization,
        region_id=organization.region_id,
        kind=kind,
        topic=topic.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip(),
        host_name=host_name.strip(),
        recorder_name=recorder_name.strip(),
        resolutions=resolutions.strip(),
        created_by=user,
    )
    _stamp_minutes(record, minutes)
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def meeting_record_for_session(*, user: User, session: LiveSession) -> MeetingRecord:
    """The record of a livestreamed meeting, made on first use from the class (topic, place, times)."""
    existing = MeetingRecord.objects.filter(session=session).first()
    if existing is not None:
        return existing
    pc = PartyClass.objects.select_related("venue").filter(session=session).first()
    if pc is None or pc.class_kind not in RECORD_KINDS or session.host_organization is None:
        raise ValidationError(_("Only 三会一课 meetings and themed Party days have a meeting record."))
    _require_manager(user, session.host_organization)
    start, end = session_window(session)
    record = MeetingRecord(
        organization=session.host_organization,
        region_id=session.host_organization.region_id,
        session=session,
        kind=pc.class_kind,
        topic=session.title,
        starts_at=start,
        ends_at=end,
        place=pc.venue.name if pc.venue else _("Online (Red Livestream)"),
        host_name=user.name if hasattr(user, "name") else "",
        created_by=user,
    )
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def meeting_record_update(
    *,
    user: User,
    record: MeetingRecord,
    topic: str,
    place: str,
    host_name: str,
    recorder_name: str,
    minutes: str,
    resolutions: str,
    kind: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> MeetingRecord:
    """Write the minutes and the details. Kind and times change only for an offline meeting: a livestreamed
    one takes them from its class."""
    _require_manager(user, record.organization)
    record.topic, record.place = topic.strip(), place.strip()
    record.host_name, record.recorder_name = host_name.strip(), recorder_name.strip()
    record.resolutions = resolutions.strip()
    _stamp_minutes(record, minutes)
    if record.session_id is None:
        if kind is not None:
            if kind not in RECORD_KINDS:
                raise ValidationError(
                    {"kind": _("Choose one of the kinds of 三会一课 or the themed Party day.")}
                )
            record.kind = kind
        if starts_at is not None and ends_at is not None:
            if ends_at <= starts_at:
                raise ValidationError({"ends_at": _("The meeting must end after it starts.")})
            record.starts_at, record.ends_at = starts_at, ends_at
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def meeting_attendance_save(
    *, user: User, record: MeetingRecord, entries: Iterable[tuple[int, str, str]]
) -> int:
    """Who attended an offline meeting: (member id, state, reason) per member of its roster; an empty state
    takes the member off the list (not expected). Sign-ins are kept. Returns the number of members listed."""
    _require_manager(user, record.organization)
    if record.session_id is not None:
        raise ValidationError(_("A livestreamed meeting takes its attendance from the live room."))
    roster = set(meeting_roster(record).values_list("pk", flat=True))
    existing = {a.member_id: a for a in MeetingAttendee.objects.filter(record=record)}
    listed = 0
    for member_id, state, reason in entries:
        if member_id not in roster:
            raise ValidationError(_("That member is not in this meeting's organization."))
        reason = reason.strip()
        if state and state not in State.values:
            raise ValidationError(_("Choose attended, excused or absent."))
        if state == State.EXCUSED and not reason:
            raise ValidationError(_("Give the reason for each excused member."))
        row = existing.get(member_id)
        if not state:
            if row is not None:
                row.delete()
            continue
        listed += 1
        if row is None:
            row = MeetingAttendee(record=record, member_id=member_id)
        row.state, row.reason = state, reason if state == State.EXCUSED else ""
        row.full_clean()
        row.save()
    return listed


@transaction.atomic
def meeting_sign_in(*, user: User, record: MeetingRecord, token: str, now: datetime | None = None) -> bool:
    """A member signs in at an offline meeting with its QR code. True when this call signed them in."""
    now = now or timezone.now()
    if record.session_id is not None or not signin_token_valid(record, token):
        raise ValidationError(
            _("This sign-in code is not valid any more. Ask for the meeting's current code.")
        )
    member = PartyMember.objects.filter(user=user, branch__path__startswith=record.organization.path).first()
    if member is None:
        raise ValidationError(_("Only members of the meeting's organization sign in to it."))
    if now < record.starts_at - timedelta(hours=1) or now > record.ends_at + timedelta(hours=1):
        raise ValidationError(_("You can sign in only around the time of the meeting."))
    row, created = MeetingAttendee.objects.get_or_create(
        record=record, member=member, defaults={"state": State.ATTENDED, "signed_in_at": now}
    )
    if created:
        return True
    if row.signed_in_at is not None:
        return False
    return bool(
        MeetingAttendee.objects.filter(pk=row.pk, signed_in_at__isnull=True).update(
            signed_in_at=now, state=State.ATTENDED, reason=""
        )
    )


@transaction.atomic
def meeting_photo_add(*, user: User, record: MeetingRecord, image: ContentFile[bytes]) -> MeetingPhoto:
    """A photo already checked and re-encoded by hub.images (ImageUploadField)."""
    _require_manager(user, record.organization)
    if MeetingPhoto.objects.filter(record=record).count() >= MAX_PHOTOS:
        raise ValidationError(_("A meeting keeps at most %(n)s photos.") % {"n": MAX_PHOTOS})
    photo = MeetingPhoto(record=record, uploaded_by=user)
    photo.image.save(image.name or "photo.jpg", image, save=False)  # hub.images named it at random
    photo.full_clean()
    photo.save()
    return photo


@transaction.atomic
def meeting_attachment_add(
    *, user: User, record: MeetingRecord, upload: UploadedFile[bytes]
) -> MeetingAttachment:
    """A document of the meeting in the private storage, under a random name; its own name is kept to show."""
    _require_manager(user, record.organization)
    name = Path(upload.name or "").name[:200]
    if Path(name).suffix.lower() not in ATTACHMENT_EXTENSIONS:
        raise ValidationError({"file": _("Attach a PDF, Word, Excel, PowerPoint, text or picture file.")})
    size = upload.size or 0
    if size > ATTACHMENT_MAX_BYTES or size == 0:
        raise ValidationError({"file": _("An attachment must be between 1 byte and 20 MB.")})
    if MeetingAttachment.objects.filter(record=record).count() >= MAX_ATTACHMENTS:
        raise ValidationError(_("A meeting keeps at most %(n)s attachments.") % {"n": MAX_ATTACHMENTS})
    att = MeetingAttachment(record=record, name=name, size=size, uploaded_by=user)
    att.file.save(random_name("f", name).split("/", 1)[1], upload, save=False)
    att.full_clean()
    att.save()
    return att


def _remove_with_file(*, user: User, item: MeetingPhoto | MeetingAttachment, field: str) -> bool:
    """Take a photo or an attachment off its record: the row now, its file once the removal is committed (a
    removal rolled back keeps its file). False when it had already gone (a second click, another tab)."""
    record = item.record
    _require_manager(user, record.organization)
    # Locked, so that two removals at once delete (and announce) once.
    row = type(item).objects.select_for_update().filter(pk=item.pk, record=record).first()
    if row is None:
        return False
    file = getattr(row, field)
    name, storage = file.name, file.storage
    row.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
    # Meeting records keep no audit table; the log says who took what off which record.
    logger.info(
        "meeting record %s: %s %s (%s) removed by user %s",
        record.pk,
        type(row).__name__,
        item.pk,
        name,
        user.pk,
    )
    return True


@transaction.atomic
def meeting_photo_remove(*, user: User, photo: MeetingPhoto) -> bool:
    """A photo uploaded by mistake, removed by a manager of the record (as for adding one)."""
    return _remove_with_file(user=user, item=photo, field="image")


@transaction.atomic
def meeting_attachment_remove(*, user: User, attachment: MeetingAttachment) -> bool:
    """An attachment uploaded by mistake, removed by a manager of the record (as for adding one)."""
    return _remove_with_file(user=user, item=attachment, field="file")


@transaction.atomic
def meeting_rule_save(
    *, user: User, region: Region, min_minutes: int, min_attendance_percent: int, minutes_required: bool
) -> MeetingRule:
    """A subdistrict's (or district's) rules for what counts as held."""
    if not (get_scope(user).is_staff or region.pk in rule_regions_of(user)):
        raise PermissionDenied
    rule = MeetingRule.objects.select_for_update().filter(region=region).first() or MeetingRule(region=region)
    rule.min_minutes = min_minutes
    rule.min_attendance_percent = min_attendance_percent
    rule.minutes_required = minutes_required
    rule.updated_by = user
    rule.full_clean()
    rule.save()
    return rule


def rule_regions_of(user: User) -> set[int]:
    """The regions whose rules a user sets: those of the top organizations (党工委) they manage."""
    scope = get_scope(user)
    if scope.is_staff:
        return set(Region.objects.values_list("pk", flat=True))
    return set(
        PartyOrganization.objects.filter(pk__in=scope.organizer_org_ids, depth=1).values_list(
            "region_id", flat=True
        )
    )


@transaction.atomic
def meeting_plan_save(
    *, user: User, organization: PartyOrganization, year: int, quarters: dict[str, list[int]]
) -> list[MeetingPlan]:
    """A branch's plan for the year: per kind, how many meetings in each quarter."""
    _require_manager(user, organization)
    if organization.kind != PartyOrganization.Kind.BRANCH:
        raise ValidationError(_("Plans are kept per branch."))
    saved = []
    for kind in LEDGER_KINDS:
        counts = quarters.get(kind)
        if counts is None:
            continue
        if len(counts) != 4 or any(n < 0 or n > 99 for n in counts):
            raise ValidationError(_("Each quarter's number must be between 0 and 99."))
        plan = MeetingPlan.objects.filter(
            organization=organization, year=year, kind=kind
        ).first() or MeetingPlan(organization=organization, year=year, kind=kind)
        plan.q1, plan.q2, plan.q3, plan.q4 = counts
        plan.updated_by = user
        plan.full_clean()
        plan.save()
        saved.append(plan)
    return saved


def _behind_text(branch: PartyOrganization, shortfall: int, year: int, quarter: int) -> tuple[str, str]:
    title = _("%(branch)s is %(n)s meetings short of its plan for %(year)s Q%(q)s") % {
        "branch": branch.name,
        "n": shortfall,
        "year": year,
        "q": quarter,
    }
    body = _("Hold and record the meetings (with their minutes) before the quarter ends.")
    return title, body


def meeting_plan_remind(*, today: date | None = None, days_before: int | None = None) -> int:
    """In the last weeks of a quarter, remind the organizers of each branch short of its plan, once per branch
    and quarter (a unique MeetingPlanReminder row: two runs at once remind once). Returns branches reminded."""
    today = today or timezone.localdate()
    days = settings.HUB_MEETING_REMINDER_DAYS if days_before is None else days_before
    year, quarter = current_quarter(today)
    _start, end = quarter_bounds(year, quarter)
    if (end.date() - today).days > days:
        return 0
    branches = PartyOrganization.objects.filter(kind=PartyOrganization.Kind.BRANCH).order_by("path")
    done = set(
        MeetingPlanReminder.objects.filter(year=year, quarter=quarter).values_list(
            "organization_id", flat=True
        )
    )
    behind = [
        r
        for r in branch_ledger(branches=branches.exclude(pk__in=done), year=year, quarter=quarter)
        if r.shortfall > 0 and r.members > 0
    ]
    reminded = 0
    for r in behind:
        reminded += _remind_branch(r.branch, r.shortfall, year, quarter)
    return reminded


@transaction.atomic
def _remind_branch(branch: PartyOrganization, shortfall: int, year: int, quarter: int) -> int:
    _row, created = MeetingPlanReminder.objects.get_or_create(organization=branch, year=year, quarter=quarter)
    if not created:
        return 0
    users = list(organizers_of(branch))
    if not users:
        return 1
    url = reverse("classes:plan", args=[branch.pk]) + f"?year={year}"
    with override(settings.LANGUAGE_CODE):
        title, body = _behind_text(branch, shortfall, year, quarter)
    notification_send(users=users, kind="meeting_plan_behind", title=title, body=body, url=url)

    def context() -> dict[str, Any]:
        t, b = _behind_text(branch, shortfall, year, quarter)
        return {"title": t, "body": b, "url": settings.HUB_PUBLIC_URL.rstrip("/") + url}

    email_queue(recipients=users, template="emails/meeting_plan_behind", context=context)
    return 1
