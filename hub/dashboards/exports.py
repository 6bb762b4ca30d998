"""Each section as a table (translated column headings, one list per row): the page's accessible tables,
the JSON endpoints' "table" and the .xlsx exports all come from here, so they show the same numbers."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from hub.exports import Sheet
from livestreams.models import LiveSession

KPI_LABELS = [
    ("organizations", gettext_noop("Party organizations")),
    ("members", gettext_noop("Party members")),
    ("alliance_members", gettext_noop("Alliance member organizations")),
    ("enterprises", gettext_noop("Enterprises")),
    ("incubator_tenants", gettext_noop("Incubator tenants (moved in)")),
    ("sessions_this_month", gettext_noop("Sessions this month")),
    ("hours_broadcast", gettext_noop("Hours broadcast")),
    ("viewers_total", gettext_noop("Viewers (total)")),
    ("viewers_peak", gettext_noop("Viewers (peak)")),
    ("gmv_this_month", gettext_noop("GMV this month (yuan)")),
    ("gmv_previous_month", gettext_noop("GMV previous month (yuan)")),
    ("gmv_growth", gettext_noop("GMV growth over the previous month (%)")),
]


def _kpis(data):
    return [_("Figure"), _("Value")], [[_(label), data[key]] for key, label in KPI_LABELS]


def _sessions_by_month(data):
    series = data["series"]
    columns = [_("Month"), *[s["label"] for s in series], _("Total")]
    rows = [[r["month"], *[r[s["key"]] for s in series], r["total"]] for r in data["rows"]]
    return columns, rows


def _gmv_by_month(data):
    columns = [_("Month"), _("GMV (yuan)"), _("Orders"), _("Sessions"), _("Growth (%)")]
    rows = [[r["month"], r["gmv"], r["orders"], r["sessions"], r["growth"]] for r in data["rows"]]
    return columns, rows


def _attendance(data):
    columns = [
        _("Branch"),
        _("Classes"),
        _("Expected"),
        _("Attended"),
        _("Excused"),
        _("Attendance rate (%)"),
    ]
    rows = [
        [r["branch"], r["classes"], r["expected"], r["attended"], r["excused"], r["rate"]]
        for r in data["rows"]
    ]
    return columns, rows


def _branches_without(data):
    columns = [_("Branch"), _("District or subdistrict"), _("Last Party class"), _("Days since")]
    rows = [[r["branch"], r["region"], r["last_class"], r["days_since"]] for r in data["rows"]]
    return columns, rows


def _tenants(data):
    series = data["series"]
    columns = [_("Industry"), *[s["label"] for s in series], _("Total")]
    rows = [[r["label"], *[r[s["key"]] for s in series], r["total"]] for r in data["rows"]]
    return columns, rows


def _top_merchants(data):
    columns = [_("Rank"), _("Enterprise"), _("GMV (yuan)"), _("Orders"), _("Sessions")]
    rows = [
        [i, r["enterprise"], r["gmv"], r["orders"], r["sessions"]]
        for i, r in enumerate(data["rows"], start=1)
    ]
    return columns, rows


def _platforms(data):
    columns = [_("Platform"), _("GMV (yuan)"), _("Orders"), _("Sessions"), _("Viewers")]
    rows = [[r["label"], r["gmv"], r["orders"], r["sessions"], r["viewers"]] for r in data["rows"]]
    return columns, rows


def _live_now(data):
    kinds = dict(LiveSession.Kind.choices)
    columns = [_("Session"), _("Kind"), _("Host"), _("Viewers now")]
    rows = [[r["title"], str(kinds.get(r["kind"], r["kind"])), r["host"], r["viewers"]] for r in data["rows"]]
    return columns, rows


def _plan_compliance(data):
    columns = [
        _("Branch"),
        _("District or subdistrict"),
        _("Planned"),
        _("Held"),
        _("Counted"),
        _("Short of the plan"),
    ]
    rows = [
        [r["branch"], r["region"], r["planned"], r["held"], r["counted"], r["shortfall"]]
        for r in data["rows"]
    ]
    return columns, rows


LEARNING_LABELS = [
    ("attended", gettext_noop("Attended live")),
    ("made_up", gettext_noop("Made up by replay")),
    ("leave", gettext_noop("On leave")),
    ("participation_rate", gettext_noop("Participation rate (%)")),
    ("quiz_answers", gettext_noop("Quiz answers")),
    ("quiz_accuracy", gettext_noop("Quiz accuracy (%)")),
]


def _learning(data):
    return [_("Figure"), _("Value")], [[_(label), data[key]] for key, label in LEARNING_LABELS]


TABLES = {
    "kpis": _kpis,
    "sessions-by-month": _sessions_by_month,
    "gmv-by-month": _gmv_by_month,
    "attendance-by-branch": _attendance,
    "branches-without-class": _branches_without,
    "tenants-by-industry": _tenants,
    "top-merchants": _top_merchants,
    "sales-by-platform": _platforms,
    "live-now": _live_now,
    "plan-compliance": _plan_compliance,
    "learning": _learning,
}


def table(name: str, data: dict) -> dict:
    columns, rows = TABLES[name](data)
    return {"columns": columns, "rows": rows}


def sheets(named_tables: list[tuple[str, dict]], *, subtitle: str) -> list[Sheet]:
    """One sheet per (title, table): the title and the filters on top, then the table."""
    return [
        Sheet(title=title, heading=[title, subtitle], columns=tab["columns"], rows=tab["rows"])
        for title, tab in named_tables
    ]
