"""Issue 11, item 3: a results file is checked off the web process, by a real Celery worker, while the
merchant's page shows the progress and then the outcome. Bombs end as a message and leave the worker up."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook

from config.celery import app
from livestreams.models import ResultsImport, SalesResult
from livestreams.services.sales_import import parse_results
from tests.sales_helpers import ended_sales_session
from tests.support import wait_until
from tests.test_tabular import SHEET, header_row, rewrite, sheet_xml, workbook_bytes

S = ResultsImport.State


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def upload(client, name, content) -> ResultsImport:
    response = client.post("/sales/results/import/", {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302
    job = ResultsImport.objects.latest("pk")
    assert response["Location"] == f"/sales/results/import/{job.pk}/"
    return job


def finished(job) -> ResultsImport:
    return wait_until(
        lambda: ResultsImport.objects.filter(pk=job.pk).exclude(state__in=[S.QUEUED, S.CHECKING]).first(),
        timeout=60,
        message=f"import {job.pk} to finish",
    )


@pytest.mark.django_db(transaction=True)
def test_the_worker_checks_and_imports_and_the_page_shows_the_outcome(world, merchant, celery_worker):
    a, b = ended_sales_session(world.enterprise_a, days_ago=2), ended_sales_session(world.enterprise_a)
    client = client_for(merchant)
    text = f"场次编号,成交额（元）,订单数,峰值在线\n{a.pk},100.50,1,2\n{b.pk},200,2,3\n"
    job = finished(upload(client, "results.csv", text.encode()))
    assert (job.state, job.imported, bytes(job.content)) == (S.IMPORTED, 2, b"")
    assert SalesResult.objects.get(sales_session=a).gmv == Decimal("100.50")
    page = client.get(f"/sales/results/import/{job.pk}/").content.decode()
    assert "已导入 2 个场次的数据" in page and "hx-trigger" not in page

    bad = f"场次编号,成交额（元）,订单数,峰值在线\n{a.pk},-1,1,2\n"
    job = finished(upload(client, "results.csv", bad.encode()))
    assert job.state == S.REFUSED and job.problem_count == 1
    page = client.get(f"/sales/results/import/{job.pk}/").content.decode()
    assert "未导入任何数据" in page and "<td>2</td><td>B 成交额（元）</td>" in page


@pytest.mark.django_db(transaction=True)
def test_bombs_end_as_a_message_and_the_worker_stays_up(world, merchant, celery_worker):
    client = client_for(merchant)
    dimension_bomb = rewrite(workbook_bytes(), replace={SHEET: sheet_xml(header_row(), "A1:XFD1048576")})
    strings_bomb = rewrite(
        workbook_bytes([["x"]]),
        replace={"xl/sharedStrings.xml": b"<sst>" + b"<si><t/></si>" * 3_000_000 + b"</sst>"},
    )
    long_field = ("场次编号,成交额\n1," + "9" * 200_000 + "\n").encode()
    for name, content, message in [
        ("dimension.xlsx", dimension_bomb, "没有数据行"),
        ("strings.xlsx", strings_bomb, "解压后数据量过大"),
        ("long.csv", long_field, "无法读取"),
        ("nul.csv", b"a,b\n1,\x002\n", "NUL"),
        ("fake.xlsx", b"PK\x03\x04 not really a zip", "Excel"),
    ]:
        job = finished(upload(client, name, content))
        assert job.state == S.REFUSED, name
        assert message in job.problems[0]["message"], (name, job.problems)
    assert app.control.ping(destination=[celery_worker.hostname], timeout=5)
    assert not SalesResult.objects.exists()


@pytest.mark.django_db
def test_while_the_check_runs_the_page_polls_and_shows_progress(world, merchant):
    job = ResultsImport.objects.create(
        user=merchant, file_name="r.csv", state=S.CHECKING, rows_total=4000, rows_checked=1000
    )
    client = client_for(merchant)
    page = client.get(f"/sales/results/import/{job.pk}/").content.decode()
    assert "正在检查第 1000 行，共 4000 行" in page
    assert '<progress max="4000" value="1000"' in page
    assert 'hx-trigger="every 1s"' in page and "htmx.min.js" in page
    assert '<meta http-equiv="refresh"' in page  # without JavaScript, inside <noscript>
    partial = client.get(f"/sales/results/import/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="import-status"') and "<html" not in partial


@pytest.mark.django_db
def test_a_check_that_never_finished_shows_as_failed(world, merchant):
    job = ResultsImport.objects.create(user=merchant, file_name="r.xlsx", state=S.CHECKING)
    ResultsImport.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    page = client_for(merchant).get(f"/sales/results/import/{job.pk}/").content.decode()
    assert "文件无法检查" in page and "hx-trigger" not in page


@pytest.mark.django_db
def test_another_persons_import_is_not_found(world, merchant, staff):
    job = ResultsImport.objects.create(user=merchant, file_name="r.csv")
    assert client_for(staff).get(f"/sales/results/import/{job.pk}/").status_code == 404


@pytest.mark.django_db
def test_progress_is_reported_while_rows_are_checked(world, merchant):
    text = "场次编号,成交额（元）,订单数,峰值在线\n" + "".join(f"{i},1,1,1\n" for i in range(1, 601))
    calls = []
    outcome = parse_results(
        user=merchant, name="r.csv", content=text.encode(), progress=lambda *a: calls.append(a)
    )
    assert calls == [(250, 600), (500, 600), (600, 600)]
    assert len(outcome.problems) == 600 and outcome.rows == []


@pytest.mark.django_db
def test_an_xlsx_the_old_reader_padded_to_its_declared_dimension_now_imports(world, merchant):
    ss = ended_sales_session(world.enterprise_a)
    wb = Workbook()
    wb.active.append(["场次编号", "成交额（元）", "订单数", "峰值在线"])
    wb.active.append([ss.pk, 10, 1, 1])
    out = io.BytesIO()
    wb.save(out)
    import zipfile

    sheet = (
        zipfile.ZipFile(io.BytesIO(out.getvalue())).read(SHEET).replace(b'ref="A1:D2"', b'ref="A1:XFD5002"')
    )
    content = rewrite(out.getvalue(), replace={SHEET: sheet})
    outcome = parse_results(user=merchant, name="r.xlsx", content=content)
    assert outcome.problems == [] and [r.sales_session.pk for r in outcome.rows] == [ss.pk]
