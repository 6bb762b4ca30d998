"""The home page (for everyone) and the dashboards for officials and hub staff: the page, the wall screen,
one JSON endpoint per chart, .xlsx.

Every view parses the filters with DashboardFilterForm (scoped to the viewer), so bad or out-of-scope
input is a message with status 400 and no figures, never a 500 and never another district's data.
"""

from __future__ import annotations

from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hub.exports import xlsx_response
from livestreams.models import LiveSession
from livestreams.selectors import sessions_live_now, sessions_upcoming
from partyorgs.models import Region
from partyorgs.permissions import get_scope, role_required

from .exports import sheets, table
from .filters import DashboardFilterForm
from .selectors import SECTIONS, live_now
from .services import dashboard_section

# Charts of the page, in order: (slug, what ECharts draws).
CHARTS = [
    ("sessions-by-month", "stacked-bar"),
    ("gmv-by-month", "bar-line"),
    ("attendance-by-branch", "hbar"),
    ("branches-without-class", "hbar-days"),
    ("tenants-by-industry", "stacked-hbar"),
    ("top-merchants", "ranking"),
    ("sales-by-platform", "pie"),
]


def home(request):
    return render(
        request,
        "hub/dashboards/home.html",
        {
            "live_now": sessions_live_now(user=request.user),
            "upcoming": sessions_upcoming(user=request.user),
        },
    )


def _form(request) -> DashboardFilterForm:
    return DashboardFilterForm(request.GET, scope=get_scope(request.user))


def _area_name(form: DashboardFilterForm) -> str:
    """What the dashboard is about: the chosen region, else the top regions of the viewer's scope."""
    chosen = form.cleaned_data.get("region") if form.is_valid() else None
    if chosen is not None:
        return chosen.name
    if form.region_ids is None:
        return _("All districts")
    tops = Region.objects.filter(pk__in=form.region_ids).exclude(parent_id__in=form.region_ids)
    return "、".join(r.name for r in tops.order_by("name"))


def _page(request, template: str):
    form = _form(request)
    context = {
        "form": form,
        "charts": [(slug, str(SECTIONS[slug][0]), kind) for slug, kind in CHARTS],
        "area_name": _area_name(form),
    }
    if not form.is_valid():
        return render(request, template, context, status=400)
    f = form.to_filter()
    kpis = dashboard_section("kpis", f)
    query = form.query_string()
    context.update(
        filter=f,
        query=query,
        kpis=kpis["data"],
        learning=dashboard_section("learning", f)["data"],
        computed_at=datetime.fromisoformat(kpis["computed_at"]),
        live=live_now(f, user=request.user)["rows"],
        kinds=LiveSession.Kind.choices,
        ws_path="/ws/live-now/?dashboard=1" + (f"&{query}" if query else ""),
    )
    return render(request, template, context)


@require_GET
@role_required("official", "staff")
def index(request):
    return _page(request, "hub/dashboards/index.html")


@require_GET
@role_required("official", "staff")
def screen(request):
    return _page(request, "hub/dashboards/screen.html")


def _section_payload(request, name: str, f) -> dict:
    if name == "live-now":
        return {"data": live_now(f, user=request.user), "computed_at": timezone.now().isoformat()}
    return dashboard_section(name, f)


def _title(name: str) -> str:
    return _("Live now") if name == "live-now" else str(SECTIONS[name][0])


@require_GET
@never_cache
@role_required("official", "staff")
def data(request, chart: str):
    if chart != "live-now" and chart not in SECTIONS:
        raise Http404
    form = _form(request)
    if not form.is_valid():
        return JsonResponse(
            {"errors": {k: [str(m) for m in v] for k, v in form.errors.items()}},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    f = form.to_filter()
    payload = _section_payload(request, chart, f)
    body = {
        "chart": chart,
        "title": _title(chart),
        "period": {"from": f.date_from, "to": f.date_to},
        "computed_at": payload["computed_at"],
        "data": payload["data"],
        "table": table(chart, payload["data"]),
    }
    return JsonResponse(body, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False})


def _invalid_export(request, form):
    return render(
        request,
        "hub/dashboards/index.html",
        {"form": form, "charts": [], "area_name": _area_name(form)},
        status=400,
    )


@require_GET
@role_required("official", "staff")
def export(request, chart: str | None = None):
    """One chart's table (chart given) or every table, one sheet each, as .xlsx."""
    if chart is not None and chart != "live-now" and chart not in SECTIONS:
        raise Http404
    form = _form(request)
    if not form.is_valid():
        return _invalid_export(request, form)
    f = form.to_filter()
    names = [chart] if chart else [*SECTIONS, "live-now"]
    tables = [(_title(n), table(n, _section_payload(request, n, f)["data"])) for n in names]
    subtitle = _("Period %(from)s to %(to)s, exported %(now)s") % {
        "from": f.date_from.isoformat(),
        "to": f.date_to.isoformat(),
        "now": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }
    filename = f"dashboard-{chart or 'all'}-{f.date_from:%Y%m%d}-{f.date_to:%Y%m%d}"
    return xlsx_response(filename, sheets(tables, subtitle=subtitle))
