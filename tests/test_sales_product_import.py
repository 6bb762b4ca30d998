"""Issue 17, item 5: per-product results (units, GMV, clicks) imported from the platforms' exports (抖音,
快手, 淘宝…) through a column mapping per platform (built-in defaults, replaced by staff in the admin), in
the same checked, all-or-nothing import as the per-session results, by a real Celery worker."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from livestreams.models import PlatformColumnMapping, Product, ProductResult, ResultsImport
from livestreams.services.sales_import import BUILTIN_MAPPINGS, column_map, parse_results
from tests.sales_helpers import ended_sales_session, register
from tests.support import client_for, wait_until
from tests.test_tabular import workbook_bytes

pytest_plugins = ["tests.sales_fixtures"]

S = ResultsImport.State


def with_products(ss, *names):
    for n, name in enumerate(names, start=1):
        Product.objects.create(sales_session=ss, name=name, price=Decimal(n * 10))
    return ss


# A 抖店 "直播商品" export: the session is named by its title, Chinese headers, money with ¥ and commas.
DOUYIN = '直播场次,商品ID,商品名称,商品点击次数,成交件数,成交金额\n{title},3579246810,郑州烩面礼盒,1820,95,"¥5,690.50"\n{title},3579246811,新郑红枣,640,41,1189\n'


@pytest.mark.django_db
def test_a_douyin_export_imports_per_product_figures_by_session_title(world, merchant):
    ss = with_products(ended_sales_session(world.enterprise_a), "郑州烩面礼盒", "新郑红枣")
    text = DOUYIN.format(title=ss.session.title)
    outcome = parse_results(user=merchant, name="抖店.csv", content=text.encode(), platform="douyin")
    assert outcome.problems == []
    assert [(r.product.name, r.units, r.gmv, r.clicks) for r in outcome.product_rows] == [
        ("郑州烩面礼盒", 95, Decimal("5690.50"), 1820),
        ("新郑红枣", 41, Decimal("1189.00"), 640),
    ]


@pytest.mark.django_db
def test_a_kuaishou_xlsx_names_the_session_by_number(world, merchant):
    ss = with_products(ended_sales_session(world.enterprise_a, platform="kuaishou"), "河南小磨香油")
    content = workbook_bytes(
        [
            ["直播标题", "商品标题", "销量", "支付金额(元)", "商品点击数"],
            [ss.pk, "河南小磨香油", 12, 359.4, 88],
        ]
    )
    outcome = parse_results(user=merchant, name="快手.xlsx", content=content, platform="kuaishou")
    assert outcome.problems == []
    assert [(r.product.name, r.units, r.gmv, r.clicks) for r in outcome.product_rows] == [
        ("河南小磨香油", 12, Decimal("359.40"), 88)
    ]


@pytest.mark.django_db
def test_every_problem_is_listed_and_nothing_is_kept(world, merchant):
    ss = with_products(ended_sales_session(world.enterprise_a), "郑州烩面礼盒")
    title = ss.session.title
    upcoming = register(merchant, world.enterprise_a)
    text = (
        "直播场次,商品名称,成交件数,成交金额,商品点击次数\n"
        f"{title},郑州烩面礼盒,1,10,1\n"
        f"{title},郑州烩面礼盒,2,20,2\n"  # the same product twice
        f"{title},不存在的商品,1,1,1\n"
        "别人的场次,郑州烩面礼盒,1,1,1\n"
        f"{upcoming.pk},郑州烩面礼盒,1,1,1\n"  # not ended
        f"{title},郑州烩面礼盒,-1,abc,1\n"
    )
    outcome = parse_results(user=merchant, name="r.csv", content=text.encode(), platform="douyin")
    assert outcome.product_rows == [] and outcome.rows == []
    by_row = {(p.row, p.column): p.message for p in outcome.problems}
    assert "第 2 行" in by_row[(3, "B 商品名称")] or "2" in by_row[(3, "B 商品名称")]
    assert "不存在的商品" in by_row[(4, "B 商品名称")]
    assert "别人的场次" in by_row[(5, "A 直播场次")]
    assert (6, "A 直播场次") in by_row
    assert {(7, "C 成交件数"), (7, "D 成交金额")} <= set(by_row)
    assert len(outcome.problems) == 7  # row 7 also repeats the product of row 2


@pytest.mark.django_db
def test_a_file_without_the_platforms_headers_is_refused_naming_them(world, merchant):
    text = "场次编号,成交额（元）,订单数,峰值在线\n1,1,1,1\n"
    outcome = parse_results(user=merchant, name="r.csv", content=text.encode(), platform="taobao")
    assert len(outcome.problems) == 1 and "宝贝标题" in outcome.problems[0].message


@pytest.mark.django_db
def test_staff_replace_a_platforms_mapping_and_add_one_for_another_platform(world, merchant):
    assert column_map("douyin") == BUILTIN_MAPPINGS["douyin"]
    assert column_map("jd") is None
    PlatformColumnMapping.objects.create(
        platform="jd",
        session_header="直播ID",
        product_header="商品名称|SKU名称",
        units_header="成交商品件数",
        gmv_header="成交金额",
    )
    ss = with_products(ended_sales_session(world.enterprise_a, platform="jd"), "郑州烩面礼盒")
    text = f"直播ID,SKU名称,成交商品件数,成交金额\n{ss.pk},郑州烩面礼盒,3,30\n"
    outcome = parse_results(user=merchant, name="jd.csv", content=text.encode(), platform="jd")
    assert outcome.problems == [] and outcome.product_rows[0].clicks == 0
    page = client_for(merchant).get("/sales/results/import/").content.decode()
    assert "SKU名称" in page and 'value="jd"' in page


@pytest.mark.django_db
def test_a_platform_without_a_mapping_is_refused(world, merchant):
    outcome = parse_results(user=merchant, name="r.csv", content=b"a\n1\n", platform="channels")
    assert len(outcome.problems) == 1
    response = client_for(merchant).post(
        "/sales/results/import/", {"platform": "channels", "file": SimpleUploadedFile("r.csv", b"a\n1\n")}
    )
    assert response.status_code == 200 and "has-error" in response.content.decode()
    assert not ResultsImport.objects.exists()


@pytest.mark.realtime
@pytest.mark.django_db(transaction=True)
def test_the_worker_imports_a_douyin_export_and_the_session_page_shows_each_product(
    world, merchant, celery_worker
):
    ss = with_products(ended_sales_session(world.enterprise_a), "郑州烩面礼盒", "新郑红枣")
    client = client_for(merchant)
    text = DOUYIN.format(title=ss.session.title)
    response = client.post(
        "/sales/results/import/",
        {"platform": "douyin", "file": SimpleUploadedFile("直播商品数据.csv", text.encode("utf-8-sig"))},
    )
    assert response.status_code == 302
    job = ResultsImport.objects.get()
    assert job.platform == "douyin"
    job = wait_until(
        lambda: ResultsImport.objects.filter(pk=job.pk, state__in=[S.IMPORTED, S.REFUSED, S.FAILED]).first(),
        timeout=60,
        message="the import to finish",
    )
    assert (job.state, job.imported, job.problems) == (S.IMPORTED, 2, [])
    assert ProductResult.objects.get(product__name="郑州烩面礼盒").gmv == Decimal("5690.50")
    assert "已导入 2 个商品的数据" in client.get(f"/sales/results/import/{job.pk}/").content.decode()
    page = client.get(f"/sales/{ss.pk}/").content.decode()
    assert "5690.50" in page.replace(",", "") and '<td class="num">1820</td>' in page

    # A second file with one bad row imports nothing: the figures stay as they were.
    bad = text.replace("95", "九十五")
    client.post(
        "/sales/results/import/", {"platform": "douyin", "file": SimpleUploadedFile("r.csv", bad.encode())}
    )
    job = wait_until(
        lambda: ResultsImport.objects.filter(state=S.REFUSED).first(), timeout=60, message="the refusal"
    )
    assert job.problem_count == 1
    assert ProductResult.objects.get(product__name="郑州烩面礼盒").units == 95
