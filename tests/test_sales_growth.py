"""Month-over-month growth in a merchant's history."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from livestreams.models import LiveSession, SalesResult, SalesSession
from livestreams.selectors.sales import growth_percent, sales_monthly_history
from tests import factories as f


@pytest.mark.parametrize(
    "current, previous, expected",
    [
        (130, 100, Decimal("30.0")),
        (100, 100, Decimal("0.0")),
        (50, 100, Decimal("-50.0")),
        (Decimal("1000.00"), Decimal("3.00"), Decimal("33233.3")),
        (2, 3, Decimal("-33.3")),
        (1, 3, Decimal("-66.7")),  # half up
        (Decimal("0.00"), Decimal("10.00"), Decimal("-100.0")),
        (10, 0, None),  # nothing to compare with
        (0, 0, None),
    ],
)
def test_growth_arithmetic(current, previous, expected):
    assert growth_percent(current, previous) == expected


def _result(enterprise, when: datetime, gmv: str, orders: int, viewers=0, followers=0):
    session = f.LiveSessionFactory(
        kind=LiveSession.Kind.SALES,
        host_organization=None,
        host_enterprise=enterprise,
        region=enterprise.region,
        starts_at=when,
        ends_at=when + timedelta(hours=2),
        status=LiveSession.Status.ENDED,
    )
    ss = SalesSession.objects.create(
        session=session, enterprise=enterprise, platform="douyin", approval=SalesSession.Approval.APPROVED
    )
    return SalesResult.objects.create(
        sales_session=ss,
        gmv=Decimal(gmv),
        orders=orders,
        peak_viewers=1,
        viewers=viewers,
        new_followers=followers,
    )


def shanghai(y, m, d, h=0, minute=0):
    return timezone.make_aware(datetime(y, m, d, h, minute), timezone.get_current_timezone())


@pytest.mark.django_db
def test_the_history_sums_each_month_and_compares_it_with_the_month_before(world):
    e = world.enterprise_a
    _result(e, shanghai(2026, 2, 10, 19), "1000.00", 10)  # before the window: only the base for March
    _result(e, shanghai(2026, 3, 1, 0, 30), "600.00", 5)  # 16:30 UTC on 28 Feb: still March in Shanghai
    _result(e, shanghai(2026, 3, 20, 19), "400.00", 5, viewers=100, followers=7)
    _result(e, shanghai(2026, 4, 30, 23, 50), "1300.00", 13)  # late on the last day of April
    _result(e, shanghai(2026, 6, 5, 19), "2000.00", 20)
    _result(world.enterprise_b, shanghai(2026, 4, 3, 19), "99999.00", 999)  # another enterprise
    rows = sales_monthly_history(enterprise_ids=[e.pk], months=4, today=date(2026, 6, 15))
    assert [r.month for r in rows] == [date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)]
    march, april, may, june = rows
    assert (march.sessions, march.gmv, march.orders, march.viewers, march.new_followers) == (
        2,
        Decimal("1000.00"),
        10,
        100,
        7,
    )
    assert march.gmv_growth == Decimal("0.0") and march.orders_growth == Decimal("0.0")
    assert april.gmv == Decimal("1300.00") and april.gmv_growth == Decimal("30.0")
    assert may.sessions == 0 and may.gmv == Decimal("0.00") and may.gmv_growth == Decimal("-100.0")
    assert june.gmv == Decimal("2000.00") and june.gmv_growth is None  # May had nothing


@pytest.mark.django_db
def test_the_history_page_shows_growth_for_the_merchants_enterprise(
    world, merchant, django_assert_max_num_queries
):
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    _result(world.enterprise_a, shanghai(last_month.year, last_month.month, 2, 19), "1000.00", 10)
    _result(world.enterprise_a, shanghai(this_month.year, this_month.month, 1, 9), "1300.00", 13)
    client = Client()
    client.force_login(merchant)
    with django_assert_max_num_queries(10):
        response = client.get("/sales/history/")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-month="{this_month:%Y-%m}"' in body
    assert "▲ 30.0%" in body
    assert body.count("<tr data-month=") == 12


@pytest.mark.django_db
def test_others_choose_an_enterprise_in_their_scope(world, organizer, official, other_organizer, merchant):
    for user in (organizer, official):
        client = Client()
        client.force_login(user)
        assert client.get("/sales/history/").status_code == 200
    _result(world.enterprise_a, shanghai(2026, 1, 5, 10), "1.00", 1)
    client = Client()
    client.force_login(organizer)
    assert client.get(f"/sales/history/?enterprise={world.enterprise_a.pk}").status_code == 200
    outsider_view = Client()
    outsider_view.force_login(other_organizer)
    assert outsider_view.get(f"/sales/history/?enterprise={world.enterprise_a.pk}").status_code == 404
    merchant_view = Client()
    merchant_view.force_login(merchant)
    assert merchant_view.get(f"/sales/history/?enterprise={world.enterprise_b.pk}").status_code == 404
    assert merchant_view.get("/sales/history/?enterprise=abc").status_code == 404
