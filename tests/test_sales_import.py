"""Bulk import of results from CSV or .xlsx: the whole file is checked first, problems are listed by row
and column, and nothing is imported unless every row is valid. The check runs in a Celery task; here the
service the task calls (results_import_run) runs in the test's transaction, and tests/test_sales_import_worker.py
drives the whole path through a real worker."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from livestreams.models import ResultsImport, SalesResult, SalesSession
from livestreams.services.sales_import import parse_results, results_import_run
from tests.sales_helpers import ended_sales_session
from tests.support import client_for

pytest_plugins = ["tests.sales_fixtures"]
pytestmark = pytest.mark.django_db

HEADER = "场次编号,标题,成交额（元）,订单数,峰值在线,观看人数,新增粉丝"


def csv_file(text: str, name="results.csv", encoding="utf-8-sig"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows, name="results.xlsx"):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def post_import(client, upload):
    """Upload like the browser, run the check the task would run, and return the import's page (or the
    form page when the form itself refused the file)."""
    response = client.post("/sales/results/import/", {"file": upload})
    if response.status_code != 302:
        return response
    job = ResultsImport.objects.latest("pk")
    assert response["Location"] == f"/sales/results/import/{job.pk}/"
    results_import_run(import_id=job.pk)
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page


@pytest.fixture
def two_sessions(world):
    return ended_sales_session(world.enterprise_a, days_ago=2), ended_sales_session(
        world.enterprise_a, days_ago=1
    )


def test_it_imports_a_valid_csv(world, merchant, two_sessions):
    a, b = two_sessions
    text = f'{HEADER}\n{a.pk},第一场,"12,800.50",320,860,15200,430\n{b.pk},第二场,¥9800,210,640,,\n'
    response = post_import(client_for(merchant), csv_file(text))
    assert "已导入 2 个场次的数据" in response.content.decode()
    assert ResultsImport.objects.get().state == ResultsImport.State.IMPORTED
    ra, rb = SalesResult.objects.get(sales_session=a), SalesResult.objects.get(sales_session=b)
    assert (ra.gmv, ra.orders, ra.peak_viewers, ra.viewers, ra.new_followers) == (
        Decimal("12800.50"),
        320,
        860,
        15200,
        430,
    )
    assert (rb.gmv, rb.orders, rb.viewers, rb.new_followers) == (Decimal("9800.00"), 210, 0, 0)


def test_it_imports_an_xlsx_with_numbers_as_excel_stores_them(world, merchant, two_sessions):
    a, b = two_sessions
    rows = [
        ["场次编号", "成交额（元）", "订单数", "峰值在线"],
        [a.pk, 12800.5, 320.0, 860],
        [b.pk, 12.345, 3, 40],  # fractions of a fen
    ]
    post_import(client_for(merchant), xlsx_file(rows[:2]))
    assert SalesResult.objects.get(sales_session=a).gmv == Decimal("12800.50")
    response = post_import(client_for(merchant), xlsx_file([rows[0], rows[2]]))
    assert "两位小数" in response.content.decode()


def test_it_reads_a_csv_that_chinese_excel_saved_in_gbk(world, merchant, two_sessions):
    a, _ = two_sessions
    text = f"场次编号,成交额（元）,订单数,峰值在线\n{a.pk},100.00,1,2\n"
    post_import(client_for(merchant), csv_file(text, encoding="gb18030"))
    assert SalesResult.objects.get().gmv == Decimal("100.00")


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_problem(world, merchant, two_sessions):
    a, b = two_sessions
    text = (
        f"{HEADER}\n"
        f"{a.pk},好的一行,100.00,1,2,3,4\n"
        f"{b.pk},坏的一行,-5,1.5,abc,,\n"
        f",没有编号,100,1,1,,\n"
        f"99999,别人的,100,1,1,,\n"
        f"{a.pk},重复,100,1,1,,\n"
    )
    response = post_import(client_for(merchant), csv_file(text))
    assert not SalesResult.objects.exists()
    body = response.content.decode()
    assert "未导入任何数据" in body
    outcome = parse_results(user=merchant, name="r.csv", content=text.encode("utf-8"))
    problems = {(p.row, p.column): p.message for p in outcome.problems}
    assert outcome.rows == []
    assert "不能为负数" in problems[(3, "C 成交额（元）")]
    assert "整数" in problems[(3, "D 订单数")]
    assert "整数" in problems[(3, "E 峰值在线")]
    assert "缺少场次编号" in problems[(4, "A 场次编号")]
    assert "99999" in problems[(5, "A 场次编号")]
    assert "第 2 行" in problems[(6, "A 场次编号")]
    assert len(outcome.problems) == 6
    for row, column in problems:
        assert f"<td>{row}</td><td>{column}</td>" in body


def test_sessions_of_other_enterprises_or_not_yet_ended_are_refused(world, merchant, pending):
    other = ended_sales_session(world.enterprise_b)
    text = f"场次编号,成交额（元）,订单数,峰值在线\n{other.pk},1,1,1\n{pending.pk},1,1,1\n"
    outcome = parse_results(user=merchant, name="r.csv", content=text.encode())
    assert [(p.row, "没有编号为" in p.message or "暂不能填报" in p.message) for p in outcome.problems] == [
        (2, True),
        (3, True),
    ]


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("r.csv", "标题,订单数\n一,1\n".encode(), "缺少以下列"),
        ("r.csv", b"", "列名"),
        ("r.csv", "场次编号,成交额（元）,订单数,峰值在线\n".encode(), "没有数据行"),
        ("r.xlsx", b"not a zip file", "Excel"),
        ("r.txt", b"1,2,3", ".csv"),
        ("r.csv", b"\xff\xfe\x00\x00garbage\x81\x81\xff", "编码"),
    ],
)
def test_unreadable_files_get_a_clear_message(world, merchant, name, content, fragment):
    response = post_import(client_for(merchant), SimpleUploadedFile(name, content))
    assert fragment in response.content.decode()
    assert not SalesResult.objects.exists()


def test_importing_the_same_file_twice_changes_nothing_more(world, merchant, two_sessions):
    a, b = two_sessions
    text = f"场次编号,成交额（元）,订单数,峰值在线\n{a.pk},100,1,2\n{b.pk},200,2,3\n"
    client = client_for(merchant)
    post_import(client, csv_file(text))
    post_import(client, csv_file(text))
    assert SalesResult.objects.count() == 2
    assert sorted(SalesResult.objects.values_list("gmv", flat=True)) == [Decimal("100.00"), Decimal("200.00")]


def test_the_template_lists_the_sessions_awaiting_results(world, merchant, two_sessions):
    a, b = two_sessions
    ended_sales_session(world.enterprise_b)
    response = client_for(merchant).get("/sales/results/template.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("场次编号,标题,开始时间,成交额（元）")
    assert [line.split(",")[0] for line in lines[1:]] == [str(a.pk), str(b.pk)]
    # The template, filled in, imports as is.
    filled = "\n".join(
        [lines[0]] + [",".join(line.split(",")[:3] + ["100", "1", "1", "0", "0"]) for line in lines[1:]]
    )
    post_import(client_for(merchant), csv_file(filled))
    assert SalesResult.objects.count() == 2
    assert not SalesSession.objects.filter(result__isnull=True, enterprise=world.enterprise_a).exists()


@pytest.mark.parametrize(
    "persona, status", [("organizer", 403), ("official", 403), ("member", 403), ("staff", 200)]
)
def test_only_merchants_and_staff_import(personas, world, persona, status):
    client = client_for(personas[persona])
    assert client.get("/sales/results/import/").status_code == status
    assert client.get("/sales/results/template.csv").status_code == status


@pytest.mark.parametrize(
    "value", ["1e999999999", "9" * 5000, "1e30", "-1e999999999", "NaN", "Infinity", "1e-999999"]
)
def test_numbers_far_out_of_range_are_cell_problems_not_a_crash(world, merchant, two_sessions, value):
    a, _ = two_sessions
    text = f"场次编号,成交额（元）,订单数,峰值在线\n{a.pk},{value},{value},1\n{value},1,1,1\n"
    outcome = parse_results(user=merchant, name="r.csv", content=text.encode())
    assert outcome.rows == []
    assert {(p.row, p.column[:1]) for p in outcome.problems} >= {(2, "B"), (2, "C"), (3, "A")}
