"""The dashboard's figures, each computed by the database in a fixed number of queries.

Every function takes a DashboardFilter and returns plain data (ints, Decimals, dates, lists of dicts). The
number of queries never depends on the amount of data: grouping happens in SQL, never in a Python loop
over rows.

Definitions (also on the page, and in docs/performance.md):
- counted sessions: scheduled, live or ended (drafts and cancelled sessions are not activity);
- held sessions: live or ended and actually went live;
- hours broadcast: from going live to the end (or to now while live), for held sessions of the period;
- viewers (total): for sessions in the hub's own room, the distinct people present in each session
  (PresenceInterval), summed over the sessions; for sessions on an external platform, the viewers the
  merchant reported (SalesResult.viewers);
- viewers (peak): the highest concurrent audience of one session: the room's peak, or the reported peak;
- GMV: reported sales results of counted sessions, results flagged for review left out, by the month the
  session started; "this month" is the calendar month of the period's last day;
- attendance rate: attended / (attendance records − excused absences), per member's branch;
- a branch held a Party class (党课) when a class of kind "Party class" went live, hosted by the branch or
  with the branch in its audience (directly, or through an organization above it with its subtree).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.enums import Choices
from django.db.models.functions import Coalesce, Greatest, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models import User
from livestreams.models import (
    Attendance,
    LeaveRequest,
    LiveSession,
    PartyClass,
    Poll,
    PollAnswer,
    PresenceInterval,
    ReplayWatch,
    SalesResult,
    SalesSession,
    SessionAudience,
)
from livestreams.permissions import visible_q
from livestreams.realtime import viewer_count, viewer_counts
from livestreams.selectors.meetings import branch_ledger
from partyorgs.models import (
    AllianceMembership,
    Enterprise,
    IncubatorTenant,
    Industry,
    PartyMember,
    PartyOrganization,
    ancestor_paths,
)

from .filters import DashboardFilter, add_months, local_midnight
from .models import BranchAttendanceTally

S = LiveSession.Status
COUNTED = (S.SCHEDULED, S.LIVE, S.ENDED)
HELD = (S.LIVE, S.ENDED)
LIVE_NOW_LIMIT = 50
TOP_MERCHANTS = 10
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
K = TypeVar("K", int, str)  # keys of _keep_latest: organization ids or paths


# --- Scope and filters as Q objects ---------------------------------------------------------------


def _nothing(prefix: str) -> Q:
    return Q(**{f"{prefix}pk__in": []})


def org_q(f: DashboardFilter, prefix: str = "") -> Q:
    """PartyOrganization rows (through `prefix`, e.g. "branch__") inside the filter."""
    q = Q()
    if f.region_ids is not None:
        q &= Q(**{f"{prefix}region_id__in": f.region_ids})
    if f.org_path:
        q &= Q(**{f"{prefix}path__startswith": f.org_path})
    if f.building_id is not None:
        # A building's organizations are its Party organization's subtree.
        q &= (
            Q(**{f"{prefix}path__startswith": f.building_org_path})
            if f.building_org_path
            else _nothing(prefix)
        )
    return q


def enterprise_q(f: DashboardFilter, prefix: str = "") -> Q:
    q = Q()
    if f.region_ids is not None:
        q &= Q(**{f"{prefix}region_id__in": f.region_ids})
    if f.building_id is not None:
        q &= Q(**{f"{prefix}building_id": f.building_id})
    if f.org_path:
        q &= Q(**{f"{prefix}party_organization__path__startswith": f.org_path})
    return q


def tenant_q(f: DashboardFilter) -> Q:
    q = Q()
    if f.region_ids is not None:
        q &= Q(incubator__building__region_id__in=f.region_ids)
    if f.building_id is not None:
        q &= Q(incubator__building_id=f.building_id)
    if f.org_path:
        # The tenant's own enterprise's organization, or the organization of the incubator's building.
        q &= Q(enterprise__party_organization__path__startswith=f.org_path) | Q(
            incubator__building__party_organization__path__startswith=f.org_path
        )
    return q


def session_q(f: DashboardFilter, prefix: str = "") -> Q:
    """LiveSession rows (through `prefix`) inside the scope, building and organization filters."""
    q = Q()
    if f.region_ids is not None:
        q &= Q(**{f"{prefix}region_id__in": f.region_ids})
    if f.building_id is not None:
        in_building = Q(**{f"{prefix}host_enterprise__building_id": f.building_id})
        if f.building_org_path:
            in_building |= Q(**{f"{prefix}host_organization__path__startswith": f.building_org_path})
        q &= in_building
    if f.org_path:
        q &= Q(**{f"{prefix}host_organization__path__startswith": f.org_path}) | Q(
            **{f"{prefix}host_enterprise__party_organization__path__startswith": f.org_path}
        )
    return q


def period_q(start: datetime, end: datetime, prefix: str = "") -> Q:
    return Q(**{f"{prefix}starts_at__gte": start, f"{prefix}starts_at__lt": end})


def _sessions(f: DashboardFilter) -> QuerySet[LiveSession]:
    return LiveSession.objects.filter(session_q(f), status__in=COUNTED)


def _results(f: DashboardFilter, start: datetime, end: datetime) -> QuerySet[SalesResult]:
    p = "sales_session__session__"
    return SalesResult.objects.filter(
        session_q(f, p),
        period_q(start, end, p),
        flagged=False,
        **{f"{p}status__in": COUNTED},
    )


def _months(first: date, last: date) -> list[date]:
    months, m = [], first.replace(day=1)
    while m <= last:
        months.append(m)
        m = add_months(m, 1)
    return months


def _month_key(value: date | datetime) -> str:
    """TruncMonth gives an aware datetime (PostgreSQL) or a date; both name the local month."""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return f"{value.year:04d}-{value.month:02d}"


def _money(value: Decimal | int | None) -> Decimal:
    """Yuan with two decimals on every database (SQLite's SUM drops trailing zeros)."""
    return (Decimal(value) if value is not None else ZERO).quantize(CENT)


def _percent(part: float | Decimal, whole: float | Decimal | None) -> float | None:
    if not whole:
        return None
    return round(float(part) * 100 / float(whole), 1)


def _distinct_viewers() -> Subquery:
    """The distinct people present in the session of the outer query."""
    return Subquery(
        PresenceInterval.objects.filter(session_id=OuterRef("pk"))
        .order_by()
        .values("session_id")
        .annotate(n=Count("user_id", distinct=True))
        .values("n")[:1]
    )


# --- KPI cards ------------------------------------------------------------------------------------


def kpis(f: DashboardFilter, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    month_from = local_midnight(f.month)
    month_to = local_midnight(add_months(f.month, 1))
    prev_from = local_midnight(add_months(f.month, -1))

    held = _sessions(f).filter(period_q(f.start, f.end), status__in=HELD, went_live_at__isnull=False)
    # Reported results under review count for nothing, here as in GMV.
    reported = Q(sales__result__flagged=False)
    on_air = held.aggregate(
        duration=Sum(
            ExpressionWrapper(
                Coalesce("ended_at", Value(now)) - F("went_live_at"), output_field=DurationField()
            )
        ),
        reported_viewers=Sum(
            "sales__result__viewers", filter=reported & Q(playback=LiveSession.Playback.EXTERNAL)
        ),
        # People in the hub's rooms: a tallied session adds its tally; the others (live, just ended) are
        # counted from their presence records, a subquery that runs only for them.
        room_viewers=Sum(
            Case(
                When(
                    ~Q(playback=LiveSession.Playback.EXTERNAL),
                    then=Coalesce("dashboard_tally__viewers", _distinct_viewers()),
                )
            )
        ),
        peak=Max(
            Greatest(
                "peak_viewers",
                Coalesce(Case(When(reported, then="sales__result__peak_viewers")), 0),
            )
        ),
    )
    gmv = _results(f, prev_from, month_to).aggregate(
        this=Sum("gmv", filter=Q(sales_session__session__starts_at__gte=month_from)),
        previous=Sum("gmv", filter=Q(sales_session__session__starts_at__lt=month_from)),
    )
    gmv_this, gmv_prev = _money(gmv["this"]), _money(gmv["previous"])
    duration = on_air["duration"] or timedelta(0)
    return {
        "organizations": PartyOrganization.objects.filter(org_q(f)).count(),
        "members": PartyMember.objects.filter(org_q(f, "branch__")).count(),
        "alliance_members": AllianceMembership.objects.filter(org_q(f, "organization__"))
        .values("organization_id")
        .distinct()
        .count(),
        "enterprises": Enterprise.objects.filter(enterprise_q(f)).count(),
        "incubator_tenants": IncubatorTenant.objects.filter(
            tenant_q(f), status=IncubatorTenant.Status.MOVED_IN
        ).count(),
        "month": f.month.strftime("%Y-%m"),
        "sessions_this_month": _sessions(f).filter(period_q(month_from, month_to)).count(),
        "hours_broadcast": round(duration.total_seconds() / 3600, 1),
        "viewers_total": (on_air["room_viewers"] or 0) + (on_air["reported_viewers"] or 0),
        "viewers_peak": on_air["peak"] or 0,
        "gmv_this_month": gmv_this,
        "gmv_previous_month": gmv_prev,
        "gmv_growth": _percent(gmv_this - gmv_prev, gmv_prev),
    }


# --- Charts ---------------------------------------------------------------------------------------


def sessions_by_month(f: DashboardFilter) -> dict[str, Any]:
    kinds = list(LiveSession.Kind)
    counts = (
        _sessions(f)
        .filter(period_q(f.start, f.end))
        .annotate(month=TruncMonth("starts_at"))
        .values("month", "kind")
        .annotate(n=Count("id"))
    )
    by_month = {
        _month_key(m): dict.fromkeys([k.value for k in kinds], 0) for m in _months(f.date_from, f.date_to)
    }
    for row in counts:
        by_month[_month_key(row["month"])][row["kind"]] = row["n"]
    rows = [{"month": m, **c, "total": sum(c.values())} for m, c in by_month.items()]
    return {
        "series": [{"key": k.value, "label": str(k.label)} for k in kinds],
        "rows": rows,
    }


def gmv_by_month(f: DashboardFilter) -> dict[str, Any]:
    first = f.date_from.replace(day=1)
    before = local_midnight(add_months(first, -1))
    sums = (
        _results(f, before, f.end)
        .filter(
            Q(sales_session__session__starts_at__gte=f.start)
            | Q(sales_session__session__starts_at__lt=local_midnight(first))
        )
        .annotate(month=TruncMonth("sales_session__session__starts_at"))
        .values("month")
        .annotate(gmv=Sum("gmv"), orders=Sum("orders"), sessions=Count("id"))
    )
    found: dict[str, Mapping[str, Any]] = {_month_key(r["month"]): r for r in sums}
    previous = _money(found.get(_month_key(add_months(first, -1)), {}).get("gmv"))
    rows = []
    for m in _months(f.date_from, f.date_to):
        r = found.get(_month_key(m), {})
        gmv = _money(r.get("gmv"))
        rows.append(
            {
                "month": _month_key(m),
                "gmv": gmv,
                "orders": r.get("orders") or 0,
                "sessions": r.get("sessions") or 0,
                "growth": _percent(gmv - previous, previous),
            }
        )
        previous = gmv
    return {"rows": rows}


def attendance_by_branch(f: DashboardFilter) -> dict[str, Any]:
    in_period = period_q(f.start, f.end, "session__") & Q(session__kind=LiveSession.Kind.PARTY_CLASS)
    tallied = (
        # Branch tallies exist only for tallied classes (see services.attendance_recount).
        BranchAttendanceTally.objects.filter(org_q(f, "branch__"), in_period)
        .values("branch_id", "branch__name")
        .annotate(
            n_records=Sum("records"),
            n_attended=Sum("attended"),
            n_excused=Sum("excused"),
            n_classes=Count("session_id", distinct=True),
        )
        .order_by()
    )
    untallied = (
        Attendance.objects.filter(
            org_q(f, "member__branch__"), in_period, session__dashboard_tally__isnull=True
        )
        .values("member__branch_id", "member__branch__name")
        .annotate(
            n_records=Count("id"),
            n_attended=Count("id", filter=Q(attended=True)),
            n_excused=Count("id", filter=Q(attended=False, excused=True)),
            n_classes=Count("session_id", distinct=True),
        )
        .order_by()
    )
    # A class is either tallied or not, so the two parts add up without counting anything twice.
    branches: dict[int, dict[str, Any]] = {}
    groups: list[Mapping[str, Any]] = [
        *tallied,
        *(
            {"branch_id": r["member__branch_id"], "branch__name": r["member__branch__name"], **r}
            for r in untallied
        ),
    ]
    for g in groups:
        b = branches.setdefault(
            g["branch_id"],
            {
                "branch_id": g["branch_id"],
                "branch": g["branch__name"],
                "classes": 0,
                "records": 0,
                "attended": 0,
                "excused": 0,
            },
        )
        b["classes"] += g["n_classes"]
        b["records"] += g["n_records"]
        b["attended"] += g["n_attended"]
        b["excused"] += g["n_excused"]
    rows = []
    for b in branches.values():
        expected = b.pop("records") - b["excused"]
        rows.append(
            {
                "branch_id": b["branch_id"],
                "branch": b["branch"],
                "classes": b["classes"],
                "expected": expected,
                "attended": b["attended"],
                "excused": b["excused"],
                "rate": _percent(b["attended"], expected),
            }
        )
    rows.sort(key=lambda r: (r["rate"] if r["rate"] is not None else 101, r["branch"]))
    expected = sum(r["expected"] for r in rows)
    attended = sum(r["attended"] for r in rows)
    return {"rows": rows, "overall_rate": _percent(attended, expected)}


def branches_without_class(f: DashboardFilter, *, today: date | None = None) -> dict[str, Any]:
    """Three grouped queries (the branches, the last Party class each hosted, the last one of each audience
    organization); which audience covers which branch is a walk up each branch's path."""
    today = today or timezone.localdate()
    quarter_from = local_midnight(f.quarter)
    quarter_to = local_midnight(add_months(f.quarter, 3))
    branches = list(
        PartyOrganization.objects.filter(org_q(f), kind=PartyOrganization.Kind.BRANCH)
        .values("id", "name", "path", "region__name")
        .order_by("path")
    )
    lectures = LiveSession.objects.filter(
        kind=LiveSession.Kind.PARTY_CLASS,
        status__in=HELD,
        went_live_at__isnull=False,
        party_class__class_kind=PartyClass.ClassKind.PARTY_LECTURE,
        starts_at__lt=quarter_to,
    )
    hosted = dict(
        lectures.filter(host_organization_id__in=[b["id"] for b in branches])
        .order_by()
        .values("host_organization_id")
        .annotate(last=Max("starts_at"))
        .values_list("host_organization_id", "last")
    )
    paths = {p for b in branches for p in ancestor_paths(b["path"])}
    direct: dict[int, datetime] = {}
    subtree: dict[str, datetime] = {}
    audiences = (
        SessionAudience.objects.filter(session__in=lectures, organization__path__in=paths)
        .order_by()
        .values("organization_id", "organization__path", "include_subtree")
        .annotate(last=Max("session__starts_at"))
    )
    for a in audiences:
        _keep_latest(direct, a["organization_id"], a["last"])
        if a["include_subtree"]:
            _keep_latest(subtree, a["organization__path"], a["last"])
    reference = min(today, add_months(f.quarter, 3) - timedelta(days=1))
    rows = []
    for b in branches:
        dates = [
            hosted.get(b["id"]),
            direct.get(b["id"]),
            *(subtree.get(p) for p in ancestor_paths(b["path"])),
        ]
        last = max((d for d in dates if d is not None), default=None)
        if last is not None and last >= quarter_from:
            continue
        last_day = timezone.localtime(last).date() if last else None
        rows.append(
            {
                "branch_id": b["id"],
                "branch": b["name"],
                "region": b["region__name"],
                "last_class": last_day,
                "days_since": (reference - last_day).days if last_day else None,
            }
        )
    rows.sort(key=lambda r: (r["last_class"] is not None, r["last_class"] or date.min, r["branch"]))
    return {
        "quarter": f"{f.quarter.year}Q{(f.quarter.month - 1) // 3 + 1}",
        "branches_total": len(branches),
        "branches_without": len(rows),
        "rows": rows,
    }


def _keep_latest(latest: dict[K, datetime], key: K, value: datetime | None) -> None:
    if value is not None and (key not in latest or value > latest[key]):
        latest[key] = value


def tenants_by_industry(f: DashboardFilter) -> dict[str, Any]:
    statuses = [s.value for s in IncubatorTenant.Status]
    counts = IncubatorTenant.objects.filter(tenant_q(f)).values("industry", "status").annotate(n=Count("id"))
    by_industry: dict[str, dict[str, Any]] = {}
    for row in counts:
        entry = by_industry.setdefault(
            row["industry"],
            {
                "industry": row["industry"],
                "label": _label(Industry, row["industry"]),
                **dict.fromkeys(statuses, 0),
            },
        )
        entry[row["status"]] = row["n"]
    rows = [{**entry, "total": sum(entry[s] for s in statuses)} for entry in by_industry.values()]
    rows.sort(key=lambda r: (-r["total"], r["label"]))
    return {"series": [{"key": s.value, "label": str(s.label)} for s in IncubatorTenant.Status], "rows": rows}


def top_merchants(f: DashboardFilter, *, limit: int = TOP_MERCHANTS) -> dict[str, Any]:
    top = (
        _results(f, f.start, f.end)
        .values("sales_session__enterprise_id", "sales_session__enterprise__name")
        .annotate(gmv=Sum("gmv"), orders=Sum("orders"), sessions=Count("id"))
        .order_by("-gmv", "sales_session__enterprise__name")[:limit]
    )
    return {
        "rows": [
            {
                "enterprise_id": r["sales_session__enterprise_id"],
                "enterprise": r["sales_session__enterprise__name"],
                "gmv": _money(r["gmv"]),
                "orders": r["orders"],
                "sessions": r["sessions"],
            }
            for r in top
        ]
    }


def sales_by_platform(f: DashboardFilter) -> dict[str, Any]:
    groups = (
        _results(f, f.start, f.end)
        .values("sales_session__platform")
        .annotate(gmv=Sum("gmv"), orders=Sum("orders"), sessions=Count("id"), viewers=Sum("viewers"))
        .order_by("-gmv")
    )
    return {
        "rows": [
            {
                "platform": g["sales_session__platform"],
                "label": _label(SalesSession.Platform, g["sales_session__platform"]),
                "gmv": _money(g["gmv"]),
                "orders": g["orders"],
                "sessions": g["sessions"],
                "viewers": g["viewers"],
            }
            for g in groups
        ]
    }


def _label(choices: type[Choices], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


# --- Live now -------------------------------------------------------------------------------------


def live_now_visible(f: DashboardFilter | None, *, user: User) -> QuerySet[LiveSession]:
    """Sessions of any status that the user may see, inside the dashboard's filter when one is given."""
    qs = LiveSession.objects.filter(visible_q(user))
    if f is not None:
        qs = qs.filter(session_q(f))
    return qs


def live_now_may_see(f: DashboardFilter | None, *, user: User, session_id: int) -> bool:
    return live_now_visible(f, user=user).filter(pk=session_id).exists()


def live_now_row(f: DashboardFilter | None, *, user: User, session_id: int) -> dict[str, Any] | None:
    """The live-now row of one session the user may see (viewers counted while it is live), else None."""
    session = (
        live_now_visible(f, user=user)
        .filter(pk=session_id)
        .select_related("host_organization", "host_enterprise", "party_class")
        .first()
    )
    if session is None:
        return None
    viewers = viewer_count(session.id) if session.status == S.LIVE else 0
    return live_row(session, viewers)


def live_now(f: DashboardFilter | None, *, user: User, limit: int = LIVE_NOW_LIMIT) -> dict[str, Any]:
    """Sessions live at this moment that the user may see (inside the filter when one is given), with the
    current viewer counts from Redis. Never cached: it is the part of the page that moves."""
    qs = live_now_visible(f, user=user).filter(status=S.LIVE)
    sessions = list(
        qs.select_related("host_organization", "host_enterprise", "party_class").order_by(
            "went_live_at", "id"
        )[:limit]
    )
    counts = viewer_counts([s.id for s in sessions]) if sessions else {}
    return {"rows": [live_row(s, counts.get(s.id, 0)) for s in sessions]}


def _class_kind(session: LiveSession) -> str | None:
    pc = getattr(session, "party_class", None) if session.kind == LiveSession.Kind.PARTY_CLASS else None
    return pc.class_kind if pc is not None else None


def live_row(session: LiveSession, viewers: int) -> dict[str, Any]:
    return {
        "id": session.id,
        "title": session.title,
        "kind": session.kind,
        # A class's own kind (党小组会, ...) for its label; the labels script has both sets of names.
        "class_kind": _class_kind(session),
        "status": session.status,
        "host": str(session.host_organization or session.host_enterprise or ""),
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "went_live_at": session.went_live_at.isoformat() if session.went_live_at else None,
        "viewers": viewers,
        "url": reverse("livestreams:room", args=[session.pk]),
    }


# The sections that are cached and exported, in the order of the page.
def plan_compliance(f: DashboardFilter) -> dict[str, Any]:
    """三会一课 plan compliance of the quarter of the period's last day, per branch in the filter: meetings
    planned, held, and held that count under the subdistrict's validity rules; branches short of the plan
    first. A fixed number of queries (the ledger's)."""
    year, quarter = f.quarter.year, (f.quarter.month - 1) // 3 + 1
    branches = PartyOrganization.objects.filter(org_q(f), kind=PartyOrganization.Kind.BRANCH).select_related(
        "region"
    )
    rows = []
    for r in branch_ledger(branches=branches.order_by("path"), year=year, quarter=quarter):
        rows.append(
            {
                "branch": r.branch.name,
                "region": r.branch.region.name,
                "planned": r.planned_total,
                "held": len(r.ledger_meetings),
                "counted": r.classes_held,
                "shortfall": r.shortfall,
                "behind": r.shortfall > 0,
            }
        )
    rows.sort(key=lambda row: (-row["shortfall"], row["branch"]))
    return {
        "year": year,
        "quarter": quarter,
        "rows": rows,
        "planned": sum(r["planned"] for r in rows),
        "held": sum(r["held"] for r in rows),
        "counted": sum(r["counted"] for r in rows),
        "behind": sum(r["behind"] for r in rows),
    }


def learning_figures(f: DashboardFilter) -> dict[str, Any]:
    """Issue 15: participation in the Party classes of the period beyond live attendance: classes made up by
    replay, approved leave, the participation rate ((attended + made up) / expected) and quiz answers."""
    in_period = period_q(f.start, f.end, "session__") & Q(session__kind=LiveSession.Kind.PARTY_CLASS)
    records = Attendance.objects.filter(org_q(f, "member__branch__"), in_period).aggregate(
        n=Count("id"),
        n_attended=Count("id", filter=Q(attended=True)),
        n_excused=Count("id", filter=Q(attended=False, excused=True)),
    )
    made_up = (
        ReplayWatch.objects.filter(
            in_period,
            made_up_at__isnull=False,
            user__party_member__isnull=False,
        )
        .filter(org_q(f, "user__party_member__branch__"))
        .exclude(
            Exists(
                Attendance.objects.filter(
                    session_id=OuterRef("session_id"), member__user_id=OuterRef("user_id"), attended=True
                )
            )
        )
        .count()
    )
    leave = LeaveRequest.objects.filter(org_q(f, "member__branch__"), in_period, state="approved").count()
    expected = records["n"] - records["n_excused"]
    quiz = quiz_totals_for(f)
    return {
        "attended": records["n_attended"],
        "made_up": made_up,
        "leave": leave,
        "participation_rate": _percent(records["n_attended"] + made_up, expected),
        "quiz_answers": quiz[1],
        "quiz_accuracy": _percent(quiz[0], quiz[1]),
    }


def quiz_totals_for(f: DashboardFilter) -> tuple[int, int]:
    """(right answers, answers) of the members inside the filter to the quick quizzes of the period's classes."""
    totals = (
        PollAnswer.objects.filter(
            period_q(f.start, f.end, "poll__session__"),
            org_q(f, "user__party_member__branch__"),
            poll__session__kind=LiveSession.Kind.PARTY_CLASS,
            poll__kind=Poll.Kind.QUIZ,
        )
        .order_by()
        .aggregate(n=Count("id"), right=Count("id", filter=Q(correct=True)))
    )
    return totals["right"], totals["n"]


SECTIONS = {
    "kpis": (_("Key figures"), kpis),
    "sessions-by-month": (_("Sessions per month by kind"), sessions_by_month),
    "gmv-by-month": (_("GMV per month and growth"), gmv_by_month),
    "attendance-by-branch": (_("Party-class attendance rate per branch"), attendance_by_branch),
    "branches-without-class": (_("Branches that held no Party class this quarter"), branches_without_class),
    "tenants-by-industry": (_("Incubator tenants by industry and status"), tenants_by_industry),
    "top-merchants": (_("Top merchants by GMV"), top_merchants),
    "sales-by-platform": (_("Sales by platform"), sales_by_platform),
    "plan-compliance": (_("三会一课 plan compliance this quarter"), plan_compliance),
    "learning": (_("Participation and quizzes"), learning_figures),
}
