"""Pages of the learning side of classes (issue 15): courseware, leave, make-up pings, each member's learning
record (我的学习档案) with its rules and export, and the rankings. Thin: parse, authorize, call, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hub.exports import Sheet, xlsx_response
from livestreams.forms.learning import CoursewareForm, DecideForm, LeaveForm, PeriodForm
from livestreams.models import Courseware, LeaveRequest, LiveSession
from livestreams.permissions import get_session_for_user
from livestreams.selectors import learning as sel
from livestreams.selectors.classes import current_quarter
from livestreams.selectors.meetings import ledger_branches
from livestreams.services.learning import (
    courseware_add,
    courseware_remove,
    leave_decide,
    leave_request,
    replay_ping,
)
from partyorgs.models import PartyMember
from partyorgs.permissions import get_scope

S = LiveSession.Status
CONTENT_TYPES = {
    Courseware.Kind.PDF: "application/pdf",
    Courseware.Kind.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    Courseware.Kind.PPT: "application/vnd.ms-powerpoint",
}
OUTCOMES = {
    "attended": gettext_lazy("Attended"),
    "made_up": gettext_lazy("Made up by replay"),
    "leave": gettext_lazy("On leave"),
    "absent": gettext_lazy("Absent"),
}


def _class_session(user, pk: int) -> tuple[LiveSession, bool]:
    session, can_manage = get_session_for_user(user, pk)
    if session.kind != LiveSession.Kind.PARTY_CLASS:
        raise Http404
    return session, can_manage


# --- Courseware ---------------------------------------------------------------------------------------


@login_required
@require_POST
def courseware_upload(request, pk: int):
    session, can_manage = _class_session(request.user, pk)
    if not can_manage:
        raise PermissionDenied
    form = CoursewareForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a PDF or PowerPoint file to attach."))
        return redirect("classes:detail", pk=pk)
    try:
        courseware_add(
            user=request.user,
            session=session,
            upload=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Courseware attached."))
    return redirect("classes:detail", pk=pk)


def _courseware(request, pk: int, item_pk: int) -> tuple[Courseware, bool]:
    session, can_manage = _class_session(request.user, pk)
    item = Courseware.objects.filter(session=session, pk=item_pk).first()
    if item is None:
        raise Http404
    item.session = session
    return item, can_manage


@login_required
def courseware_download(request, pk: int, item_pk: int):
    item, _can_manage = _courseware(request, pk, item_pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    filename = f"{item.title}.{item.kind}"
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[item.kind]
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def courseware_delete(request, pk: int, item_pk: int):
    item, can_manage = _courseware(request, pk, item_pk)
    if not can_manage:
        raise PermissionDenied
    courseware_remove(user=request.user, item=item)
    messages.success(request, _("Courseware removed."))
    return redirect("classes:detail", pk=pk)


# --- Leave ---------------------------------------------------------------------------------------------


@login_required
@require_POST
def leave_request_view(request, pk: int):
    session, _can_manage = _class_session(request.user, pk)
    form = LeaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for your leave (at most 200 characters)."))
        return redirect("classes:detail", pk=pk)
    try:
        leave_request(user=request.user, session=session, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your leave request was sent to the organizer."))
    return redirect("classes:detail", pk=pk)


@login_required
@require_POST
def leave_decide_view(request, pk: int, leave_pk: int):
    session, can_manage = _class_session(request.user, pk)
    if not can_manage:
        raise PermissionDenied
    leave = LeaveRequest.objects.filter(session=session, pk=leave_pk).first()
    if leave is None:
        raise Http404
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Approve or decline the request."))
    else:
        leave_decide(user=request.user, leave=leave, approve=form.cleaned_data["decision"] == "approve")
        messages.success(request, _("Saved."))
    return redirect("classes:attendance", pk=pk)


# --- Make-up: the replay player's pings -------------------------------------------------------------------


@login_required
@require_POST
def replay_ping_view(request, pk: int):
    session, _can_manage = get_session_for_user(request.user, pk)
    try:
        watch = replay_ping(user=request.user, session=session)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse({"seconds": watch.seconds, "made_up": watch.made_up_at is not None})


# --- The learning record -------------------------------------------------------------------------------


def _period(request) -> tuple[PeriodForm, int, int | None]:
    year, _quarter = current_quarter()
    form = PeriodForm(request.GET or None)
    quarter = None
    if form.is_bound:
        if form.is_valid():
            year = form.cleaned_data["year"] or year
            quarter = form.cleaned_data["quarter"]
        else:
            messages.error(request, _("That period is not valid; showing this year."))
            form = PeriodForm(initial={"year": year})
    else:
        form = PeriodForm(initial={"year": year})
    return form, year, quarter


def _member(request) -> PartyMember | None:
    return PartyMember.objects.filter(user=request.user).select_related("branch__region").first()


@login_required
def my_record(request):
    form, year, quarter = _period(request)
    member = _member(request)
    record = sel.learning_record(member=member, year=year, quarter=quarter) if member else None
    ranks = None
    if member is not None:
        ranking = sel.rankings(branches=sel.branch_peers(member), year=year, quarter=quarter)
        branch_rank = next((r for r in ranking.branches if r.pk == member.branch_id), None)
        ranks = {
            "member": ranking.members.get(member.pk, (None, None))[0],
            "branch_members": branch_rank.members if branch_rank else 0,
            "branch": branch_rank.rank if branch_rank else None,
            "branches": len(ranking.branches),
        }
    return render(
        request,
        "livestreams/learning/record.html",
        {
            "form": form,
            "year": year,
            "quarter": quarter,
            "member": member,
            "record": record,
            "ranks": ranks,
            "outcomes": OUTCOMES,
            "query": request.GET.urlencode(),
        },
    )


@login_required
def my_record_export(request):
    _form, year, quarter = _period(request)
    member = _member(request)
    if member is None:
        raise Http404
    record = sel.learning_record(member=member, year=year, quarter=quarter)
    header = [
        _("Date"),
        _("Class"),
        _("Outcome"),
        _("Minutes live"),
        _("Minutes of replay"),
        _("Quiz (right / asked)"),
        _("Study hours"),
        _("Points"),
    ]
    rows = [
        [
            date_format(timezone.localtime(r.session.starts_at), "Y-m-d H:i"),
            r.session.title,
            str(OUTCOMES[r.outcome]),
            r.live_seconds // 60,
            r.replay_seconds // 60,
            f"{r.quiz_correct} / {r.quiz_total}",
            r.study_hours,
            r.points,
        ]
        for r in record.rows
    ]
    rows.append(
        [
            _("Total"),
            "",
            "",
            "",
            "",
            f"{record.quiz_correct} / {record.quiz_total}",
            record.study_hours,
            record.points,
        ]
    )
    period = f"{year}" + (f"-Q{quarter}" if quarter else "")
    return xlsx_response(
        f"learning-record-{period}",
        [Sheet(_("Learning record"), header, rows, heading=[f"{member.user} · {member.branch} · {period}"])],
    )


def record_rules(request):
    return render(
        request,
        "livestreams/learning/rules.html",
        {
            "minutes_per_hour": sel.MINUTES_PER_STUDY_HOUR,
            "points_attend": sel.POINTS_ATTEND,
            "points_makeup": sel.POINTS_MAKEUP,
            "points_correct": sel.POINTS_CORRECT,
        },
    )


@login_required
def rankings(request):
    """Branch and subdistrict rankings for organizers (their subtree), officials (their regions) and staff."""
    scope = get_scope(request.user)
    if not (scope.is_staff or scope.is_organizer or scope.is_official):
        raise PermissionDenied
    form, year, quarter = _period(request)
    ranking = sel.rankings(branches=ledger_branches(request.user), year=year, quarter=quarter)
    return render(
        request,
        "livestreams/learning/rankings.html",
        {"form": form, "year": year, "quarter": quarter, "ranking": ranking},
    )
