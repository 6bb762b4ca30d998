"""The number of queries of a dashboard request does not grow with the data, and cached sections are
served without computing them again; Celery keeps the officials' default dashboards computed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub.dashboards.filters import default_filter, scope_region_ids
from hub.dashboards.selectors import SECTIONS
from hub.dashboards.services import (
    _generation,
    dashboard_section,
    dashboards_invalidate,
    dashboards_refresh,
    section_key,
)
from livestreams.models import LiveSession, SalesSession
from partyorgs.permissions import get_scope
from tests import factories as f
from tests.dashboard_fixtures import (
    PERIOD,
    AttendanceFactory,
    at,
    held,
    party_class,
    sales,
)
from tests.support import client_for, wait_until

URLS = ["/dashboard/", "/dashboard/screen/", *[f"/dashboard/data/{c}.json" for c in [*SECTIONS, "live-now"]]]


def add_activity(world, start: int, n: int) -> None:
    """n sessions of every kind in district A, with results, attendance, presence and some live ones."""
    members = [f.MemberFactory(branch=world.branch_a) for _ in range(2)]
    for i in range(start, start + n):
        day = at(2024, 1 + i % 6, 1 + i % 28, 8 + i % 12)
        if i % 3 == 0:
            s = party_class(world.branch_a, **held(day, 1))
            for m in members:
                AttendanceFactory(session=s, member=m, attended=bool(i % 2))
        elif i % 3 == 1:
            s = sales(
                world.enterprise_a,
                list(SalesSession.Platform)[i % 6],
                result={"gmv": Decimal(i * 10), "orders": i, "peak_viewers": i, "viewers": i},
                **held(day, 2),
            )
        else:
            s = f.LiveSessionFactory(
                kind=LiveSession.Kind.PROMOTION,
                host_organization=world.root_a,
                status="live",
                went_live_at=day,
                starts_at=day,
                ends_at=day + timedelta(hours=30000),
            )
        f.PresenceFactory(session=s, user=members[0].user)


def query_counts(client) -> dict[str, int]:
    counts = {}
    for url in URLS:
        dashboards_invalidate()  # measure the cold path: every section computed by the database
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, PERIOD)
        assert response.status_code == 200, url
        counts[url] = len(ctx.captured_queries)
    return counts


@pytest.fixture
def official_client(official, world):
    c = client_for(official)
    c.get("/dashboard/")  # the session is loaded once: the counts below are of steady requests
    return c


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_data(official_client, world):
    add_activity(world, 0, 1)
    with_one = query_counts(official_client)
    add_activity(world, 1, 49)
    assert LiveSession.objects.count() >= 50
    with_fifty = query_counts(official_client)
    assert with_fifty == with_one
    assert max(with_one.values()) <= 25, with_one


@pytest.mark.django_db
def test_a_cached_section_is_served_without_computing_it_again(official_client, world):
    add_activity(world, 0, 6)
    dashboards_invalidate()
    first = official_client.get("/dashboard/data/sessions-by-month.json", PERIOD).json()
    with CaptureQueriesContext(connection) as ctx:
        second = official_client.get("/dashboard/data/sessions-by-month.json", PERIOD).json()
    assert second == first
    assert not any("livestreams_livesession" in q["sql"] for q in ctx.captured_queries)


@pytest.mark.django_db
def test_invalidating_makes_the_next_request_count_again(official_client, world):
    add_activity(world, 0, 3)
    dashboards_invalidate()
    before = official_client.get("/dashboard/data/kpis.json", PERIOD).json()["data"]["sessions_this_month"]
    add_activity(world, 3, 6)  # two more sessions start in June 2024 (i = 5 and i = 11 ... of 3..8)
    assert (
        official_client.get("/dashboard/data/kpis.json", PERIOD).json()["data"]["sessions_this_month"]
        == before
    )
    dashboards_invalidate()
    after = official_client.get("/dashboard/data/kpis.json", PERIOD).json()["data"]["sessions_this_month"]
    assert (
        after
        == LiveSession.objects.filter(
            starts_at__gte=at(2024, 6, 1, 0), starts_at__lt=at(2024, 7, 1, 0)
        ).count()
    )
    assert after > before


@pytest.mark.django_db
def test_refreshing_computes_the_default_dashboard_of_every_official_and_of_staff(official, staff, world):
    dashboards_invalidate()
    assert dashboards_refresh() == 2
    generation = _generation()
    for region_ids in (scope_region_ids(get_scope(official)), None):
        for name in SECTIONS:
            assert cache.get(section_key(name, default_filter(region_ids), generation)) is not None, name


@pytest.mark.django_db
def test_the_page_uses_what_the_refresh_computed(official, world):
    dashboards_invalidate()
    dashboards_refresh()
    f_ = default_filter(scope_region_ids(get_scope(official)))
    computed_at = dashboard_section("kpis", f_)["computed_at"]
    c = client_for(official)
    assert c.get("/dashboard/data/kpis.json").json()["computed_at"] == computed_at


def test_beat_refreshes_the_dashboards_every_two_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["dashboards-refresh"]
    assert entry["task"] == "hub.dashboards.tasks.refresh_dashboards"
    assert entry["schedule"] == timedelta(minutes=2)


def test_a_real_worker_refreshes_the_cached_dashboards(celery_worker, official, world):
    from hub.dashboards.tasks import refresh_dashboards

    dashboards_invalidate()
    key = section_key("kpis", default_filter(scope_region_ids(get_scope(official))), _generation())
    assert cache.get(key) is None
    refresh_dashboards.delay()
    payload = wait_until(lambda: cache.get(key), timeout=60, message="the worker to refresh the dashboards")
    assert payload["data"]["organizations"] == 4
