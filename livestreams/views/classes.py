"""Pages of the Party-class area: thin views that parse, authorize, call a service or selector, render."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from icalendar import Calendar, Event

from hub.exports import Sheet, csv_response, xlsx_response
from hub.forms_utils import form_add_service_errors
from livestreams.forms.classes import (
    CalendarForm,
    CancelForm,
    ExcuseForm,
    LedgerForm,
    ListForm,
    PartyClassForm,
    ReplayForm,
    SignInForm,
)
from livestreams.models import Comment, LiveSession, PartyClass
from livestreams.permissions import get_session_for_user, in_audience
from livestreams.selectors.classes import (
    attendance_report,
    calendar_feed_of,
    classes_between,
    classes_live_now,
    classes_past,
    classes_upcoming,
    classes_visible,
    current_quarter,
    reminders_summary,
    week_start,
)
from livestreams.selectors.console import present_user_ids
from livestreams.selectors.learning import courseware_of, leave_of, leave_requests_of, made_up_user_ids
from livestreams.selectors.meetings import (
    LEDGER_KINDS,
    branch_ledger,
    branches_behind,
    ledger_branches,
    meeting_key,
    meeting_names,
)
from livestreams.services.attendance import attendance_compute, attendance_excuse, attendance_sign_in
from livestreams.services.calendar_feeds import calendar_feed_create, calendar_feed_revoke, calendar_feed_use
from livestreams.services.classes import (
    party_class_cancel,
    party_class_schedule,
    party_class_set_replay,
    party_class_update,
)
from livestreams.services.learning import makeup_deadline
from livestreams.views.learning import CoursewareForm, LeaveForm
from partyorgs.models import PartyMember
from partyorgs.permissions import get_scope, role_required

S = LiveSession.Status


def _get_class(user, pk: int) -> tuple[PartyClass, bool]:
    """(party class, can_manage) for a class the user may see; 404 otherwise (also for other kinds)."""
    session, can_manage = get_session_for_user(user, pk)
    pc = (
        PartyClass.objects.filter(pk=session.pk)
        .select_related("lecturer_member__user", "lecturer_expert__institution", "venue", "series")
        .first()
    )
    if pc is None:
        raise Http404
    pc.session = session
    return pc, can_manage


def _get_managed_class(user, pk: int) -> PartyClass:
    pc, can_manage = _get_class(user, pk)
    if not can_manage:
        raise PermissionDenied
    return pc


def _may_read_records(user, session: LiveSession, can_manage: bool) -> bool:
    scope = get_scope(user)
    return can_manage or scope.is_staff or session.region_id in scope.region_ids


# --- List, detail -------------------------------------------------------------------------------


@login_required
def class_list(request):
    form = ListForm(request.GET or None)
    kind, page = "", 1
    if form.is_bound:
        if form.is_valid():
            kind, page = form.cleaned_data["kind"], form.cleaned_data["page"] or 1
        else:
            messages.error(request, _("That filter is not valid; showing all classes."))
    live = classes_live_now(user=request.user)
    upcoming = classes_upcoming(user=request.user)
    past = classes_past(user=request.user)
    if kind:
        live = [s for s in live if s.party_class.class_kind == kind]
        upcoming = [s for s in upcoming if s.party_class.class_kind == kind]
        past = past.filter(party_class__class_kind=kind)
    past_page = Paginator(past, 20).get_page(page)
    scope = get_scope(request.user)
    return render(
        request,
        "livestreams/classes/list.html",
        {
            "form": form if form.is_bound and form.is_valid() else ListForm(),
            "kind": kind,
            "live": live,
            "upcoming": upcoming,
            "past_page": past_page,
            "can_schedule": scope.is_organizer or scope.is_staff,
            "behind": branches_behind(request.user),
        },
    )


@login_required
def class_detail(request, pk: int):
    pc, can_manage = _get_class(request.user, pk)
    session = pc.session
    ended = session.status == S.ENDED
    context = {
        "pc": pc,
        "session": session,
        "can_manage": can_manage,
        "can_read_records": _may_read_records(request.user, session, can_manage),
        "comments": (
            Comment.objects.filter(session=session, removed_at__isnull=True).select_related("author")[:500]
            if ended
            else []
        ),
        "sign_in_form": None,
    }
    if pc.signin_code and session.status == S.LIVE and in_audience(request.user, session):
        context["sign_in_form"] = SignInForm()
    _learning_context(request, pc, can_manage, context)
    if can_manage:
        context["replay_form"] = ReplayForm(initial={"replay_url": session.replay_url})
        context["reminders"] = reminders_summary(session)
    if context["can_read_records"] and pc.attendance_computed_at:
        context["report"] = attendance_report(session)
    return render(request, "livestreams/classes/detail.html", context)


def _learning_context(request, pc: PartyClass, can_manage: bool, context: dict) -> None:
    """Issue 15: courseware, the member's leave request, the make-up period."""
    session = pc.session
    context["courseware"] = courseware_of(session)
    if can_manage and session.status != S.CANCELLED:
        context["courseware_form"] = CoursewareForm()
    member = PartyMember.objects.filter(user=request.user).first()
    context["leave"] = leave_of(session=session, member=member)
    if (
        member is not None
        and session.status in (S.SCHEDULED, S.LIVE)
        and session.ends_at > timezone.now()
        and in_audience(request.user, session)
    ):
        context["leave_form"] = LeaveForm()
    deadline = makeup_deadline(session, pc)
    if session.status == S.ENDED and deadline is not None:
        context["makeup_until"] = deadline
        context["makeup_open"] = timezone.now() <= deadline


# --- Schedule, edit, cancel ---------------------------------------------------------------------


def _form_page(request, form, pc=None):
    return render(request, "livestreams/classes/form.html", {"form": form, "pc": pc})


@role_required("organizer", "staff")
@require_http_methods(["GET", "POST"])
def class_new(request):
    if request.method == "POST":
        form = PartyClassForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                created = party_class_schedule(
                    user=request.user, details=form.details(), recurrence=form.recurrence()
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                if len(created) > 1:
                    messages.success(
                        request,
                        _("%(n)s classes scheduled; the audience has been notified.") % {"n": len(created)},
                    )
                else:
                    messages.success(request, _("Class scheduled; the audience has been notified."))
                return redirect("classes:detail", pk=created[0].pk)
    else:
        form = PartyClassForm(user=request.user)
    return _form_page(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def class_edit(request, pk: int):
    pc = _get_managed_class(request.user, pk)
    if pc.session.status not in (S.DRAFT, S.SCHEDULED):
        messages.error(request, _("Only a class that has not started can be edited."))
        return redirect("classes:detail", pk=pk)
    if request.method == "POST":
        form = PartyClassForm(request.POST, request.FILES, user=request.user, instance=pc)
        if form.is_valid():
            try:
                party_class_update(user=request.user, party_class=pc, details=form.details())
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("Class updated; the audience has been notified."))
                return redirect("classes:detail", pk=pk)
    else:
        form = PartyClassForm(user=request.user, instance=pc)
    return _form_page(request, form, pc)


@login_required
@require_http_methods(["GET", "POST"])
def class_cancel(request, pk: int):
    pc = _get_managed_class(request.user, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        n = party_class_cancel(
            user=request.user,
            party_class=pc,
            reason=form.cleaned_data["reason"],
            following=form.cleaned_data["following"],
        )
        if n:
            messages.success(
                request, _("Cancelled %(n)s class(es); the audience has been notified.") % {"n": n}
            )
        else:
            messages.info(request, _("This class had already been cancelled or has already taken place."))
        return redirect("classes:detail", pk=pk)
    return render(request, "livestreams/classes/cancel.html", {"pc": pc, "session": pc.session, "form": form})


@login_required
@require_POST
def class_replay(request, pk: int):
    pc = _get_managed_class(request.user, pk)
    form = ReplayForm(request.POST)
    if form.is_valid():
        party_class_set_replay(user=request.user, party_class=pc, replay_url=form.cleaned_data["replay_url"])
        messages.success(request, _("Replay link saved."))
    else:
        messages.error(request, _("Enter a valid web address for the replay."))
    return redirect("classes:detail", pk=pk)


@login_required
@require_POST
def class_sign_in(request, pk: int):
    pc, _can_manage = _get_class(request.user, pk)
    form = SignInForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the sign-in code."))
        return redirect("classes:detail", pk=pk)
    try:
        done = attendance_sign_in(user=request.user, party_class=pc, code=form.cleaned_data["code"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("You are signed in.") if done else _("You had already signed in."))
    return redirect("classes:detail", pk=pk)


# --- Attendance -----------------------------------------------------------------------------------


def _report_or_403(request, pk):
    pc, can_manage = _get_class(request.user, pk)
    if not _may_read_records(request.user, pc.session, can_manage):
        raise PermissionDenied
    return pc, can_manage, attendance_report(pc.session)


STATE_LABELS = {
    "attended": gettext_lazy("Attended"),
    "absent": gettext_lazy("Absent"),
    "excused": gettext_lazy("Excused"),
}


@login_required
def attendance(request, pk: int):
    pc, can_manage, report = _report_or_403(request, pk)
    excuse_form = ExcuseForm(members=[r.member for r in report.rows]) if can_manage else None
    session = pc.session
    # Issue 15: while live, who is watching now (not everyone "absent at 0 %"); after, who made up by replay.
    watching = present_user_ids(session.pk) if session.status == S.LIVE else set()
    return render(
        request,
        "livestreams/classes/attendance.html",
        {
            "pc": pc,
            "session": session,
            "report": report,
            "can_manage": can_manage,
            "excuse_form": excuse_form,
            "in_progress": session.status == S.LIVE,
            "watching": watching,
            "watching_count": sum(r.member.user_id in watching for r in report.rows),
            "made_up_ids": made_up_user_ids(session),
            "leave_requests": leave_requests_of(session) if can_manage else [],
        },
    )


@login_required
@require_POST
def attendance_excuse_view(request, pk: int):
    pc = _get_managed_class(request.user, pk)
    report = attendance_report(pc.session)
    form = ExcuseForm(request.POST, members=[r.member for r in report.rows])
    if form.is_valid():
        member = form.member_map[form.cleaned_data["member"]]
        attendance_excuse(
            party_class=pc,
            member=member,
            reason=form.cleaned_data["reason"],
            excused=form.cleaned_data["excused"],
        )
        messages.success(request, _("Saved."))
    else:
        errors = [str(e) for errs in form.errors.values() for e in errs]
        messages.error(request, " ".join(errors))
    return redirect("classes:attendance", pk=pk)


@login_required
@require_POST
def attendance_recompute(request, pk: int):
    pc = _get_managed_class(request.user, pk)
    if pc.session.status not in (S.LIVE, S.ENDED):
        messages.error(request, _("Attendance is counted once the class has started."))
    else:
        attendance_compute(session_id=pc.pk)
        messages.success(request, _("Attendance recounted from the live room's records."))
    return redirect("classes:attendance", pk=pk)


def attendance_table(pc: PartyClass, report) -> tuple[list[str], list[list]]:
    header = [
        _("Member"),
        _("Branch"),
        _("Minutes watched"),
        _("Attendance"),
        _("Make-up"),
        _("Reason"),
        _("Signed in"),
    ]
    made_up = made_up_user_ids(pc.session)
    rows = []
    for r in report.rows:
        signed = date_format(timezone.localtime(r.signed_in_at), "Y-m-d H:i") if r.signed_in_at else ""
        rows.append(
            [
                str(r.member.user),
                r.member.branch.name,
                r.minutes,
                str(STATE_LABELS[r.state]),
                _("Made up by replay") if r.member.user_id in made_up and r.state != "attended" else "",
                r.reason,
                signed,
            ]
        )
    return header, rows


def _class_info(pc: PartyClass, report) -> tuple[list[str], list[list]]:
    s = pc.session
    rate = f"{report.rate:.0%}" if report.rate is not None else ""
    return [_("Item"), _("Value")], [
        [_("Title"), s.title],
        [_("Kind of class"), pc.get_class_kind_display()],
        [_("Host organization"), str(s.host_organization or "")],
        [_("Starts"), date_format(timezone.localtime(s.starts_at), "Y-m-d H:i")],
        [_("Ends"), date_format(timezone.localtime(s.ends_at), "Y-m-d H:i")],
        [_("Attended"), report.attended],
        [_("Absent"), report.absent],
        [_("Excused"), report.excused],
        [_("Attendance rate"), rate],
    ]


@login_required
def attendance_export(request, pk: int, fmt: str):
    pc, _can_manage, report = _report_or_403(request, pk)
    header, rows = attendance_table(pc, report)
    filename = f"attendance-{pc.pk}"
    if fmt == "csv":
        return csv_response(filename, header, rows)
    info_header, info_rows = _class_info(pc, report)
    return xlsx_response(
        filename,
        [Sheet(_("Attendance"), header, rows), Sheet(_("Class"), info_header, info_rows)],
    )


# --- Calendar and the iCalendar feed -------------------------------------------------------------


def _day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    tz = timezone.get_default_timezone()
    return (
        timezone.make_aware(datetime.combine(first, time.min), tz),
        timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min), tz),
    )


@login_required
def calendar(request):
    form = CalendarForm(request.GET or None)
    view, day = "month", timezone.localdate()
    if form.is_bound:
        if form.is_valid():
            view = form.cleaned_data["view"] or "month"
            day = form.cleaned_data["date"] or day
        else:
            messages.error(request, _("That date is not valid; showing today."))
    if view == "week":
        first = week_start(day)
        last = first + timedelta(days=6)
        prev_day, next_day = first - timedelta(days=7), first + timedelta(days=7)
    else:
        month_first = day.replace(day=1)
        month_last = day.replace(day=monthrange(day.year, day.month)[1])
        first, last = week_start(month_first), week_start(month_last) + timedelta(days=6)
        prev_day = (month_first - timedelta(days=1)).replace(day=1)
        next_day = month_last + timedelta(days=1)
    start, end = _day_bounds(first, last)
    sessions = classes_between(user=request.user, start=start, end=end)
    by_day: dict[date, list] = {}
    for s in sessions:
        by_day.setdefault(timezone.localdate(s.starts_at), []).append(s)
    days = []
    d = first
    while d <= last:
        days.append(
            {
                "date": d,
                "sessions": by_day.get(d, []),
                "other_month": view == "month" and d.month != day.month,
            }
        )
        d += timedelta(days=1)
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    feed = calendar_feed_of(user=request.user)
    feed_url = request.build_absolute_uri(reverse("classes:ical", args=[feed.token])) if feed else ""
    return render(
        request,
        "livestreams/classes/calendar.html",
        {
            "view": view,
            "day": day,
            "weeks": weeks,
            "days": days,
            "first": first,
            "last": last,
            "prev_day": prev_day,
            "next_day": next_day,
            "today": timezone.localdate(),
            "feed_url": feed_url,
            "weekday_names": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        },
    )


@login_required
@require_POST
def calendar_feed(request):
    """Create, renew (a new secret address; the old one stops working) or revoke the private feed."""
    action = request.POST.get("action", "")
    if action == "revoke":
        calendar_feed_revoke(user=request.user)
        messages.success(request, _("The calendar link was revoked; calendars using it no longer update."))
    elif action in ("create", "renew"):
        calendar_feed_create(user=request.user)
        messages.success(request, _("Your private calendar link is ready. Keep it secret."))
    else:
        messages.error(request, _("Unknown action."))
    return redirect("classes:calendar")


def ical_feed(request, token: str):
    """The private iCalendar feed: the secret token is the credential (calendar apps cannot sign in)."""
    feed = calendar_feed_use(token=token)
    if feed is None:
        raise Http404
    user = feed.user
    now = timezone.now()
    sessions = (
        classes_visible(user)
        .filter(starts_at__gte=now - timedelta(days=90), starts_at__lte=now + timedelta(days=400))
        .exclude(status=S.DRAFT)
        .order_by("starts_at")[:1000]
    )
    cal = Calendar()
    cal.add("prodid", "-//Red Livestream Hub//Party classes//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("Party classes") + f" · {settings.HUB_SITE_NAME}")
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    base = request.build_absolute_uri("/").rstrip("/")
    host = request.get_host().split(":")[0] or "hub"
    for s in sessions:
        ev = Event()
        ev.add("uid", f"party-class-{s.pk}@{host}")
        ev.add("summary", s.title)
        ev.add("dtstart", s.starts_at)
        ev.add("dtend", s.ends_at)
        ev.add("dtstamp", s.updated_at)
        ev.add("last-modified", s.updated_at)
        ev.add("sequence", int(s.updated_at.timestamp()) % 2_000_000_000)
        pc = s.party_class
        place = pc.venue.name if pc.venue_id else _("Online")
        ev.add("location", place)
        url = base + reverse("livestreams:room", args=[s.pk])
        ev.add("url", url)
        ev.add("description", "\n".join(filter(None, [pc.get_class_kind_display(), s.description, url])))
        ev.add("status", "CANCELLED" if s.status == S.CANCELLED else "CONFIRMED")
        cal.add_component(ev)
    resp = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    resp["Content-Disposition"] = 'inline; filename="party-classes.ics"'
    resp["Cache-Control"] = "private, max-age=300"
    return resp


# --- 三会一课 ledger ---------------------------------------------------------------------------------


def _ledger_params(request):
    form = LedgerForm(request.GET or None)
    year, quarter = current_quarter()
    if form.is_bound:
        if form.is_valid():
            year = form.cleaned_data["year"] or year
            quarter = form.cleaned_data["quarter"] or quarter
        else:
            messages.error(request, _("That year or quarter is not valid; showing this quarter."))
    return form, year, quarter


def ledger_table(records) -> tuple[list[str], list[list]]:
    """The ledger's summary: one row per branch; 开展总数 is the sum of the kind columns (meetings that
    count), the meetings that did not count and the other classes beside it, never inside it."""
    kinds = dict(PartyClass.ClassKind.choices)
    header = [
        _("Branch"),
        _("Members"),
        *[str(kinds[k]) for k in LEDGER_KINDS],
        _("All classes held"),
        _("Not counted"),
        _("Planned this quarter"),
        _("Short of the plan"),
        _("Other classes (not in the total)"),
        _("Attendance rate"),
        _("No Party class this quarter"),
    ]
    rows = []
    for r in records:
        rows.append(
            [
                r.branch.name,
                r.members,
                *r.meeting_counts,
                r.classes_held,
                r.not_counted,
                r.planned_total,
                r.shortfall,
                len(r.other),
                f"{r.rate:.0%}" if r.rate is not None else "",
                _("Yes") if r.flagged else "",
            ]
        )
    return header, rows


def _summary(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def meetings_table(record, names) -> tuple[list[str], list[list]]:
    """One branch's meetings, in the layout branch secretaries file (one row per meeting)."""
    header = [
        _("Date"),
        _("Time"),
        _("Kind"),
        _("Topic"),
        _("Place"),
        _("Chaired by"),
        _("Recorded by"),
        _("Expected (people)"),
        _("Attended (people)"),
        _("Excused (people)"),
        _("Absent (people)"),
        _("Attended (names)"),
        _("Excused (names)"),
        _("Absent (names)"),
        _("Minutes (summary)"),
        _("Resolutions"),
        _("Counted?"),
        _("Why not counted"),
    ]
    rows = []
    for m in record.meetings:
        start, end = timezone.localtime(m.starts_at), timezone.localtime(m.ends_at)
        who = names[meeting_key(m)]
        rec = m.record
        rows.append(
            [
                start.strftime("%Y-%m-%d"),
                f"{start:%H:%M}–{end:%H:%M}",
                m.kind_label,
                m.topic,
                m.place,
                rec.host_name if rec else "",
                rec.recorder_name if rec else "",
                m.expected,
                m.attended,
                m.excused,
                m.absent,
                "、".join(who["attended"]),
                "、".join(who["excused"]),
                "、".join(who["absent"]),
                _summary(rec.minutes) if rec else "",
                _summary(rec.resolutions) if rec else "",
                _("Yes") if m.counted else _("No"),
                " ".join(m.reasons) if m.kind in LEDGER_KINDS else _("Not a 三会一课 meeting"),
            ]
        )
    return header, rows


@role_required("organizer", "official", "staff")
def records(request):
    form, year, quarter = _ledger_params(request)
    data = branch_ledger(branches=ledger_branches(request.user), year=year, quarter=quarter)
    scope = get_scope(request.user)
    return render(
        request,
        "livestreams/classes/records.html",
        {
            "form": LedgerForm(initial={"year": year, "quarter": quarter}),
            "records": data,
            "year": year,
            "quarter": quarter,
            "kinds": [(k, PartyClass.ClassKind(k).label) for k in LEDGER_KINDS],
            "flagged": [r for r in data if r.flagged],
            "totals": {
                "counts": [sum(r.meeting_counts[i] for r in data) for i in range(len(LEDGER_KINDS))],
                "held": sum(r.classes_held for r in data),
                "not_counted": sum(r.not_counted for r in data),
                "planned": sum(r.planned_total for r in data),
                "shortfall": sum(r.shortfall for r in data),
                "other": sum(len(r.other) for r in data),
            },
            "can_record": scope.is_organizer or scope.is_staff,
        },
    )


@role_required("organizer", "official", "staff")
def records_export(request, fmt: str):
    """The summary (CSV: only it); the .xlsx adds one sheet per branch with every meeting's details."""
    _form, year, quarter = _ledger_params(request)
    data = branch_ledger(branches=ledger_branches(request.user), year=year, quarter=quarter)
    header, rows = ledger_table(data)
    filename = f"records-{year}-Q{quarter}"
    if fmt == "csv":
        return csv_response(filename, header, rows)
    names = meeting_names(m for r in data for m in r.meetings)
    sheets = [Sheet(f"{year} Q{quarter}", header, rows)]
    for r in data:
        columns, meeting_rows = meetings_table(r, names)
        heading = [
            r.branch.name,
            _("%(year)s, quarter %(quarter)s: %(n)s meetings counted of %(m)s held")
            % {"year": year, "quarter": quarter, "n": r.classes_held, "m": len(r.ledger_meetings)},
        ]
        sheets.append(Sheet(r.branch.name, columns, meeting_rows, heading=heading))
    return xlsx_response(filename, sheets)
