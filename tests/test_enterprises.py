"""The enterprise directory (/enterprises/): filters, pagination, htmx, scope, bad query parameters."""

import pytest

from partyorgs.models import Industry
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(world):
    """Enterprises of subdistrict A in two buildings, one alliance, three industries."""
    alliance = f.AllianceFactory(
        name="淮河路街道党建联盟", region=world.sub_a, lead_organization=world.root_a
    )
    park = f.BuildingFactory(name="电商园", region=world.sub_a, party_organization=world.root_a)
    ents = []
    for i in range(25):
        ents.append(
            f.EnterpriseFactory(
                name=f"企业{i:02d}",
                region=world.sub_a,
                building=world.building_a if i % 2 else park,
                alliance=alliance if i % 5 == 0 else None,
                industry=[Industry.LIVESTREAM, Industry.CROSS_BORDER, Industry.FOOD][i % 3],
                party_organization=world.branch_a2,
            )
        )
    return alliance, park, ents


def _names(resp) -> list[str]:
    return [e.name for e in resp.context["page"].object_list]


def test_it_lists_the_enterprises_of_the_organizers_scope_twenty_per_page(
    client, organizer, world, directory
):
    client.force_login(organizer)
    resp = client.get("/enterprises/")
    assert resp.status_code == 200
    assert resp.context["page"].paginator.count == 26  # 25 + world.enterprise_a
    assert len(_names(resp)) == 20
    assert "外企业" not in resp.content.decode()
    second = client.get("/enterprises/?page=2")
    assert len(_names(second)) == 6


def test_it_filters_by_industry_building_and_alliance(client, organizer, world, directory):
    alliance, park, ents = directory
    client.force_login(organizer)
    by_industry = client.get("/enterprises/", {"industry": Industry.FOOD})
    assert set(_names(by_industry)) == {e.name for e in ents if e.industry == Industry.FOOD}
    by_building = client.get("/enterprises/", {"building": park.pk})
    assert set(_names(by_building)) == {e.name for e in ents if e.building_id == park.pk}
    by_alliance = client.get("/enterprises/", {"alliance": alliance.pk, "industry": Industry.LIVESTREAM})
    assert set(_names(by_alliance)) == {
        e.name for e in ents if e.alliance_id == alliance.pk and e.industry == Industry.LIVESTREAM
    }
    by_name = client.get("/enterprises/", {"q": "企业0"})
    assert len(_names(by_name)) == 10


def test_the_filter_offers_only_the_buildings_and_alliances_in_scope(client, merchant, world, directory):
    client.force_login(merchant)
    form = client.get("/enterprises/").context["form"]
    assert list(form.fields["building"].queryset) == [world.building_a]
    assert list(form.fields["alliance"].queryset) == []


@pytest.mark.parametrize(
    "query",
    [
        {"industry": "spaceships"},
        {"building": "abc"},
        {"building": "99999999999999999999"},
        {"alliance": "-1"},
        {"page": "x"},
        {"page": "0"},
        {"q": "x" * 500},
    ],
)
def test_bad_query_parameters_give_a_message_in_chinese_and_never_fail(client, organizer, directory, query):
    client.force_login(organizer)
    resp = client.get("/enterprises/", query)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'id="filter-errors"' in html
    assert "此筛选条件已忽略" in html
    assert resp.context["page"].paginator.count == 26  # the bad filter was ignored, nothing else changed


def test_a_bad_filter_does_not_drop_the_good_ones(client, organizer, directory):
    client.force_login(organizer)
    resp = client.get("/enterprises/", {"industry": Industry.FOOD, "building": "abc"})
    assert resp.context["page"].paginator.count == 8
    assert "此筛选条件已忽略" in resp.content.decode()


def test_a_page_past_the_end_shows_the_last_page_and_says_so(client, organizer, directory):
    client.force_login(organizer)
    resp = client.get("/enterprises/?page=99")
    assert resp.status_code == 200
    assert resp.context["page"].number == 2
    assert "没有第 99 页" in resp.content.decode()


def test_htmx_requests_get_only_the_results(client, organizer, directory):
    client.force_login(organizer)
    resp = client.get("/enterprises/", {"industry": Industry.FOOD}, headers={"HX-Request": "true"})
    html = resp.content.decode()
    assert html.lstrip().startswith('<section id="enterprise-results"')
    assert "<html" not in html
    assert "共 8 家企业" in html


def test_the_page_and_its_filter_have_visible_labels_and_a_progress_indicator(client, organizer, directory):
    client.force_login(organizer)
    html = client.get("/enterprises/").content.decode()
    for field in ["q", "industry", "building", "alliance"]:
        assert f'<label for="id_{field}">' in html
    assert 'hx-indicator="#filter-progress"' in html
    assert "vendor/htmx.min.js" in html


def test_the_list_runs_a_fixed_number_of_queries(
    client, organizer, world, directory, django_assert_max_num_queries
):
    client.force_login(organizer)
    client.get("/enterprises/")
    with django_assert_max_num_queries(14):
        client.get("/enterprises/")
    f.EnterpriseFactory.create_batch(30, region=world.sub_a, building=world.building_a)
    with django_assert_max_num_queries(14):
        client.get("/enterprises/?page=2")


def test_a_member_sees_the_enterprises_of_their_branch(client, member, world, directory):
    client.force_login(member)
    resp = client.get("/enterprises/")
    assert _names(resp) == ["丝路优选"]


def test_an_enterprise_page_shows_its_facts(client, merchant, world):
    client.force_login(merchant)
    resp = client.get(f"/enterprises/{world.enterprise_a.pk}/")
    assert resp.status_code == 200
    assert world.enterprise_a.credit_code in resp.content.decode()


def test_enterprises_outside_the_scope_do_not_exist(client, merchant, organizer, world):
    client.force_login(merchant)
    assert client.get(f"/enterprises/{world.enterprise_b.pk}/").status_code == 404
    client.force_login(organizer)
    assert client.get(f"/enterprises/{world.enterprise_b.pk}/").status_code == 404
    assert client.get("/enterprises/99999999999999999999/").status_code == 404
