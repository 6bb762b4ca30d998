"""Pages of the meeting records (三会一课台账): a branch's meetings in a quarter, one meeting's record (details,
minutes, attendance, photos, attachments, its printable page, the sign-in QR code of an offline meeting), the
validity rules, and a branch's annual plan. Thin: parse, authorize, call, render."""

from __future__ import annotations

import mimetypes

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hub.forms_utils import form_add_service_errors
from livestreams.forms.classes import LedgerForm
from livestreams.forms.meetings import (
    AttachmentForm,
    AttendanceForm,
    MeetingRecordForm,
    PhotoForm,
    PlanForm,
    RuleForm,
    YearForm,
)
from livestreams.models import MeetingAttachment, MeetingPhoto, MeetingRule
from livestreams.permissions import get_session_for_user
from livestreams.selectors.classes import current_quarter
from livestreams.selectors.meetings import (
    branch_ledger,
    branch_plan,
    ledger_branches,
    meeting_attendees,
    meeting_names,
    meeting_of_record,
    meeting_record_get_for_user,
    rules_for_regions,
    signin_token,
)
from livestreams.services.meetings import (
    meeting_attachment_add,
    meeting_attachment_remove,
    meeting_attendance_save,
    meeting_photo_add,
    meeting_photo_remove,
    meeting_plan_save,
    meeting_record_create,
    meeting_record_for_session,
    meeting_record_update,
    meeting_rule_save,
    meeting_sign_in,
    rule_regions_of,
)
from partyorgs.models import PartyOrganization, Region
from partyorgs.permissions import get_scope, role_required


def _ledger_branch(user, pk: int) -> PartyOrganization:
    branch = ledger_branches(user).filter(pk=pk).first()
    if branch is None:
        raise Http404
    return branch


def _quarter(request) -> tuple[int, int]:
    form = LedgerForm(request.GET or None)
    year, quarter = current_quarter()
    if form.is_bound:
        if form.is_valid():
            year = form.cleaned_data["year"] or year
            quarter = form.cleaned_data["quarter"] or quarter
        else:
            messages.error(request, _("That year or quarter is not valid; showing this quarter."))
    return year, quarter


@role_required("organizer", "official", "staff")
def branch_meetings(request, pk: int):
    """One branch's meetings of a quarter, each with its record, counted or not and why."""
    branch = _ledger_branch(request.user, pk)
    year, quarter = _quarter(request)
    record = branch_ledger(branches=[branch], year=year, quarter=quarter)[0]
    scope = get_scope(request.user)
    return render(
        request,
        "livestreams/meetings/branch.html",
        {
            "branch": branch,
            "r": record,
            "year": year,
            "quarter": quarter,
            "form": LedgerForm(initial={"year": year, "quarter": quarter}),
            "can_manage": scope.manages_org_path(branch.path),
            "rules": rules_for_regions([branch.region_id])[branch.region_id],
        },
    )


# --- One record -----------------------------------------------------------------------------------


@role_required("organizer", "staff")
def record_new(request):
    form = MeetingRecordForm(request.POST or None, user=request.user)
    if request.method == "GET" and request.GET.get("organization", "").isdigit():
        form = MeetingRecordForm(
            initial={"organization": int(request.GET["organization"])}, user=request.user
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = meeting_record_create(user=request.user, **data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Meeting recorded. Now list who attended and add photos."))
            return redirect("classes:meeting", pk=record.pk)
    return render(request, "livestreams/meetings/form.html", {"form": form, "record": None})


@login_required
def record_for_class(request, pk: int):
    """A livestreamed meeting's record: the existing one, or (POST, managers) a new one from the class."""
    session, can_manage = get_session_for_user(request.user, pk)
    scope = get_scope(request.user)
    if not (can_manage or scope.is_staff or session.region_id in scope.region_ids):
        raise PermissionDenied  # may watch the class, not read its records
    record = getattr(session, "meeting_record", None)
    if record is not None:
        return redirect("classes:meeting", pk=record.pk)
    if not can_manage:
        raise PermissionDenied
    if request.method == "POST":
        try:
            record = meeting_record_for_session(user=request.user, session=session)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("classes:detail", pk=pk)
        return redirect("classes:meeting_edit", pk=record.pk)
    return render(request, "livestreams/meetings/start.html", {"session": session})


def _record_context(request, record, can_manage: bool) -> dict:
    meeting = meeting_of_record(record)
    names = meeting_names([meeting])
    context = {
        "record": record,
        "meeting": meeting,
        "can_manage": can_manage,
        "names": names[("s", record.session_id) if record.session_id else ("r", record.pk)],
        "photos": list(record.photos.all()),
        "attachments": list(record.attachments.all()),
        "rules": rules_for_regions([record.region_id])[record.region_id],
    }
    if record.session_id is None and can_manage:
        url = request.build_absolute_uri(
            reverse("classes:meeting_sign_in", args=[record.pk, signin_token(record)])
        )
        context["signin_url"] = url
        context["signin_qr"] = segno.make(url, error="m").svg_inline(scale=4, title=_("Sign-in QR code"))
    return context


@login_required
def record_detail(request, pk: int):
    record, can_manage = meeting_record_get_for_user(request.user, pk)
    context = _record_context(request, record, can_manage)
    context["photo_form"] = PhotoForm() if can_manage else None
    context["attachment_form"] = AttachmentForm() if can_manage else None
    return render(request, "livestreams/meetings/detail.html", context)


@login_required
def record_print(request, pk: int):
    record, can_manage = meeting_record_get_for_user(request.user, pk)
    context = _record_context(request, record, False)
    context["printed_at"] = timezone.now()
    return render(request, "livestreams/meetings/print.html", context)


def _managed_record(user, pk: int):
    record, can_manage = meeting_record_get_for_user(user, pk)
    if not can_manage:
        raise PermissionDenied
    return record


@login_required
def record_edit(request, pk: int):
    record = _managed_record(request.user, pk)
    initial = {
        "kind": record.kind,
        "topic": record.topic,
        "starts_at": timezone.localtime(record.starts_at),
        "ends_at": timezone.localtime(record.ends_at),
        "place": record.place,
        "host_name": record.host_name,
        "recorder_name": record.recorder_name,
        "minutes": record.minutes,
        "resolutions": record.resolutions,
    }
    form = MeetingRecordForm(request.POST or None, initial=initial, record=record)
    if request.method == "POST" and form.is_valid():
        try:
            meeting_record_update(user=request.user, record=record, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Record saved."))
            return redirect("classes:meeting", pk=record.pk)
    return render(request, "livestreams/meetings/form.html", {"form": form, "record": record})


@login_required
def record_attendance(request, pk: int):
    record = _managed_record(request.user, pk)
    if record.session_id is not None:
        return redirect("classes:attendance", pk=record.session_id)
    rows = meeting_attendees(record)
    form = AttendanceForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            n = meeting_attendance_save(user=request.user, record=record, entries=form.entries())
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Attendance saved: %(n)s members listed.") % {"n": n})
            return redirect("classes:meeting", pk=record.pk)
    return render(request, "livestreams/meetings/attendance.html", {"record": record, "form": form})


@login_required
@require_POST
def photo_add(request, pk: int):
    record = _managed_record(request.user, pk)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            meeting_photo_add(user=request.user, record=record, image=form.cleaned_data["photo"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Photo added."))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("classes:meeting", pk=record.pk)


@login_required
@require_POST
def attachment_add(request, pk: int):
    record = _managed_record(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            meeting_attachment_add(user=request.user, record=record, upload=form.cleaned_data["file"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Attachment added."))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("classes:meeting", pk=record.pk)


@login_required
@require_POST
def photo_remove(request, pk: int, photo_pk: int):
    """The photo's delete button (confirmed in the page): the managers of the record, as for adding one."""
    record = _managed_record(request.user, pk)
    photo = MeetingPhoto.objects.filter(record=record, pk=photo_pk).first()
    if photo is None:
        raise Http404
    if meeting_photo_remove(user=request.user, photo=photo):
        messages.success(request, _("Photo removed."))
    else:
        messages.info(request, _("That photo had already been removed."))
    return redirect(reverse("classes:meeting", args=[record.pk]) + "#photos")


@login_required
@require_POST
def attachment_remove(request, pk: int, att_pk: int):
    """The attachment's delete button (confirmed in the page): the managers of the record."""
    record = _managed_record(request.user, pk)
    att = MeetingAttachment.objects.filter(record=record, pk=att_pk).first()
    if att is None:
        raise Http404
    if meeting_attachment_remove(user=request.user, attachment=att):
        messages.success(request, _("Attachment %(name)s removed.") % {"name": att.name})
    else:
        messages.info(request, _("That attachment had already been removed."))
    return redirect(reverse("classes:meeting", args=[record.pk]) + "#attachments")


@login_required
def photo_file(request, pk: int, photo_pk: int):
    record, _can_manage = meeting_record_get_for_user(request.user, pk)
    photo = MeetingPhoto.objects.filter(record=record, pk=photo_pk).first()
    if photo is None:
        raise Http404
    resp = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    resp["Cache-Control"] = "private, max-age=3600"
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


@login_required
def attachment_file(request, pk: int, att_pk: int):
    record, _can_manage = meeting_record_get_for_user(request.user, pk)
    att = MeetingAttachment.objects.filter(record=record, pk=att_pk).first()
    if att is None:
        raise Http404
    content_type = mimetypes.guess_type(att.name)[0] or "application/octet-stream"
    resp = FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name, content_type=content_type)
    resp["Cache-Control"] = "private, no-store"
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


@login_required
def record_sign_in(request, pk: int, token: str):
    """The page a member's phone opens from the meeting's QR code; the button signs them in."""
    from livestreams.models import MeetingRecord

    record = MeetingRecord.objects.select_related("organization").filter(pk=pk, session__isnull=True).first()
    scope = get_scope(request.user)
    if record is None or not (
        scope.branch_path.startswith(record.organization.path)
        or scope.manages_org_path(record.organization.path)
    ):
        raise Http404
    done = None
    if request.method == "POST":
        try:
            done = meeting_sign_in(user=request.user, record=record, token=token)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("You are signed in.") if done else _("You had already signed in."))
    return render(request, "livestreams/meetings/sign_in.html", {"record": record, "done": done})


# --- Rules and plans ------------------------------------------------------------------------------


@role_required("organizer", "staff")
def rules(request):
    regions = Region.objects.filter(pk__in=rule_regions_of(request.user)).order_by("kind", "name")
    if not regions:
        raise PermissionDenied
    region = (
        regions.filter(pk=request.GET.get("region") or 0).first()
        if request.GET.get("region", "").isdigit()
        else None
    )
    region = region or regions.first()
    current = rules_for_regions([region.pk])[region.pk]
    initial = {
        "min_minutes": current.min_minutes,
        "min_attendance_percent": current.min_attendance_percent,
        "minutes_required": current.minutes_required,
    }
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        meeting_rule_save(user=request.user, region=region, **form.cleaned_data)
        messages.success(request, _("Rules saved. The ledger counts meetings by them from now on."))
        return redirect(reverse("classes:meeting_rules") + f"?region={region.pk}")
    return render(
        request,
        "livestreams/meetings/rules.html",
        {
            "form": form,
            "region": region,
            "regions": regions,
            "own_rule": MeetingRule.objects.filter(region=region).exists(),
        },
    )


@role_required("organizer", "official", "staff")
def plan(request, pk: int):
    branch = _ledger_branch(request.user, pk)
    year_form = YearForm(request.GET or None)
    year = current_quarter()[0]
    if year_form.is_bound and year_form.is_valid() and year_form.cleaned_data["year"]:
        year = year_form.cleaned_data["year"]
    can_manage = get_scope(request.user).manages_org_path(branch.path)
    rows = branch_plan(branch=branch, year=year)
    form = PlanForm(request.POST or None, rows=rows, initial={"year": year}) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        assert form is not None
        if form.is_valid():
            try:
                meeting_plan_save(
                    user=request.user,
                    organization=branch,
                    year=form.cleaned_data["year"],
                    quarters=form.quarters(),
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("Plan saved."))
                return redirect(
                    reverse("classes:plan", args=[branch.pk]) + f"?year={form.cleaned_data['year']}"
                )
    year_now, quarter_now = current_quarter()
    return render(
        request,
        "livestreams/meetings/plan.html",
        {
            "branch": branch,
            "year": year,
            "rows": rows,
            "form": form,
            "can_manage": can_manage,
            "current_quarter": quarter_now if year == year_now else None,
            "totals": {
                "planned": [sum(r.planned[q] for r in rows) for q in range(4)],
                "counted": [sum(r.counted[q] for r in rows) for q in range(4)],
                "shortfall": [sum(r.shortfall[q] for r in rows) for q in range(4)],
            },
        },
    )
