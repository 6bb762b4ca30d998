"""Incubators (/incubators/) and their tenants (/incubators/<id>/)."""

from datetime import date

import pytest

from partyorgs.models import IncubatorTenant
from tests import factories as f

S = IncubatorTenant.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def baijing(world):
    inc = f.IncubatorFactory(
        name="白鲸·孵化器", building=world.building_a, workstations=60, motto="跟党一起创业"
    )
    for i in range(15):
        f.IncubatorTenantFactory(incubator=inc, name=f"创客团队{i:02d}", workstations=2)
    f.IncubatorTenantFactory(
        incubator=inc,
        name="已毕业公司",
        status=S.GRADUATED,
        moved_in_on=date(2020, 1, 1),
        left_on=date(2022, 1, 1),
    )
    f.IncubatorTenantFactory(
        incubator=inc,
        name="已迁出团队",
        status=S.LEFT,
        moved_in_on=date(2020, 1, 1),
        left_on=date(2021, 1, 1),
    )
    return inc


@pytest.fixture
def other_incubator(world):
    return f.IncubatorFactory(name="外孵化器", building=world.building_b)


def test_it_lists_incubators_with_their_tenant_counts(client, official, baijing, other_incubator):
    client.force_login(official)
    resp = client.get("/incubators/")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "白鲸·孵化器" in html and "外孵化器" not in html
    assert "在孵 15 个团队" in html
    assert "已毕业 1 个" in html
    assert "已用 30 个，共 60 个" in html


def test_the_tenants_of_an_incubator_can_be_filtered_by_status(client, member, baijing):
    client.force_login(member)
    resp = client.get(f"/incubators/{baijing.pk}/")
    assert len(resp.context["tenants"]) == 17
    assert resp.context["moved_in"] == 15
    graduated = client.get(f"/incubators/{baijing.pk}/", {"status": S.GRADUATED})
    assert [t.name for t in graduated.context["tenants"]] == ["已毕业公司"]


def test_a_bad_status_filter_shows_a_message_and_all_tenants(client, organizer, baijing):
    client.force_login(organizer)
    resp = client.get(f"/incubators/{baijing.pk}/", {"status": "on-the-moon"})
    assert resp.status_code == 200
    assert len(resp.context["tenants"]) == 17
    assert "选择一个有效的选项" in resp.content.decode()


def test_a_merchant_sees_the_incubator_that_hosts_their_enterprise(client, merchant, world, baijing):
    client.force_login(merchant)
    assert client.get(f"/incubators/{baijing.pk}/").status_code == 404
    f.IncubatorTenantFactory(incubator=baijing, name="丝路优选", enterprise=world.enterprise_a)
    assert client.get(f"/incubators/{baijing.pk}/").status_code == 200


def test_incubators_outside_the_scope_do_not_exist(client, organizer, other_incubator):
    client.force_login(organizer)
    assert client.get(f"/incubators/{other_incubator.pk}/").status_code == 404
    assert "外孵化器" not in client.get("/incubators/").content.decode()


def test_the_incubator_pages_run_a_fixed_number_of_queries(
    client, organizer, baijing, django_assert_max_num_queries
):
    client.force_login(organizer)
    client.get("/incubators/")
    with django_assert_max_num_queries(10):
        client.get("/incubators/")
    with django_assert_max_num_queries(10):
        client.get(f"/incubators/{baijing.pk}/")
