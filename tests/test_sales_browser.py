"""The journey in a real browser against a real daphne: the merchant registers and books a studio (losing
a taken slot first and picking one of the next free slots), the manager approves from the inbox, the merchant
sees it approved on /sales/ and has been notified."""

from datetime import time

import pytest
from playwright.sync_api import expect

from hub.models import Notification
from livestreams.models import LiveSession, SalesSession, StudioBooking
from livestreams.services.studios import studio_book
from tests import factories as f
from tests.conftest import browser_login
from tests.sales_helpers import local

FMT = "%Y-%m-%dT%H:%M"


@pytest.mark.browser
def test_the_merchant_registers_and_books_the_manager_approves_the_merchant_sees_it(
    browser, hub_server, world, merchant, organizer, js_errors
):
    studio = f.StudioFactory(
        building=world.building_a, name="一号直播间", opens_at=time(8), closes_at=time(22)
    )
    taken = studio_book(
        studio=studio, enterprise=world.enterprise_a, starts_at=local(3, 14), ends_at=local(3, 16)
    )

    # The merchant registers a session in the studio, at a time that is taken.
    shop = browser_login(browser, hub_server, merchant)
    page = js_errors.watch(shop.new_page())
    page.goto(hub_server.url + "/sales/new/")
    page.get_by_label("标题").fill("丝路优选冬季新品首发")
    page.get_by_label("主播", exact=True).fill("李商家")
    page.get_by_label("直播平台", exact=True).select_option("douyin")
    page.fill("#id_starts_at", local(3, 15).strftime(FMT))
    page.fill("#id_ends_at", local(3, 17).strftime(FMT))
    page.select_option("#id_studio", str(studio.pk))
    page.fill("#id_products-0-name", "郑州烩面礼盒")
    page.fill("#id_products-0-price", "59.90")
    page.click("[data-add-product]")
    page.fill("#id_products-3-name", "新郑红枣")
    page.fill("#id_products-3-price", "29")
    page.click("form#sales-form button[type=submit]")

    # It loses: it sees the booking in the way and picks the first of the next free slots.
    conflict = page.locator("#studio-conflict")
    conflict.wait_for()
    assert "已被预订" in conflict.inner_text()
    assert f"{local(3, 14):%Y-%m-%d} 14:00" in conflict.inner_text()
    first_slot = conflict.locator(".js-use-slot").first
    chosen_start = first_slot.get_attribute("data-start")
    first_slot.click()
    assert page.input_value("#id_starts_at") == chosen_start
    assert page.input_value("#id_products-3-name") == "新郑红枣"  # the rest of the form is kept
    page.click("form#sales-form button[type=submit]")
    page.wait_for_url("**/sales/*/")
    assert "待审批" in page.locator("[data-approval]").inner_text()
    ss = SalesSession.objects.get(session__title="丝路优选冬季新品首发")
    assert ss.products.count() == 2
    booking = StudioBooking.objects.get(session_id=ss.pk)
    assert booking.state == StudioBooking.State.HELD and booking.starts_at.strftime(
        FMT
    ) != taken.starts_at.strftime(FMT)

    # The manager approves it from the inbox.
    office = browser_login(browser, hub_server, organizer)
    inbox = js_errors.watch(office.new_page())
    inbox.goto(hub_server.url + "/sales/inbox/")
    inbox.click(f'[data-approve="{ss.pk}"]')
    inbox.wait_for_url("**/sales/inbox/")
    assert "已批准" in inbox.locator(".messages").inner_text()
    assert inbox.locator(f'[data-sales-id="{ss.pk}"]').count() == 0

    # The merchant sees it approved on /sales/, and the bell counts the notification.
    page.goto(hub_server.url + "/sales/")
    row = page.locator(f'tr[data-sales-id="{ss.pk}"]')
    assert row.locator("[data-approval]").inner_text() == "已批准"
    assert page.locator("#notification-count").inner_text() == "1"
    note = Notification.objects.get(user=merchant, kind="sales_approved")
    assert note.url == f"/sales/{ss.pk}/"
    session = LiveSession.objects.get(pk=ss.pk)
    assert (
        session.status == LiveSession.Status.SCHEDULED and session.visibility == LiveSession.Visibility.PUBLIC
    )
    assert StudioBooking.objects.get(session_id=ss.pk).state == StudioBooking.State.CONFIRMED

    # Anyone finds it on the public schedule.
    public = js_errors.watch(browser.new_context(locale="zh-CN").new_page())
    public.goto(hub_server.url + "/sales/schedule/")
    assert "丝路优选冬季新品首发" in public.locator("main").inner_text()
    assert js_errors.list == []


@pytest.mark.browser
def test_the_sales_pages_work_on_a_phone(browser, hub_server, world, merchant, js_errors):
    studio = f.StudioFactory(
        building=world.building_a, name="一号直播间", opens_at=time(8), closes_at=time(22)
    )
    phone = browser_login(
        browser, hub_server, merchant, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = js_errors.watch(phone.new_page())
    for path in ["/sales/", "/sales/new/", f"/studios/{studio.pk}/", "/sales/schedule/"]:
        page.goto(hub_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
    # The menu folds away behind its button, and opens.
    assert page.locator(".nav-toggle").is_visible()
    page.click(".nav-toggle")
    assert page.get_by_role("link", name="直播带货", exact=True).is_visible()
    # Every field of the registration form has a visible label.
    page.goto(hub_server.url + "/sales/new/")
    for field_id in [
        "id_title",
        "id_host_names",
        "id_platform",
        "id_starts_at",
        "id_ends_at",
        "id_studio",
        "id_products-0-name",
    ]:
        assert page.locator(f'label[for="{field_id}"]').is_visible(), field_id
    assert js_errors.list == []


@pytest.mark.browser
def test_the_merchant_imports_a_file_and_watches_the_check_finish_without_a_reload(
    browser, hub_server, world, merchant, js_errors
):
    """Issue 11, item 3: the check runs in a Celery worker; the page shows it waiting, then the outcome,
    polling by itself (the worker only starts once the page is shown)."""
    from tests.sales_helpers import ended_sales_session
    from tests.support import start_celery_worker

    a, b = ended_sales_session(world.enterprise_a, days_ago=2), ended_sales_session(world.enterprise_a)
    text = f"场次编号,成交额（元）,订单数,峰值在线\n{a.pk},100.50,1,2\n{b.pk},200,2,3\n"
    context = browser_login(
        browser, hub_server, merchant, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = js_errors.watch(context.new_page())
    page.goto(hub_server.url + "/sales/results/import/")
    page.get_by_label("数据文件（.csv 或 .xlsx）").set_input_files(
        files=[{"name": "results.csv", "mimeType": "text/csv", "buffer": text.encode("utf-8-sig")}]
    )
    page.get_by_role("button", name="检查并导入").click()
    page.wait_for_url("**/sales/results/import/*/")
    expect(page.locator("#import-status")).to_contain_text("等待开始检查")
    page.evaluate("window.__samePage = true")
    worker = start_celery_worker()
    try:
        expect(page.locator("#import-done")).to_contain_text("已导入 2 个场次的数据", timeout=30000)
    finally:
        worker.stop()
    assert page.evaluate("window.__samePage") is True  # updated in place, not reloaded
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name="查看销售历史").click()
    page.wait_for_url("**/sales/history/")
    assert js_errors.list == []
    context.close()
