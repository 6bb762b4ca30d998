"""Issue 17, merchant tools in a real browser against a real daphne, at desktop and phone size (390×844):
a rejected registration is fixed, submitted again and approved; product images survive a form error; the
studio availability grid shows free and busy; the growth chart draws rises in red."""

import io
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import time, timedelta

import pytest
from django.db import connection
from PIL import Image
from playwright.sync_api import expect

from livestreams.models import Product, SalesSession, StudioBooking
from livestreams.services.sales import sales_session_reject
from livestreams.services.studios import studio_book
from tests import factories as f
from tests.conftest import browser_login
from tests.sales_helpers import local, register
from tests.test_sales_growth import _result

FMT = "%Y-%m-%dT%H:%M"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SIZES = {"desktop": {"viewport": {"width": 1280, "height": 900}}, "phone": PHONE}


def off_the_loop(fn, *args, **kwargs):
    """Services that notify (async_to_sync) cannot run in the thread of Playwright's event loop."""

    def run():
        try:
            return fn(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def no_horizontal_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def png_bytes():
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 16, 46)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_rejected_registration_is_fixed_resubmitted_and_approved(
    browser, hub_server, world, merchant, organizer, js_errors, size
):
    studio = f.StudioFactory(
        building=world.building_a, name="一号直播间", opens_at=time(8), closes_at=time(22)
    )
    ss = off_the_loop(register, merchant, world.enterprise_a, studio=studio, title="丝路优选秋季新品专场")
    off_the_loop(sales_session_reject, sales_session=ss, user=organizer, reason="标题请写明商品品类")

    shop = browser_login(browser, hub_server, merchant, **SIZES[size])
    page = js_errors.watch(shop.new_page())
    page.goto(f"{hub_server.url}/sales/{ss.pk}/")
    expect(page.locator("[data-approval]")).to_have_text("已驳回")
    page.locator("[data-edit]").click()
    page.wait_for_url(f"**/sales/{ss.pk}/edit/")
    expect(page.locator(".message.error").first).to_contain_text("标题请写明商品品类")
    assert page.input_value("#id_products-0-name") == "郑州烩面礼盒"  # the products come back
    no_horizontal_scroll(page)
    page.fill("#id_title", "丝路优选秋季新品专场·河南特产")
    page.click("form#sales-form button[type=submit]")
    page.wait_for_url(f"**/sales/{ss.pk}/")
    expect(page.locator("[data-approval]")).to_have_text("待审批")
    page.screenshot(path=str(hub_server.log.parent / f"sales-resubmitted-{size}.png"), full_page=True)
    booking = StudioBooking.objects.get(session_id=ss.pk, state=StudioBooking.State.HELD)
    assert (booking.studio, booking.starts_at) == (studio, local(3, 14))  # the slot was still free: kept

    office = browser_login(browser, hub_server, organizer, **SIZES[size])
    review = js_errors.watch(office.new_page())
    review.goto(f"{hub_server.url}/sales/{ss.pk}/")
    review.get_by_role("button", name="批准", exact=True).click()
    review.wait_for_url("**/sales/**")
    page.reload()
    expect(page.locator("[data-approval]")).to_have_text("已批准")
    ss.refresh_from_db()
    assert ss.approval == SalesSession.Approval.APPROVED and ss.session.title.endswith("河南特产")
    assert js_errors.list == []


@pytest.mark.browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_product_images_survive_a_form_error(browser, hub_server, world, merchant, js_errors, size):
    shop = browser_login(browser, hub_server, merchant, **SIZES[size])
    page = js_errors.watch(shop.new_page())
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(hub_server.url + "/sales/new/")
    page.get_by_label("主播", exact=True).fill("李商家")
    page.fill("#id_starts_at", local(3, 14).strftime(FMT))
    page.fill("#id_ends_at", local(3, 13).strftime(FMT))  # ends before it starts: the form comes back
    page.fill("#id_title", "丝路优选冬季新品首发")
    page.fill("#id_products-0-name", "郑州烩面礼盒")
    page.fill("#id_products-0-price", "59.90")
    page.set_input_files(
        "#id_products-0-image", files=[{"name": "礼盒.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.click("form#sales-form button[type=submit]")
    # The test server does not serve /media/ (nginx does in production): the kept image is checked by its
    # element, its address and the pending upload the form sends back.
    kept = page.locator("[data-kept-image] img")
    expect(kept).to_have_attribute("src", re.compile(r"^/media/products/.+\.jpg$"))
    expect(page.locator("[data-kept-image]")).to_be_visible()
    assert page.locator('input[name="products-0-pending_image"]').count() == 1
    expect(page.locator("#id_ends_at").locator("xpath=..")).to_contain_text("结束时间")
    no_horizontal_scroll(page)
    page.screenshot(path=str(hub_server.log.parent / f"sales-image-kept-{size}.png"), full_page=True)
    page.fill("#id_ends_at", local(3, 16).strftime(FMT))
    page.click("form#sales-form button[type=submit]")
    page.wait_for_url("**/sales/*/")
    product = Product.objects.get(name="郑州烩面礼盒")
    assert product.image.name.endswith(".jpg")
    expect(page.locator("img.product-thumb")).to_have_attribute("src", product.image.url)
    # The only failed loads are the images under /media/, which the test server does not serve.
    assert missing and all(url.startswith(hub_server.url + "/media/products/") for url in missing)
    assert [e for e in js_errors.list if "404 (Not Found)" not in e] == []


@pytest.mark.browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_availability_grid_shows_free_and_busy(browser, hub_server, world, merchant, js_errors, size):
    studio = f.StudioFactory(
        building=world.building_a, name="一号直播间", opens_at=time(8), closes_at=time(22)
    )
    f.StudioFactory(building=world.building_a, name="二号直播间", opens_at=time(8), closes_at=time(22))
    studio_book(studio=studio, enterprise=world.enterprise_b, starts_at=local(7, 10), ends_at=local(7, 12))
    day = local(7, 0).date()
    shop = browser_login(browser, hub_server, merchant, **SIZES[size])
    page = js_errors.watch(shop.new_page())
    page.goto(f"{hub_server.url}/studios/availability/?week={day:%Y-%m-%d}")
    cell = page.locator(f'[data-day="{day:%Y-%m-%d}"] [data-studio="{studio.pk}"]')
    busy = cell.locator(".availability-bar .busy")
    expect(busy).to_have_count(1)
    assert busy.bounding_box()["width"] > 0
    expect(cell.locator(".availability-free")).to_contain_text("12:30–22:00")
    no_horizontal_scroll(page)
    page.screenshot(path=str(hub_server.log.parent / f"studio-availability-{size}.png"), full_page=True)
    cell.get_by_role("link", name="12:30–22:00").click()
    page.wait_for_url("**/sales/new/**")
    assert page.input_value("#id_studio") == str(studio.pk)
    assert page.input_value("#id_starts_at") == local(7, 12, 30).strftime(FMT)
    assert js_errors.list == []


@pytest.mark.browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_growth_chart_draws_rises_in_red(browser, hub_server, world, merchant, js_errors, size):
    today = local(0, 12)
    _result(world.enterprise_a, today - timedelta(days=62), "1000.00", 10)
    _result(world.enterprise_a, today - timedelta(days=31), "800.00", 8)
    _result(world.enterprise_a, today, "1300.00", 13)
    shop = browser_login(browser, hub_server, merchant, **SIZES[size])
    page = js_errors.watch(shop.new_page())
    page.goto(hub_server.url + "/sales/history/")
    expect(page.locator("#growth-chart[data-ready='1'] canvas")).to_have_count(1)
    colours = page.evaluate(
        """() => {
          const chart = echarts.getInstanceByDom(document.getElementById('growth-chart'));
          const data = chart.getOption().series[0].data;
          return data.map(d => [d.value, d.itemStyle.color]);
        }"""
    )
    by_value = {value: colour for value, colour in colours}
    assert by_value[1300.0] == "#c8102e"  # a rise: red
    assert by_value[800.0] == "#1a7f37"  # a fall: green
    up = page.locator("td.growth .up").first
    assert up.evaluate("n => getComputedStyle(n).color") == "rgb(200, 16, 46)"
    no_horizontal_scroll(page)
    page.screenshot(path=str(hub_server.log.parent / f"sales-growth-chart-{size}.png"), full_page=True)
    assert js_errors.list == []
