"""The sales room in Debian's chromium against a real daphne: the merchant pins a product and an anonymous
viewer's pinned card changes live; a click on a card's shop link is counted and leads out; the platform's
player (embedded for Bilibili, a link for Douyin) shows. Desktop and phone (390×844)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from livestreams.models import LiveSession, Product, SalesSession
from tests import factories as f
from tests.conftest import browser_login
from tests.room_helpers import clean_room_redis

pytestmark = pytest.mark.browser

SHOP = "https://shop.example/item/59"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}


@pytest.fixture(autouse=True)
def _clean_redis():
    clean_room_redis()


def _no_errors(errors):
    return [e for e in errors if "Failed to load resource" not in e]


def _fake_shop(context):
    """The shop is another site: answer for it so that the test does not depend on the internet."""
    context.route(
        "https://shop.example/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<title>shop</title>店铺"),
    )


@pytest.fixture
def sales(world):
    ss = f.SalesSessionFactory(
        enterprise=world.enterprise_a,
        session__title="丝路优选·新品首发周专场",
        session__status=LiveSession.Status.LIVE,
        session__external_url="https://live.douyin.com/7788",
    )
    Product.objects.create(sales_session=ss, name="郑州烩面礼盒", price=Decimal("59.90"), link=SHOP)
    Product.objects.create(sales_session=ss, name="新郑红枣", price=Decimal("29.90"), link=SHOP + "?b=2")
    return ss


def _pinned_name(page) -> str:
    return page.locator("#pinned-card .product-name").inner_text()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_merchant_pins_and_an_anonymous_viewers_card_changes_live(
    browser, hub_server, sales, merchant, js_errors, size
):
    extra = PHONE if size == "phone" else {}
    url = f"{hub_server.url}/live/{sales.session.pk}/"
    host = js_errors.watch(browser_login(browser, hub_server, merchant, **extra).new_page())
    viewer_context = browser.new_context(locale="zh-CN", **extra)
    viewer = js_errors.watch(viewer_context.new_page())
    host.goto(url)
    viewer.goto(url)
    for page in (host, viewer):
        page.wait_for_selector("#conn-state[data-state=open]")
    assert viewer.locator("#pinned-none").is_visible()
    assert viewer.locator("#product-list .product-card").count() == 2
    assert viewer.locator("button.product-pin").count() == 0

    host.locator("#product-list button.product-pin[data-product-id]").nth(1).click()
    viewer.wait_for_function(
        "document.querySelector('#pinned-card .product-name')?.textContent === '新郑红枣'", timeout=5000
    )
    assert viewer.locator("#pinned-card .product-price").inner_text() == "¥29.90"
    assert viewer.locator("#pinned-none").is_hidden()
    assert viewer.locator("#product-list .product-card.is-pinned .product-name").inner_text() == "新郑红枣"

    host.locator("#product-list button.product-pin").first.click()
    viewer.wait_for_function(
        "document.querySelector('#pinned-card .product-name')?.textContent === '郑州烩面礼盒'", timeout=5000
    )
    assert SalesSession.objects.get(pk=sales.pk).pinned_product.name == "郑州烩面礼盒"
    if size == "phone":
        width = viewer.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        viewer.screenshot(path=str(hub_server.log.parent / "sales-room-phone.png"), full_page=True)
    else:
        host.screenshot(path=str(hub_server.log.parent / "sales-room-host.png"), full_page=True)

    host.locator("#product-unpin").click()
    viewer.wait_for_selector("#pinned-none", state="visible", timeout=5000)
    assert viewer.locator("#pinned-card .product-card").count() == 0
    assert _no_errors(js_errors.list) == []


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_click_on_the_cards_link_is_counted_and_leads_to_the_shop(
    browser, hub_server, sales, js_errors, size
):
    context = browser.new_context(locale="zh-CN", **(PHONE if size == "phone" else {}))
    _fake_shop(context)
    page = js_errors.watch(context.new_page())
    page.goto(f"{hub_server.url}/live/{sales.session.pk}/")
    page.wait_for_selector("#conn-state[data-state=open]")
    link = page.locator("#product-list .product-card").first.locator("a.product-go")
    assert link.inner_text() == "去店铺"
    with page.expect_popup() as popup_info:
        link.click()
    shop = popup_info.value
    shop.wait_for_url(SHOP, timeout=10000)
    assert shop.title() == "shop"
    product = Product.objects.get(sales_session=sales, name="郑州烩面礼盒")
    assert product.clicks == 1
    assert _no_errors(js_errors.list) == []


def test_a_bilibili_session_plays_in_the_room_and_a_douyin_one_links_out(
    browser, hub_server, world, sales, js_errors
):
    bili = f.SalesSessionFactory(
        enterprise=world.enterprise_a,
        platform=SalesSession.Platform.BILIBILI,
        session__status=LiveSession.Status.LIVE,
        session__external_url="https://live.bilibili.com/21452505",
    )
    context = browser.new_context(locale="zh-CN", **PHONE)
    # Bilibili's player is another site: answer for it so that the test does not depend on the internet.
    context.route(
        "https://www.bilibili.com/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p id=bili>player</p>"),
    )
    page = js_errors.watch(context.new_page())
    page.goto(f"{hub_server.url}/live/{bili.session.pk}/")
    frame = page.locator("#platform-frame")
    frame.scroll_into_view_if_needed()
    assert frame.is_visible()
    assert frame.get_attribute("src").startswith(
        "https://www.bilibili.com/blackboard/live/live-activity-player.html?cid=21452505"
    )
    page.frame_locator("#platform-frame").locator("#bili").wait_for(timeout=10000)
    box = frame.bounding_box()
    assert box["width"] <= 390 and box["height"] > 100
    assert page.locator("#platform-link").inner_text().startswith("在哔哩哔哩观看")
    page.screenshot(path=str(hub_server.log.parent / "sales-room-bilibili-phone.png"), full_page=True)

    page.goto(f"{hub_server.url}/live/{sales.session.pk}/")
    assert page.locator("#platform-frame").count() == 0
    link = page.locator("#platform-link")
    assert link.inner_text().startswith("在抖音观看")
    assert link.get_attribute("href") == "https://live.douyin.com/7788"
    assert _no_errors(js_errors.list) == []
