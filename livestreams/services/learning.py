"""Writes of a class's learning side (issue 15): courseware, leave requests and make-up study by replay."""

from __future__ import annotations

import zipfile
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.models import User
from hub.services import notification_send
from livestreams.models import Attendance, Courseware, LeaveRequest, LiveSession, PartyClass, ReplayWatch
from livestreams.permissions import can_manage
from livestreams.selectors.classes import audience_members, session_window
from partyorgs.models import PartyMember

S = LiveSession.Status
K = Courseware.Kind
LR = LeaveRequest.State

# The largest gap between two replay pings that counts as watching (the player pings every 30 s).
PING_MAX_GAP_SECONDS = 45
COURSEWARE_EXTENSIONS = {K.PDF: ".pdf", K.PPTX: ".pptx", K.PPT: ".ppt"}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def courseware_kind(upload: UploadedFile[bytes]) -> str | None:
    """The file's type read from its bytes (never from its name or the browser's word): a PDF, a PowerPoint
    .pptx (a zip with ppt/presentation.xml) or .ppt (an OLE2 compound file); None for anything else."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return K.PDF
    if head == _OLE2:
        return K.PPT
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            upload.seek(0)
        if "ppt/presentation.xml" in names and "[Content_Types].xml" in names:
            return K.PPTX
    return None


def _require_manager(user: User, session: LiveSession) -> None:
    if not can_manage(user, session):
        raise PermissionDenied


@transaction.atomic
def courseware_add(
    *, user: User, session: LiveSession, upload: UploadedFile[bytes], title: str = ""
) -> Courseware:
    """Attach a PDF or PowerPoint file to a class. Checked by content and size; stored privately."""
    _require_manager(user, session)
    if session.status == S.CANCELLED:
        raise ValidationError(_("This class was cancelled."))
    limit = settings.HUB_COURSEWARE_MAX_MB * 1024 * 1024
    if not upload.size:
        raise ValidationError({"file": _("The file is empty.")})
    if upload.size > limit:
        raise ValidationError(
            {"file": _("The file is larger than %(mb)s MB.") % {"mb": settings.HUB_COURSEWARE_MAX_MB}}
        )
    kind = courseware_kind(upload)
    if kind is None:
        raise ValidationError({"file": _("Upload a PDF or a PowerPoint file (.pptx or .ppt).")})
    stem = (title or "").strip() or (upload.name or "").rsplit(".", 1)[0].strip() or _("Courseware")
    upload.name = f"file{COURSEWARE_EXTENSIONS[K(kind)]}"
    item = Courseware(
        session=session, title=stem[:120], file=upload, kind=kind, size=upload.size, uploaded_by=user
    )
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def courseware_remove(*, user: User, item: Courseware) -> None:
    _require_manager(user, item.session)
    name, storage = item.file.name, item.file.storage
    item.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- Leave (请假) -------------------------------------------------------------------------------------


@transaction.atomic
def leave_request(*, user: User, session: LiveSession, reason: str) -> LeaveRequest:
    """A member of the class's audience asks for leave, with a reason; asking again changes the reason of a
    request that still waits. The organizers (managers of the class) are notified."""
    reason = (reason or "").strip()
    member = PartyMember.objects.filter(user=user).first()
    if member is None or not audience_members(session).filter(pk=member.pk).exists():
        raise ValidationError(_("Only members in the class's audience can ask for leave."))
    if session.status in (S.ENDED, S.CANCELLED) or session.ends_at <= timezone.now():
        raise ValidationError(_("Leave can be asked for only before the class ends."))
    if not reason:
        raise ValidationError({"reason": _("Give the reason for your leave.")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("The reason is longer than 200 characters.")})
    existing = LeaveRequest.objects.select_for_update().filter(session=session, member=member).first()
    if existing is not None and existing.state != LR.PENDING:
        raise ValidationError(_("Your leave request has already been decided."))
    leave = existing or LeaveRequest(session=session, member=member)
    leave.reason = reason
    leave.full_clean()
    leave.save()
    managers = list(session.hosts.all())
    if session.created_by_id and session.created_by_id not in {u.pk for u in managers}:
        managers += list(User.objects.filter(pk=session.created_by_id, is_active=True))
    if managers:
        notification_send(
            users=managers,
            kind="leave_request",
            title=_("%(name)s asks for leave from %(title)s")
            % {"name": user.name or user.email, "title": session.title},
            body=reason,
            url=reverse("classes:attendance", args=[session.pk]),
        )
    return leave


@transaction.atomic
def leave_decide(
    *, user: User, leave: LeaveRequest, approve: bool, now: datetime | None = None
) -> LeaveRequest:
    """The organizer approves (the member is excused, with the reason) or declines a leave request."""
    now = now or timezone.now()
    _require_manager(user, leave.session)
    leave = (
        LeaveRequest.objects.select_for_update().select_related("session", "member__user").get(pk=leave.pk)
    )
    leave.state = LR.APPROVED if approve else LR.DECLINED
    leave.decided_by, leave.decided_at = user, now
    leave.full_clean()
    leave.save(update_fields=["state", "decided_by", "decided_at"])
    att, _created = Attendance.objects.get_or_create(session_id=leave.session_id, member=leave.member)
    att.excused = approve
    att.excuse_reason = (_("Leave: %(reason)s") % {"reason": leave.reason})[:200] if approve else ""
    att.save(update_fields=["excused", "excuse_reason"])
    notification_send(
        users=[leave.member.user],
        kind="leave_decided",
        title=(
            _("Your leave from %(title)s was approved")
            if approve
            else _("Your leave from %(title)s was declined")
        )
        % {"title": leave.session.title},
        url=reverse("classes:detail", args=[leave.session_id]),
    )
    return leave


# --- Make-up by replay (补学) -----------------------------------------------------------------------------


def makeup_deadline(session: LiveSession, party_class: PartyClass) -> datetime | None:
    """Until when watching the replay counts as make-up study; None when the class has none."""
    if party_class.makeup_days == 0:
        return None
    return (session.ended_at or session.ends_at) + timedelta(days=party_class.makeup_days)


@transaction.atomic
def replay_ping(*, user: User, session: LiveSession, now: datetime | None = None) -> ReplayWatch:
    """The replay player says it is playing. The server adds the time since the previous ping (at most
    PING_MAX_GAP_SECONDS, so a paused or closed page adds nothing), and marks the make-up done once the time
    watched reaches the class's attendance threshold within the make-up period."""
    now = now or timezone.now()
    if session.status != S.ENDED:
        raise ValidationError(_("The replay is watched after the class has ended."))
    watch, _created = ReplayWatch.objects.select_for_update().get_or_create(session=session, user=user)
    if watch.last_ping_at is not None:
        gap = (now - watch.last_ping_at).total_seconds()
        if 0 < gap <= PING_MAX_GAP_SECONDS:
            watch.seconds += round(gap)
    watch.last_ping_at = now
    pc = PartyClass.objects.filter(pk=session.pk).first()
    if watch.made_up_at is None and pc is not None:
        deadline = makeup_deadline(session, pc)
        start, end = session_window(session)
        length = max((end - start).total_seconds(), 1)
        if (
            deadline is not None
            and now <= deadline
            and watch.seconds * 100 >= pc.attendance_threshold * length
        ):
            watch.made_up_at = now
    watch.save()
    return watch
