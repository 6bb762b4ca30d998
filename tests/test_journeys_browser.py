"""The journeys of issues 14 and 17 end to end, each across the parts built for it, in Debian's chromium
against a real daphne whose text messages go to a file the test reads (hub.sms.FileBackend).

- Issue 14: a member taps the short link from the branch's WeChat group on a phone, signs in with an SMS
  code, lands in the room, turns the sound on, comments and signs in (签到) without leaving the room.
- Issue 17: in a merchant's public sales room an anonymous viewer sees the pinned product change live, likes,
  signs up by mobile number and SMS code and comments; at desktop and phone size."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.cache import cache

from hub.services import user_phone_set
from hub.sms import sms_file_read
from livestreams import share
from livestreams.models import Attendance, Comment, LiveSession, Product
from tests import factories as f
from tests.classes_helpers import class_session
from tests.conftest import browser_login
from tests.room_helpers import clean_room_redis
from tests.support import start_daphne, wait_until

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def sms_server(transactional_db, tmp_path):
    cache.clear()  # the SMS rate limits
    clean_room_redis()
    path = tmp_path / "sms.jsonl"
    server = start_daphne(HUB_TEST_SMS_BACKEND="hub.sms.FileBackend", HUB_TEST_SMS_FILE=str(path))
    server.sms_file = path
    yield server
    server.stop()


def code_for(server, phone: str) -> str:
    sent = wait_until(
        lambda: [m for m in sms_file_read(server.sms_file) if m.phone == phone], timeout=20, message="the SMS"
    )
    return sent[-1].params["code"]


def fits(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def comment(page, session, text: str) -> None:
    page.wait_for_selector("#conn-state[data-state=open]", timeout=20000)
    page.fill("#comment-text", text)
    page.click("#comment-send")
    page.wait_for_selector(f"#comment-list li.comment >> text={text}", timeout=20000)
    wait_until(lambda: Comment.objects.filter(session=session, text=text).exists(), message="the comment")


def real_errors(errors):
    # No media server here: the player's requests for a stream that never started fail, as they would.
    return [e for e in errors if "Failed to load resource" not in e and "m3u8" not in e]


def test_issue_14_a_member_from_the_group_chat_gets_in_by_sms_hears_comments_and_signs_in_in_the_room(
    browser, sms_server, world, member, js_errors
):
    user_phone_set(user=member, phone="13812345678", verified=True)
    live_class = class_session(world, status=LiveSession.Status.LIVE, title="学习贯彻党的二十大精神")
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = js_errors.watch(context.new_page())

    page.goto(f"{sms_server.url}/s/{share.short_code(live_class.pk)}/")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert fits(page)
    page.click("#sms-sign-in")
    page.wait_for_url(re.compile(r"/accounts/login/code/\?next="))
    page.get_by_label("手机号").fill("138 1234 5678")
    page.click("#code-request")
    page.wait_for_url(re.compile(r"/accounts/login/code/confirm/"))
    page.get_by_label("短信验证码").fill(code_for(sms_server, "+8613812345678"))
    page.click("#code-confirm")
    page.wait_for_url(f"{sms_server.url}/live/{live_class.pk}/")
    assert fits(page)

    sound = page.locator("#sound-on")
    assert sound.is_visible() and "点击开启声音" in sound.inner_text()
    sound.click()
    page.wait_for_selector("#sound-on", state="hidden")

    comment(page, live_class, "在手机上听得很清楚")
    page.click("#checkin-button")
    page.wait_for_selector("#checkin-done:not([hidden])")
    assert page.url == f"{sms_server.url}/live/{live_class.pk}/"
    assert Attendance.objects.get(session=live_class, member__user=member).signed_in_at is not None
    page.screenshot(path=str(sms_server.log.parent / "journey-14-phone.png"))
    assert real_errors(js_errors.list) == []
    context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_issue_17_an_anonymous_viewer_sees_the_pinned_card_change_likes_signs_up_by_phone_and_comments(
    browser, sms_server, world, merchant, js_errors, size
):
    extra = PHONE if size == "phone" else {}
    sales = f.SalesSessionFactory(
        enterprise=world.enterprise_a,
        session__title="丝路优选·新品首发周专场",
        session__status=LiveSession.Status.LIVE,
        session__visibility=LiveSession.Visibility.PUBLIC,
        session__external_url="https://live.douyin.com/7788",
    )
    Product.objects.create(sales_session=sales, name="郑州烩面礼盒", price=Decimal("59.90"))
    Product.objects.create(sales_session=sales, name="新郑红枣", price=Decimal("29.90"))
    session = sales.session
    url = f"{sms_server.url}/live/{session.pk}/"
    host = js_errors.watch(browser_login(browser, sms_server, merchant, **extra).new_page())
    viewer_context = browser.new_context(locale="zh-CN", **extra)
    viewer = js_errors.watch(viewer_context.new_page())
    host.goto(url)
    viewer.goto(url)
    viewer.wait_for_selector("#conn-state[data-state=open]", timeout=20000)
    host.wait_for_selector("#conn-state[data-state=open]", timeout=20000)

    host.locator("#product-list button.product-pin[data-product-id]").nth(1).click()
    viewer.wait_for_function(
        "document.querySelector('#pinned-card .product-name')?.textContent === '新郑红枣'", timeout=15000
    )

    for _ in range(3):
        viewer.click("#ia-like")
    host.wait_for_function(
        "parseInt(document.getElementById('ia-like-count').textContent, 10) >= 3", timeout=15000
    )

    assert viewer.locator("#comment-text").count() == 0
    viewer.click("#phone-signup-link")
    viewer.wait_for_url(re.compile(r"/accounts/phone/signup/"))
    viewer.get_by_label("手机号").fill("139 0000 2222")
    viewer.get_by_label("您的姓名").fill("小李")
    viewer.click("#phone-signup-send")
    viewer.wait_for_url(re.compile(r"/accounts/phone/signup/code/"))
    viewer.get_by_label("短信验证码").fill(code_for(sms_server, "+8613900002222"))
    viewer.click("#code-confirm")
    viewer.wait_for_url(url)
    # Back in the room, the pinned card is still the one the host pinned.
    viewer.wait_for_function(
        "document.querySelector('#pinned-card .product-name')?.textContent === '新郑红枣'", timeout=15000
    )
    comment(viewer, session, "红枣怎么卖？")
    host.wait_for_selector("#comment-list li.comment >> text=红枣怎么卖？", timeout=15000)
    assert Comment.objects.get(session=session).author.phone == "+8613900002222"
    if size == "phone":
        assert fits(viewer)
    viewer.screenshot(path=str(sms_server.log.parent / f"journey-17-{size}.png"))
    assert real_errors(js_errors.list) == []
    viewer_context.close()
