"""The hub on a phone (390×844) in Debian's chromium against a real daphne: the live room's layout, tap for
sound, sign-in (签到) with one tap, the share link's journey through sign-in, the pages without horizontal
scrolling, and the fixes seen (live peak, no toast in the room it points to). Screenshots go next to the
test server's log."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from hub.services import notification_send
from livestreams import share
from livestreams.models import Attendance, LiveSession, PartyClass
from tests import factories as f
from tests.classes_helpers import class_session
from tests.conftest import browser_login
from tests.room_helpers import clean_room_redis

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
S = LiveSession.Status


@pytest.fixture(autouse=True)
def _clean_redis():
    clean_room_redis()


def in_thread(fn, **kwargs):
    """Services that push through the channel layer run outside Playwright's event-loop thread."""

    def call():
        try:
            return fn(**kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def _errors(errors):
    # The stream has not started (no media server here): the player's requests fail, as they would.
    return [e for e in errors if "Failed to load resource" not in e and "m3u8" not in e]


def shot(page, server, name):
    page.screenshot(path=str(server.log.parent / f"phone-{name}.png"))


def box(page, selector):
    return page.locator(selector).bounding_box()


def no_horizontal_scroll(page):
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def live_class(world):
    session = class_session(world, status=S.LIVE, title="学习贯彻党的二十大精神")
    PartyClass.objects.filter(pk=session.pk).update(class_kind=PartyClass.ClassKind.GROUP_MEETING)
    f.CommentFactory.create_batch(12, session=session)
    return session


def test_the_room_on_a_phone_video_on_top_comments_and_input_in_the_first_screen_tap_for_sound_and_sign_in(
    browser, hub_server, live_class, member, organizer, js_errors
):
    LiveSession.objects.filter(pk=live_class.pk).update(slow_mode_seconds=10)
    url = f"{hub_server.url}/live/{live_class.pk}/"
    host = js_errors.watch(browser_login(browser, hub_server, organizer, **PHONE).new_page())
    host.goto(url)
    host.wait_for_selector("#conn-state[data-state=open]")
    assert host.locator("#checkin-count").inner_text() == "已签到 0 人"

    page = js_errors.watch(browser_login(browser, hub_server, member, **PHONE).new_page())
    page.goto(url)
    page.wait_for_selector("#conn-state[data-state=open]")
    assert no_horizontal_scroll(page)
    header = box(page, ".site-header")
    video = box(page, "#player")
    stage = box(page, "#checkin")
    comments = box(page, "#comment-list")
    comment_input = box(page, "#comment-text")
    slow = box(page, "#slow-mode-note")
    assert header["height"] <= 60
    assert video["y"] < 200 and video["width"] >= 380
    # Under the video: the sign-in, then the comments and their input, all within the first screen.
    assert video["y"] + video["height"] <= stage["y"] < comments["y"]
    assert comments["height"] >= 100
    assert comment_input["y"] + comment_input["height"] <= 844
    # The slow-mode notice sits next to the input (right above its label), not above the comments.
    assert comments["y"] + comments["height"] <= slow["y"] < comment_input["y"] <= slow["y"] + 80
    assert page.locator(".kind").first.inner_text() == "党小组会"
    shot(page, hub_server, "room")

    # The video starts muted; the button asks for the tap and goes away once it is given.
    assert page.evaluate("document.getElementById('room-video').muted") is True
    sound = page.locator("#sound-on")
    assert sound.is_visible() and sound.inner_text().endswith("点击开启声音")
    sound.click()
    page.wait_for_function("!document.getElementById('room-video').muted")
    assert not sound.is_visible()

    # One tap signs in; the room shows it at once and the organizer's count follows over the socket.
    page.click("#checkin-button")
    page.wait_for_selector("#checkin-done:not([hidden])")
    assert page.locator("#checkin-done-text").inner_text().startswith("已于")
    assert page.locator("#checkin-form").is_hidden()
    assert Attendance.objects.get(session=live_class, member__user=member).signed_in_at is not None
    host.wait_for_function("document.getElementById('checkin-count').textContent === '已签到 1 人'")
    # After a reload the room still knows.
    page.reload()
    page.wait_for_selector("#conn-state[data-state=open]")
    assert page.locator("#checkin-done").is_visible() and page.locator("#checkin-button").is_hidden()

    # The video stays on top while the page scrolls (sticky).
    page.evaluate("window.scrollTo(0, 500)")
    page.wait_for_function("window.scrollY > 100")
    assert abs(box(page, "#player")["y"]) <= 1
    shot(page, hub_server, "room-scrolled")
    assert _errors(js_errors.list) == []


def test_a_class_with_a_code_asks_for_it_in_the_room_and_says_what_is_wrong(
    browser, hub_server, live_class, member, js_errors
):
    PartyClass.objects.filter(pk=live_class.pk).update(signin_code="K7Q2")
    page = js_errors.watch(browser_login(browser, hub_server, member, **PHONE).new_page())
    page.goto(f"{hub_server.url}/live/{live_class.pk}/")
    page.wait_for_selector("#conn-state[data-state=open]")
    page.fill("#checkin-code", "WRONG")
    page.click("#checkin-button")
    page.wait_for_function("document.getElementById('checkin-note').textContent.includes('签到码')")
    assert not Attendance.objects.filter(signed_in_at__isnull=False).exists()
    page.fill("#checkin-code", "k7q2")
    page.click("#checkin-button")
    page.wait_for_selector("#checkin-done:not([hidden])")
    assert Attendance.objects.get(session=live_class).signed_in_at is not None
    assert _errors(js_errors.list) == []


def test_the_short_link_from_the_group_chat_goes_through_sign_in_straight_back_to_the_room(
    browser, hub_server, live_class, member, js_errors
):
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = js_errors.watch(context.new_page())
    page.goto(f"{hub_server.url}/s/{share.short_code(live_class.pk)}/")
    page.wait_for_url("**/accounts/login/**")
    assert no_horizontal_scroll(page)
    page.fill("#id_login", member.email)
    page.fill("#id_password", "pw-for-tests-123")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{hub_server.url}/live/{live_class.pk}/")
    page.wait_for_selector("#conn-state[data-state=open]")
    assert page.locator("h1").inner_text() == "学习贯彻党的二十大精神"
    assert page.locator("#comment-text").is_visible()
    shot(page, hub_server, "short-link-room")
    context.close()
    assert _errors(js_errors.list) == []


def test_the_venue_qr_signs_in_after_sign_in_and_opens_the_room(
    browser, hub_server, live_class, member, js_errors
):
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = js_errors.watch(context.new_page())
    page.goto(hub_server.url + share.venue_path(live_class, kind="wall"))
    page.wait_for_url("**/accounts/login/**")
    page.fill("#id_login", member.email)
    page.fill("#id_password", "pw-for-tests-123")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{hub_server.url}/live/{live_class.pk}/")
    assert page.locator(".message.success", has_text="签到").inner_text() == "签到成功。"
    page.wait_for_selector("#conn-state[data-state=open]")
    assert page.locator("#checkin-done").is_visible()
    context.close()
    assert _errors(js_errors.list) == []


def test_the_share_card_and_the_printable_page_on_a_phone(
    browser, hub_server, live_class, organizer, js_errors
):
    page = js_errors.watch(browser_login(browser, hub_server, organizer, **PHONE).new_page())
    page.goto(f"{hub_server.url}/live/{live_class.pk}/")
    page.get_by_role("link", name="分享：链接和二维码").click()
    page.wait_for_url(f"**/live/{live_class.pk}/share/")
    assert (
        page.locator("#share-link").input_value() == f"{hub_server.url}/s/{share.short_code(live_class.pk)}/"
    )
    qr = box(page, "#share-qr svg")
    assert qr["width"] >= 200 and qr["y"] + qr["height"] <= 844
    assert no_horizontal_scroll(page)
    shot(page, hub_server, "share-card")
    page.get_by_role("link", name="打印张贴（A4）").click()
    page.wait_for_selector("#print-venue-qr svg")
    assert no_horizontal_scroll(page)
    shot(page, hub_server, "print")
    # Printed: the sheet alone, without the site's header, footer or the print button.
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden() and page.locator(".no-print").is_hidden()
    assert page.locator("#print-qr svg").is_visible()
    assert _errors(js_errors.list) == []


@pytest.mark.parametrize(
    "path,key",
    [
        ("/", ".hero"),
        ("/classes/", "h1"),
        ("/classes/calendar/", "#period"),
        ("/classes/calendar/?view=week", "#period"),
        ("/classes/records/", "h1"),
    ],
)
def test_the_pages_fit_a_phone_with_a_compact_header(
    browser, hub_server, world, organizer, js_errors, path, key
):
    class_session(world, status=S.LIVE, title="手机上的党课")
    page = js_errors.watch(browser_login(browser, hub_server, organizer, **PHONE).new_page())
    page.goto(hub_server.url + path)
    assert no_horizontal_scroll(page)
    assert box(page, ".site-header")["height"] <= 60
    first = box(page, key)
    assert first["y"] + min(first["height"], 40) <= 844
    # The menu opens and closes the navigation; open, it still does not scroll sideways.
    page.get_by_role("button", name="菜单").click()
    assert page.get_by_role("navigation", name="主导航").get_by_role("link", name="党课").is_visible()
    assert no_horizontal_scroll(page)
    shot(page, hub_server, "page" + path.replace("/", "-").replace("?", "-").replace("=", "-"))
    assert _errors(js_errors.list) == []


def test_the_peak_follows_the_viewers_without_a_reload_and_the_class_start_notice_stays_out_of_its_room(
    browser, hub_server, live_class, member, organizer, js_errors
):
    url = f"{hub_server.url}/live/{live_class.pk}/"
    alice = js_errors.watch(browser_login(browser, hub_server, member, **PHONE).new_page())
    alice.goto(url)
    alice.wait_for_selector("#conn-state[data-state=open]")
    bob = js_errors.watch(browser_login(browser, hub_server, organizer, **PHONE).new_page())
    bob.goto(url)
    alice.wait_for_function("document.getElementById('viewer-count').textContent === '2'")
    alice.wait_for_function("document.getElementById('peak-viewers').textContent === '2'")
    assert alice.locator("#peak-viewers").is_visible()

    # "The class has started" points at this room: no pop-up here, the bell still counts it.
    alice.wait_for_selector("#notification-bell[data-live='1']")
    in_thread(
        notification_send,
        users=[member],
        kind="class_started",
        title="课程已开始：学习贯彻党的二十大精神",
        body="请立即进入直播间。",
        url=f"/live/{live_class.pk}/",
    )
    alice.wait_for_selector("#notification-bell[data-live='1']")
    alice.wait_for_function("document.getElementById('notification-count').textContent === '1'")
    assert alice.locator(".bell-toast").is_hidden()
    # Elsewhere it pops up as before.
    home = js_errors.watch(browser_login(browser, hub_server, member, **PHONE).new_page())
    home.goto(hub_server.url + "/")
    home.wait_for_selector("#notification-bell[data-live='1']")
    in_thread(
        notification_send,
        users=[member],
        kind="class_started",
        title="课程已开始：另一课",
        url="/live/999999/",
    )
    home.wait_for_selector(".bell-toast:not([hidden])")
    assert _errors(js_errors.list) == []
