"""Every figure of the dashboard equals the value computed by hand on the small district of
tests/dashboard_fixtures.py, as officials get it from the JSON endpoints and the page."""

from decimal import Decimal

import pytest

from hub.dashboards.models import SessionTally
from hub.dashboards.services import dashboards_invalidate, tallies_refresh
from livestreams.models import LiveSession
from tests.dashboard_fixtures import PERIOD, build_district
from tests.support import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(world):
    return build_district(world)


def get(client, chart, **params):
    response = client.get(f"/dashboard/data/{chart}.json", {**PERIOD, **params})
    assert response.status_code == 200, response.content
    return response.json()["data"]


@pytest.fixture(params=["from the records", "from the tallies"])
def client(request, official, district):
    """Every figure twice: before Celery tallied the ended sessions, and after (the same numbers)."""
    if request.param == "from the tallies":
        assert tallies_refresh() == LiveSession.objects.filter(status="ended").count()
        assert SessionTally.objects.filter(session=district.s2).get().viewers == 3
        dashboards_invalidate()
    c = client_for(official)
    return c


def test_it_counts_the_key_figures_of_the_district(client):
    k = get(client, "kpis")
    assert k == {
        "organizations": 4,
        "members": 5,
        "alliance_members": 2,
        "enterprises": 2,
        "incubator_tenants": 3,
        "month": "2024-06",
        # p2, p3, the scheduled class, s1, s2, the flagged s4, the promotion (not the cancelled, not the draft)
        "sessions_this_month": 7,
        # 1 + 1.5 + 1 + 0.5 (classes) + 6 + 2 + 2 + 1 + 1 (sales) + 1 (promotion)
        "hours_broadcast": 17.0,
        # reported by merchants on external platforms 5000 + 1500 + 100, people in the hub's rooms 2 + 3 + 2
        "viewers_total": 6607,
        # s1's reported peak; the flagged 50,000 and district B's 9,000 do not count
        "viewers_peak": 800,
        "gmv_this_month": "15000.50",
        "gmv_previous_month": "5000.00",
        "gmv_growth": 200.0,
    }


def test_it_counts_sessions_per_month_by_kind(client):
    data = get(client, "sessions-by-month")
    assert [s["key"] for s in data["series"]] == ["party_class", "sales", "promotion"]
    assert data["rows"] == [
        {"month": "2024-01", "party_class": 0, "sales": 0, "promotion": 0, "total": 0},
        {"month": "2024-02", "party_class": 1, "sales": 0, "promotion": 0, "total": 1},
        {"month": "2024-03", "party_class": 0, "sales": 0, "promotion": 0, "total": 0},
        {"month": "2024-04", "party_class": 0, "sales": 1, "promotion": 0, "total": 1},
        {"month": "2024-05", "party_class": 1, "sales": 1, "promotion": 0, "total": 2},
        {"month": "2024-06", "party_class": 3, "sales": 3, "promotion": 1, "total": 7},
    ]


def test_it_sums_gmv_per_month_with_the_growth_over_the_month_before(client):
    rows = get(client, "gmv-by-month")["rows"]
    assert rows == [
        {"month": "2024-01", "gmv": "0.00", "orders": 0, "sessions": 0, "growth": None},
        {"month": "2024-02", "gmv": "0.00", "orders": 0, "sessions": 0, "growth": None},
        {"month": "2024-03", "gmv": "0.00", "orders": 0, "sessions": 0, "growth": None},
        {"month": "2024-04", "gmv": "1000.00", "orders": 10, "sessions": 1, "growth": None},
        {"month": "2024-05", "gmv": "5000.00", "orders": 100, "sessions": 1, "growth": 400.0},
        {"month": "2024-06", "gmv": "15000.50", "orders": 350, "sessions": 2, "growth": 200.0},
    ]


def test_it_takes_the_growth_of_the_first_month_from_the_month_before_the_period(client):
    rows = get(client, "gmv-by-month", date_from="2024-05-01")["rows"]
    assert [(r["month"], r["gmv"], r["growth"]) for r in rows] == [
        ("2024-05", "5000.00", 400.0),
        ("2024-06", "15000.50", 200.0),
    ]


def test_it_rates_party_class_attendance_per_branch(client, world):
    data = get(client, "attendance-by-branch")
    assert data["rows"] == [
        # 3 attended of 6 records, one excused absence not expected: 3 / 5
        {
            "branch_id": world.branch_a.pk,
            "branch": "孵化器联合党支部",
            "classes": 2,
            "expected": 5,
            "attended": 3,
            "excused": 1,
            "rate": 60.0,
        },
        {
            "branch_id": world.branch_a2.pk,
            "branch": "机关党支部",
            "classes": 2,
            "expected": 4,
            "attended": 3,
            "excused": 0,
            "rate": 75.0,
        },
    ]
    assert data["overall_rate"] == 66.7  # 6 / 9


def test_it_lists_the_branches_that_held_no_party_class_this_quarter(client, world):
    data = get(client, "branches-without-class")
    # branch_a hosted a Party class in May (and was in the audience of another in June); branch_a2 held
    # only a themed Party day this quarter, its last Party class was on 2024-02-20, 131 days before 06-30.
    assert data == {
        "quarter": "2024Q2",
        "branches_total": 2,
        "branches_without": 1,
        "rows": [
            {
                "branch_id": world.branch_a2.pk,
                "branch": "机关党支部",
                "region": "淮河路街道",
                "last_class": "2024-02-20",
                "days_since": 131,
            },
        ],
    }


def test_it_counts_a_class_for_the_branches_below_an_audience_organization(client, world, district):
    # Only p2 (hosted by the working committee for committee_a and below) leaves branch_a counted.
    district.p1.delete()
    dashboards_invalidate()
    rows = get(client, "branches-without-class")["rows"]
    assert [r["branch"] for r in rows] == ["机关党支部"]


def test_it_counts_incubator_tenants_by_industry_and_status(client):
    data = get(client, "tenants-by-industry")
    assert [s["key"] for s in data["series"]] == ["moved_in", "graduated", "left"]
    by_industry = {
        r["industry"]: (r["moved_in"], r["graduated"], r["left"], r["total"]) for r in data["rows"]
    }
    assert by_industry == {"tech": (2, 1, 0, 3), "livestream": (1, 0, 0, 1), "food": (0, 0, 1, 1)}
    assert data["rows"][0]["industry"] == "tech"


def test_it_ranks_merchants_by_gmv(client, world, district):
    rows = get(client, "top-merchants")["rows"]
    assert rows == [
        {
            "enterprise_id": world.enterprise_a.pk,
            "enterprise": "丝路优选",
            "gmv": "16000.50",
            "orders": 360,
            "sessions": 3,
        },
        {
            "enterprise_id": district.enterprise_a2.pk,
            "enterprise": "豫味鲜直播",
            "gmv": "5000.00",
            "orders": 100,
            "sessions": 1,
        },
    ]


def test_it_sums_sales_by_platform(client):
    rows = get(client, "sales-by-platform")["rows"]
    assert [(r["platform"], r["gmv"], r["orders"], r["sessions"], r["viewers"]) for r in rows] == [
        ("douyin", "12000.50", 300, 1, 5000),
        ("kuaishou", "5000.00", 100, 1, 1500),
        ("hub", "3000.00", 50, 1, 999),
        ("jd", "1000.00", 10, 1, 100),
    ]
    assert rows[0]["label"] == "抖音"


def test_it_shows_the_same_key_figures_on_the_page(client):
    response = client.get("/dashboard/", PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    for key, text in [
        ("organizations", "4"),
        ("members", "5"),
        ("sessions_this_month", "7"),
        ("hours_broadcast", "17.0"),
        ("viewers_total", "6,607"),
        ("viewers_peak", "800"),
        ("gmv_this_month", "¥15,000.50"),
    ]:
        assert f'data-kpi="{key}">{text}<' in html, key
    assert "+200.0%" in html


def test_it_narrows_the_figures_to_a_building(client, world):
    k = get(client, "kpis", building=world.building_a.pk)
    # The building's Party organization is committee_a: committee_a and branch_a, branch_a's 3 members.
    assert (k["organizations"], k["members"], k["alliance_members"], k["enterprises"]) == (2, 3, 2, 1)
    assert k["incubator_tenants"] == 3
    # Sessions of the building's enterprises or of organizations under committee_a: s1, s2, the scheduled class.
    assert k["sessions_this_month"] == 3
    assert (k["gmv_this_month"], k["gmv_previous_month"]) == ("15000.50", "0.00")
    assert k["gmv_growth"] is None


def test_it_narrows_the_figures_to_an_organization_subtree(client, world):
    k = get(client, "kpis", organization=world.branch_a2.pk)
    assert (k["organizations"], k["members"], k["enterprises"]) == (1, 2, 1)
    # p3 (hosted), s4 (its enterprise's organization is branch_a2) in June; s3 in May.
    assert k["sessions_this_month"] == 2
    assert (k["gmv_this_month"], k["gmv_previous_month"]) == ("0.00", "5000.00")
    assert k["gmv_growth"] == -100.0
    rows = get(client, "attendance-by-branch", organization=world.branch_a2.pk)["rows"]
    assert [r["branch"] for r in rows] == ["机关党支部"]


def test_it_narrows_the_period(client):
    k = get(client, "kpis", date_from="2024-06-01", date_to="2024-06-30")
    assert k["hours_broadcast"] == 11.5  # 1 + 0.5 + 6 + 2 + 1 + 1
    assert k["viewers_total"] == 5005  # 5000 reported + 3 in s2's room + 2 at the promotion
    rows = get(client, "sales-by-platform", date_from="2024-06-01")["rows"]
    assert [(r["platform"], r["gmv"]) for r in rows] == [("douyin", "12000.50"), ("hub", "3000.00")]


def test_it_counts_a_live_session_up_to_now(client, world, district):
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from hub.dashboards.filters import DashboardFilter
    from hub.dashboards.selectors import kpis
    from tests import factories as f

    # Noon of today in Shanghai: a session that went live two hours before "now" started today
    # whatever the hour the suite runs at (sessions count in the period of the day they start).
    now = timezone.make_aware(datetime.combine(timezone.localdate(), time(12)))
    f.LiveSessionFactory(
        host_organization=world.root_a,
        status="live",
        starts_at=now - timedelta(hours=2),
        ends_at=now + timedelta(hours=1),
        went_live_at=now - timedelta(hours=2),
    )
    today = timezone.localdate()
    figures = kpis(
        DashboardFilter(region_ids=(world.district_a.pk, world.sub_a.pk), date_from=today, date_to=today),
        now=now,
    )
    assert figures["hours_broadcast"] == 2.0
    assert figures["sessions_this_month"] >= 1


def test_it_keeps_money_exact(client):
    k = get(client, "kpis")
    assert Decimal(k["gmv_this_month"]) == Decimal("12000.50") + Decimal("3000.00")
