"""Results after a session: validated, pre-filled from the hub room's measured peak, a far higher
self-reported peak flagged."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from livestreams.models import SalesResult, SalesSession
from livestreams.services.sales import peak_is_suspicious, sales_result_report
from tests.sales_helpers import ended_sales_session
from tests.support import client_for

pytest_plugins = ["tests.sales_fixtures"]
pytestmark = pytest.mark.django_db


def results(**overrides):
    data = {
        "gmv": "128800.50",
        "orders": "3120",
        "peak_viewers": "860",
        "viewers": "15200",
        "new_followers": "430",
    }
    data.update(overrides)
    return data


def test_a_merchant_reports_results(world, merchant):
    ss = ended_sales_session(world.enterprise_a)
    response = client_for(merchant).post(f"/sales/{ss.pk}/results/", results())
    assert response.status_code == 302 and response["Location"] == f"/sales/{ss.pk}/"
    result = SalesResult.objects.get()
    assert result.gmv == Decimal("128800.50") and result.orders == 3120 and result.peak_viewers == 860
    assert result.viewers == 15200 and result.new_followers == 430
    assert result.reported_by == merchant and not result.flagged
    assert "128800.50" in client_for(merchant).get(f"/sales/{ss.pk}/").content.decode()


def test_the_form_is_prefilled_with_the_peak_the_hub_room_measured(world, merchant):
    ss = ended_sales_session(world.enterprise_a, platform=SalesSession.Platform.HUB, peak=245, went_live=True)
    body = client_for(merchant).get(f"/sales/{ss.pk}/results/").content.decode()
    assert 'name="peak_viewers" value="245"' in body
    assert "245" in body and "实测" in body


def test_no_prefill_for_sessions_on_other_platforms(world, merchant):
    ss = ended_sales_session(
        world.enterprise_a, platform=SalesSession.Platform.KUAISHOU, peak=245, went_live=True
    )
    body = client_for(merchant).get(f"/sales/{ss.pk}/results/").content.decode()
    assert 'name="peak_viewers" value="245"' not in body


def test_a_peak_far_above_the_measured_one_is_flagged(world, merchant):
    ss = ended_sales_session(world.enterprise_a, platform=SalesSession.Platform.HUB, peak=200, went_live=True)
    response = client_for(merchant).post(
        f"/sales/{ss.pk}/results/", results(peak_viewers="5000"), follow=True
    )
    result = SalesResult.objects.get()
    assert result.flagged and result.measured_peak_viewers == 200 and result.peak_viewers == 5000
    body = response.content.decode()
    assert "待管理方核查" in body and "5000" in body
    # A close figure is not flagged, and correcting it clears the flag.
    client_for(merchant).post(f"/sales/{ss.pk}/results/", results(peak_viewers="230"))
    result.refresh_from_db()
    assert not result.flagged and result.peak_viewers == 230


@pytest.mark.parametrize(
    "reported, measured, flagged",
    [
        (5000, 200, True),
        (301, 200, True),
        (300, 200, False),
        (29, 5, True),
        (20, 5, False),
        (10, None, False),
        (20, 0, True),
    ],
)
def test_the_flag_rule(reported, measured, flagged):
    assert peak_is_suspicious(reported, measured) is flagged


@pytest.mark.parametrize(
    "field, value, fragment",
    [
        ("gmv", "-1", "0"),
        ("gmv", "12.345", "2"),
        ("gmv", "一万", "数"),
        ("orders", "-3", "0"),
        ("orders", "2.5", "整数"),
        ("peak_viewers", "", "必填"),
        ("new_followers", "abc", "整数"),
    ],
)
def test_bad_results_get_a_chinese_message_and_save_nothing(world, merchant, field, value, fragment):
    ss = ended_sales_session(world.enterprise_a)
    response = client_for(merchant).post(f"/sales/{ss.pk}/results/", results(**{field: value}))
    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert not SalesResult.objects.exists()


def test_results_wait_until_the_session_has_ended(world, merchant, pending):
    response = client_for(merchant).post(f"/sales/{pending.pk}/results/", results())
    assert response.status_code == 200 and "结束后才能填报" in response.content.decode()
    assert not SalesResult.objects.exists()
    with pytest.raises(ValidationError):
        sales_result_report(sales_session=pending, user=merchant, gmv=Decimal("1"), orders=1, peak_viewers=1)


def test_reporting_again_corrects_the_result(world, merchant):
    ss = ended_sales_session(world.enterprise_a)
    client = client_for(merchant)
    client.post(f"/sales/{ss.pk}/results/", results())
    client.post(f"/sales/{ss.pk}/results/", results(gmv="130000.00"))
    assert SalesResult.objects.count() == 1
    assert SalesResult.objects.get().gmv == Decimal("130000.00")
    assert 'value="130000.00"' in client.get(f"/sales/{ss.pk}/results/").content.decode()


def test_only_the_enterprise_reports(world, official, organizer, merchant):
    ss = ended_sales_session(world.enterprise_a)
    assert client_for(official).get(f"/sales/{ss.pk}/results/").status_code == 403
    assert client_for(organizer).post(f"/sales/{ss.pk}/results/", results()).status_code == 403
    assert not SalesResult.objects.exists()
    other = ended_sales_session(world.enterprise_b)
    assert client_for(merchant).get(f"/sales/{other.pk}/results/").status_code == 404
