"""Issue 14, the journey at phone size (390×844): an organizer invites a member by mobile number with name,
branch, status and date of joining; the member opens the link of the SMS (read from the daphne process's SMS
file), confirms the name and lands signed in; the roster shows the name and exactly the entered data."""

import re

import pytest

from hub.models import User
from hub.sms import sms_file_read
from tests.conftest import browser_login
from tests.support import start_daphne, wait_until

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def sms_server(transactional_db, tmp_path):
    """daphne whose text messages land in a file (it cannot share hub.sms.outbox with this process)."""
    sms_file = str(tmp_path / "sms.jsonl")
    server = start_daphne(HUB_TEST_SMS_BACKEND="hub.sms.FileBackend", HUB_TEST_SMS_FILE=sms_file)
    yield server, sms_file
    server.stop()


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def test_an_organizer_invites_by_number_and_the_member_joins_from_the_sms_on_a_phone(
    browser, sms_server, organizer, world, js_errors
):
    server, sms_file = sms_server
    shots = server.log.parent
    context = browser_login(browser, server, organizer, **PHONE)
    page = js_errors.watch(context.new_page())
    page.goto(f"{server.url}/orgs/{world.branch_a.pk}/")
    page.locator("#roster-link").click()
    page.get_by_role("link", name="邀请党员").click()
    _no_sideways_scroll(page)
    page.get_by_label("姓名").fill("刘新党员")
    page.get_by_label("手机号").fill("138 1234 5678")
    assert page.get_by_label("角色").input_value() == "member"
    assert page.get_by_label("党组织或支部").input_value() == str(world.branch_a.pk)
    page.get_by_label("党员状态").select_option("probationary")
    page.get_by_label("入党日期").fill("2024-07-01")
    page.screenshot(path=str(shots / "roster-invite-phone.png"), full_page=True)
    page.get_by_role("button", name="发送邀请").click()
    page.wait_for_url(re.compile(r".*/accounts/invitations/$"))
    assert "邀请已通过短信发送到 +8613812345678" in page.locator("body").inner_text()
    assert "刘新党员" in page.locator("#invitation-list").inner_text()

    [sms] = wait_until(lambda: sms_file_read(sms_file), timeout=20, message="the invitation SMS")
    assert sms.phone == "+8613812345678"
    link = re.search(r"https?://\S+/invitations/[^/\s]+/", sms.text).group(0)

    newcomer = browser.new_context(locale="zh-CN", **PHONE)
    phone_page = js_errors.watch(newcomer.new_page())
    phone_page.goto(link)
    _no_sideways_scroll(phone_page)
    assert "138****5678" in phone_page.locator("main").inner_text()
    assert phone_page.get_by_label("您的姓名").input_value() == "刘新党员"
    phone_page.screenshot(path=str(shots / "roster-accept-phone.png"), full_page=True)
    phone_page.get_by_role("button", name="接受邀请").click()
    phone_page.wait_for_url(re.compile(r".*/accounts/$"))
    assert "欢迎！您现在是孵化器联合党支部的党员" in phone_page.locator("body").inner_text()
    assert "刘新党员" in phone_page.locator("body").inner_text()  # signed in, by name
    _no_sideways_scroll(phone_page)
    user = User.objects.get(phone="+8613812345678")
    assert (user.name, user.email, user.phone_verified) == ("刘新党员", None, True)

    page.goto(f"{server.url}/orgs/{world.branch_a.pk}/roster/")
    row = page.locator(f"#roster tr[data-member='{user.party_member.pk}']").inner_text()
    assert "刘新党员" in row and "预备党员" in row and "2024-07-01" in row
    _no_sideways_scroll(page)
    page.screenshot(path=str(shots / "roster-phone.png"), full_page=True)
    assert js_errors.list == []
    newcomer.close()
    context.close()
