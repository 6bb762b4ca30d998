"""Who may open the dashboards, and what they may see: their own district or subdistrict, nothing more,
whatever the query string says. Bad filters give a message and no figures, never a 500."""

import json

import pytest
from django.test import Client

from hub.dashboards.selectors import SECTIONS
from tests import factories as f
from tests.dashboard_fixtures import PERIOD, build_district, official_of
from tests.support import client_for

pytestmark = pytest.mark.django_db

CHARTS = [*SECTIONS, "live-now"]
URLS = [
    "/dashboard/",
    "/dashboard/screen/",
    *[f"/dashboard/data/{c}.json" for c in CHARTS],
    "/dashboard/export.xlsx",
    *[f"/dashboard/export/{c}.xlsx" for c in CHARTS],
]
# Names in district A's data that nobody outside district A may read.
SECRETS_OF_A = [
    "淮河路街道",
    "孵化器联合党支部",
    "机关党支部",
    "丝路优选",
    "豫味鲜直播",
    "区长带你逛二七",
    "15000.50",
]


@pytest.fixture
def district(world):
    return build_district(world)


def everything(client, **params) -> str:
    """Every page, JSON endpoint and export of the dashboard as one text."""
    out = []
    for url in URLS:
        response = client.get(url, {**PERIOD, **params})
        assert response.status_code == 200, url
        if url.endswith(".xlsx"):
            from io import BytesIO

            from openpyxl import load_workbook

            wb = load_workbook(BytesIO(response.content))
            out += [
                str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None
            ]
        else:
            out.append(response.content.decode())
    return "\n".join(out)


@pytest.mark.parametrize("persona", ["merchant", "member", "organizer", "outsider"])
def test_it_refuses_everyone_but_officials_and_staff(persona, personas, district):
    client = client_for(personas[persona])
    for url in URLS:
        assert client.get(url, PERIOD).status_code == 403, url


def test_it_sends_anonymous_visitors_to_sign_in(db, district):
    for url in URLS:
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next=/dashboard/")


def test_an_official_of_another_district_sees_nothing_of_this_one(district, world):
    text = everything(client_for(official_of(world.district_b, "b@example.com")))
    for secret in SECRETS_OF_A:
        assert secret not in text, secret
    k = (
        client_for(official_of(world.district_b, "b2@example.com"))
        .get("/dashboard/data/kpis.json", PERIOD)
        .json()
    )
    assert (k["data"]["organizations"], k["data"]["gmv_this_month"]) == (2, "77777.00")


def test_an_official_of_another_subdistrict_of_the_same_district_sees_nothing_of_this_one(district, world):
    sibling = f.SubdistrictFactory(name="铭功路街道", parent=world.district_a)
    root = f.OrganizationFactory(name="铭功路街道党工委", kind="working_committee", region=sibling)
    f.LiveSessionFactory(host_organization=root, title="铭功路党课")
    client = client_for(official_of(sibling, "sibling@example.com"))
    text = everything(client)
    for secret in SECRETS_OF_A:
        assert secret not in text, secret
    data = client.get("/dashboard/data/kpis.json", PERIOD).json()["data"]
    assert (data["organizations"], data["members"], data["enterprises"], data["sessions_this_month"]) == (
        1,
        0,
        0,
        0,
    )
    # The district's official sees both subdistricts.
    district_official = client_for(official_of(world.district_a, "district@example.com"))
    assert district_official.get("/dashboard/data/kpis.json", PERIOD).json()["data"]["organizations"] == 5


def test_staff_see_every_district(staff, district):
    data = client_for(staff).get("/dashboard/data/kpis.json", PERIOD).json()["data"]
    assert data["organizations"] == 6
    assert data["gmv_this_month"] == "92777.50"  # 15000.50 in A and 77777.00 in B


def test_a_district_official_may_narrow_to_one_subdistrict(official, district, world):
    client = client_for(official)
    data = client.get("/dashboard/data/kpis.json", {**PERIOD, "region": world.sub_a.pk}).json()["data"]
    assert data["organizations"] == 4


@pytest.mark.parametrize(
    "field,target",
    [
        ("building", "building_b"),
        ("organization", "root_b"),
        ("organization", "branch_b"),
        ("region", "sub_b"),
    ],
)
def test_it_refuses_a_filter_outside_the_scope_with_a_message_and_no_data(
    official, district, world, field, target
):
    client = client_for(official)
    params = {**PERIOD, field: getattr(world, target).pk}
    page = client.get("/dashboard/", params)
    assert page.status_code == 400
    html = page.content.decode()
    assert "not in your area" in html or "不在您的" in html
    assert 'data-kpi="' not in html
    for secret in ["外街道", "外支部", "外企业", "77777", "外大厦"]:
        # the select of the filter only lists what the official may choose
        assert secret not in html, secret
    data = client.get("/dashboard/data/kpis.json", params)
    assert data.status_code == 400
    assert field in data.json()["errors"]
    assert "data" not in data.json()
    assert client.get("/dashboard/export.xlsx", params).status_code == 400
    assert client.get("/dashboard/screen/", params).status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"building": "abc"},
        {"building": "-1"},
        {"building": "99999999999999999999999"},
        {"organization": "1.5"},
        {"organization": "0x10"},
        {"region": "\x00"},
        {"date_from": "2024-13-01"},
        {"date_from": "yesterday"},
        {"date_to": "2024-02-30"},
        {"date_from": "2024-06-01", "date_to": "2024-05-01"},
        {"date_from": "2019-01-01", "date_to": "2024-06-30"},
        {"date_from": "1900-01-01", "date_to": "1900-02-01"},
        {"date_to": "2999-01-01"},
        {"date_from": "9999-12-31"},
    ],
)
def test_bad_filter_input_gives_a_message_never_a_500(official, district, params):
    client = client_for(official)
    page = client.get("/dashboard/", params)
    assert page.status_code == 400
    assert 'class="errorlist"' in page.content.decode()
    response = client.get("/dashboard/data/gmv-by-month.json", params)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors and all(messages for messages in errors.values())


def test_it_shows_the_messages_in_chinese_first(official, district):
    page = client_for(official).get("/dashboard/", {"date_from": "2024-06-01", "date_to": "2024-05-01"})
    assert "结束日期不能早于开始日期" in page.content.decode()


def test_a_building_of_another_subdistrict_than_the_chosen_one_is_refused(official, district, world):
    other = f.SubdistrictFactory(name="铭功路街道", parent=world.district_a)
    params = {**PERIOD, "region": other.pk, "building": world.building_a.pk}
    response = client_for(official).get("/dashboard/data/kpis.json", params)
    assert response.status_code == 400
    assert "building" in response.json()["errors"]


def test_an_unknown_chart_is_not_found(official, district):
    client = client_for(official)
    assert client.get("/dashboard/data/salaries.json").status_code == 404
    assert client.get("/dashboard/export/salaries.xlsx").status_code == 404


def test_only_officials_and_staff_get_the_nav_link(personas, district):
    for persona, user in personas.items():
        client = client_for(user) if user else Client()
        html = client.get("/").content.decode()
        assert ('href="/dashboard/"' in html) == (persona in {"official", "staff"}), persona


def test_the_json_names_its_period_and_when_it_was_computed(official, district):
    body = client_for(official).get("/dashboard/data/top-merchants.json", PERIOD).json()
    assert body["period"] == {"from": "2024-01-01", "to": "2024-06-30"}
    assert body["chart"] == "top-merchants"
    assert body["computed_at"]
    assert body["table"]["rows"][0][:3] == [1, "丝路优选", "16000.50"]
    json.dumps(body)
