"""Phone journeys at 390×844 in Debian's chromium against a real daphne whose text messages go to a file
(hub.sms.FileBackend) that the test reads: a member follows a room link from the group chat and signs in with
an SMS code; an anonymous viewer of a public session signs up from the room; a taken number is refused."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from hub.services import user_phone_set
from hub.sms import sms_file_read
from livestreams.models import Comment, LiveSession
from tests import factories as f
from tests.conftest import browser_login
from tests.room_helpers import clean_room_redis
from tests.support import start_daphne, wait_until

pytestmark = pytest.mark.browser
PHONE_SIZE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

# Every field of the page has a visible label (or legend) naming it.
UNLABELLED = """() => [...document.querySelectorAll('main input, main select, main textarea')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => { const l = el.id && document.querySelector(`label[for="${el.id}"]`);
                  return !(l && l.offsetParent !== null && l.innerText.trim()); })
  .map(el => el.name || el.id)"""


@pytest.fixture
def sms_server(transactional_db, tmp_path):
    cache.clear()  # the rate limits
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


def fits_and_labelled(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
    assert page.evaluate(UNLABELLED) == [], page.url


def comment_from(page, session, text: str):
    page.wait_for_selector("#conn-state[data-state=open]", timeout=20000)
    page.fill("#comment-text", text)
    page.click("#comment-send")
    page.wait_for_selector(f"#comment-list li.comment >> text={text}", timeout=20000)
    wait_until(lambda: Comment.objects.filter(session=session, text=text).exists(), message="the comment")


def test_a_member_opens_a_room_link_signs_in_with_an_sms_code_and_comments(
    browser, sms_server, world, member, js_errors
):
    user_phone_set(user=member, phone="13812345678", verified=True)
    session = f.LiveSessionFactory(
        host_organization=world.root_a,
        status=LiveSession.Status.LIVE,
        audience_orgs=[world.branch_a],
        playback=LiveSession.Playback.EXTERNAL,
        external_url="https://live.douyin.com/123456",
    )
    context = browser.new_context(locale="zh-CN", **PHONE_SIZE)
    page = js_errors.watch(context.new_page())
    # The link from the branch's WeChat group.
    page.goto(f"{sms_server.url}/live/{session.pk}/")
    assert "/accounts/login/" in page.url
    fits_and_labelled(page)
    page.click("#sms-sign-in")
    page.wait_for_url(re.compile(r"/accounts/login/code/\?next="))
    fits_and_labelled(page)
    page.get_by_label("手机号").fill("138 1234 5678")
    page.click("#code-request")
    page.wait_for_url(re.compile(r"/accounts/login/code/confirm/"))
    fits_and_labelled(page)
    page.get_by_label("短信验证码").fill(code_for(sms_server, "+8613812345678"))
    page.screenshot(path=str(sms_server.log.parent / "sms-code-phone.png"), full_page=True)
    page.click("#code-confirm")
    page.wait_for_url(f"{sms_server.url}/live/{session.pk}/")
    comment_from(page, session, "手机上也能评论")
    assert Comment.objects.get(session=session).author == member
    page.screenshot(path=str(sms_server.log.parent / "sms-room-phone.png"))
    assert [e for e in js_errors.list if "Failed to load resource" not in e] == []
    context.close()


def test_an_anonymous_viewer_signs_up_by_phone_from_a_public_room_and_comments(
    browser, sms_server, world, js_errors
):
    session = f.LiveSessionFactory(
        host_organization=world.root_a,
        status=LiveSession.Status.LIVE,
        visibility=LiveSession.Visibility.PUBLIC,
        playback=LiveSession.Playback.EXTERNAL,
        external_url="https://live.douyin.com/654321",
    )
    context = browser.new_context(locale="zh-CN", **PHONE_SIZE)
    page = js_errors.watch(context.new_page())
    page.goto(f"{sms_server.url}/live/{session.pk}/")
    assert page.locator("#comment-text").count() == 0
    page.click("#phone-signup-link")
    page.wait_for_url(re.compile(r"/accounts/phone/signup/"))
    fits_and_labelled(page)
    page.get_by_label("手机号").fill("139-0000-1111")
    page.get_by_label("您的姓名").fill("小王")
    page.click("#phone-signup-send")
    page.wait_for_url(re.compile(r"/accounts/phone/signup/code/"))
    fits_and_labelled(page)
    page.get_by_label("短信验证码").fill(code_for(sms_server, "+8613900001111"))
    page.screenshot(path=str(sms_server.log.parent / "phone-signup-phone.png"), full_page=True)
    page.click("#code-confirm")
    page.wait_for_url(f"{sms_server.url}/live/{session.pk}/")
    comment_from(page, session, "来自手机的新观众")
    comment = Comment.objects.get(session=session)
    assert comment.author.phone == "+8613900001111" and comment.author.name == "小王"
    assert page.locator("#phone-signup-link").count() == 0
    assert [e for e in js_errors.list if "Failed to load resource" not in e] == []
    context.close()


def test_a_number_of_another_account_is_refused_on_the_profile_page(
    browser, sms_server, world, member, organizer, js_errors
):
    user_phone_set(user=organizer, phone="13900003333", verified=True)
    context = browser_login(browser, sms_server, member, **PHONE_SIZE)
    page = js_errors.watch(context.new_page())
    page.goto(f"{sms_server.url}/accounts/")
    page.click("#my-profile")
    page.wait_for_url(re.compile(r"/accounts/profile/"))
    fits_and_labelled(page)
    page.get_by_label("姓名").fill("陈新名")
    page.click("#profile-save")
    page.wait_for_selector(".messages >> text=资料已保存")
    page.click("#profile-phone-change")
    page.wait_for_url(re.compile(r"/accounts/phone/change/"))
    fits_and_labelled(page)
    page.get_by_label("新手机号").fill("139 0000 3333")
    page.click("#phone-change")
    page.wait_for_selector("text=该手机号已属于另一个账号")
    page.screenshot(path=str(sms_server.log.parent / "phone-taken-phone.png"), full_page=True)
    member.refresh_from_db()
    assert member.phone is None and member.name == "陈新名"
    assert sms_file_read(sms_server.sms_file) == []
    assert [e for e in js_errors.list if "Failed to load resource" not in e] == []
    context.close()
