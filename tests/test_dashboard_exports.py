"""The tables of the dashboard download as .xlsx with the same numbers as the JSON endpoints."""

from datetime import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from hub.dashboards.selectors import SECTIONS
from tests.dashboard_fixtures import PERIOD, build_district
from tests.support import client_for

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def district(world):
    return build_district(world)


@pytest.fixture
def client(official, district):
    c = client_for(official)
    return c


def rows(ws):
    return [list(r) for r in ws.iter_rows(min_row=5, values_only=True)]


def test_it_exports_every_table_one_sheet_each(client):
    response = client.get("/dashboard/export.xlsx", PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="dashboard-all-20240101-20240630.xlsx"'
    wb = load_workbook(BytesIO(response.content))
    assert len(wb.sheetnames) == len(SECTIONS) + 1
    assert wb.sheetnames[0] == "核心指标"
    kpis = dict((r[0], r[1]) for r in rows(wb["核心指标"]))
    assert kpis["党组织"] == 4
    assert kpis["观看人次"] == 6607
    assert float(kpis["本月成交额（元）"]) == 15000.50
    assert kpis["成交额环比增长（%）"] == 200.0
    assert wb["核心指标"]["B2"].value is None
    assert "2024-01-01" in wb["核心指标"]["A2"].value


def test_it_exports_one_chart_with_the_numbers_of_its_json(client):
    response = client.get("/dashboard/export/top-merchants.xlsx", PERIOD)
    assert response.status_code == 200
    ws = load_workbook(BytesIO(response.content)).active
    assert ws["A1"].value == "商家成交额排行"
    assert [c.value for c in ws[4]] == ["排名", "企业", "成交额（元）", "订单数", "场次"]
    table = client.get("/dashboard/data/top-merchants.json", PERIOD).json()["table"]
    assert [[r[0], r[1], float(r[2]), r[3], r[4]] for r in rows(ws)] == [
        [r[0], r[1], float(r[2]), r[3], r[4]] for r in table["rows"]
    ]
    assert rows(ws)[0][:2] == [1, "丝路优选"]


def test_it_exports_the_branches_without_a_party_class_with_their_last_date(client):
    ws = load_workbook(
        BytesIO(client.get("/dashboard/export/branches-without-class.xlsx", PERIOD).content)
    ).active
    assert rows(ws) == [["机关党支部", "淮河路街道", datetime(2024, 2, 20), 131]]
    assert ws["C5"].number_format == "yyyy-mm-dd"


def test_it_exports_in_english_when_asked(client):
    client.cookies["django_language"] = "en"
    ws = load_workbook(BytesIO(client.get("/dashboard/export/kpis.xlsx", PERIOD).content)).active
    assert ws["A1"].value == "Key figures"
    assert rows(ws)[0] == ["Party organizations", 4]


def test_it_refuses_to_export_with_bad_filters(client):
    response = client.get("/dashboard/export.xlsx", {"building": "x"})
    assert response.status_code == 400
    assert "text/html" in response["Content-Type"]
