"""A member's language follows them to a new phone (issue 14, l14lang), at 390×844 in Debian's chromium
against a real daphne: they switch the header's language to English, sign out, and sign in again in a fresh
browser (no cookies, a Chinese phone) to find the hub in English."""

from __future__ import annotations

import pytest

from hub.models import User

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def sign_in(page, server, user, next_path: str):
    page.goto(f"{server.url}/accounts/login/?next={next_path}")
    page.fill("#id_login", user.email)
    page.fill("#id_password", "pw-for-tests-123")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(f"{server.url}{next_path}")


def test_a_member_who_switched_to_english_sees_english_after_signing_in_on_a_new_phone(
    browser, hub_server, member, js_errors
):
    # The first phone: Chinese, as everyone starts.
    first = browser.new_context(locale="zh-CN", **PHONE)
    page = js_errors.watch(first.new_page())
    sign_in(page, hub_server, member, "/accounts/profile/")
    assert page.locator("h1").inner_text() == "我的资料"
    assert page.locator("#id_language").input_value() == ""
    # The header's switcher submits itself when a language is picked.
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    page.wait_for_url(f"{hub_server.url}/accounts/profile/")
    assert page.locator("h1").inner_text() == "My profile"
    assert fits(page)
    member.refresh_from_db()
    assert member.language == "en"
    # The profile page shows the choice now stored on the account, under a visible label.
    assert page.locator("#id_language").input_value() == "en"
    assert page.locator("label[for=id_language]").inner_text() == "Language"
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    first.close()

    # A new phone: no cookies, a Chinese browser; the sign-in page is Chinese.
    second = browser.new_context(locale="zh-CN", **PHONE)
    page = js_errors.watch(second.new_page())
    page.goto(f"{hub_server.url}/accounts/login/")
    assert "登录" in page.locator("h1").inner_text()
    sign_in(page, hub_server, User.objects.get(pk=member.pk), "/accounts/")
    assert page.locator("h1").inner_text() == "My account"
    assert "我的账户" not in page.content()
    assert page.locator("#lang-select").input_value() == "en"
    assert fits(page)
    page.goto(f"{hub_server.url}/accounts/profile/")
    assert page.locator("h1").inner_text() == "My profile"
    assert page.locator("#id_language").input_value() == "en"
    second.close()
    assert js_errors.list == []
