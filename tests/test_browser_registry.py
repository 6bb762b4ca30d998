"""User journeys in Debian's chromium: sign in through the real form and walk the organization tree;
the enterprise directory on a phone."""

import pytest

from partyorgs.models import Industry
from tests import factories as f
from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def test_an_organizer_signs_in_and_walks_the_organization_tree(
    browser, hub_server, organizer, world, js_errors
):
    f.MemberFactory.create_batch(2, branch=world.branch_a)
    context = browser.new_context(locale="zh-CN")
    page = js_errors.watch(context.new_page())
    page.goto(hub_server.url + "/orgs/")
    # Not signed in: the login form of the hub, then back to the tree.
    page.wait_for_url("**/accounts/login/?next=/orgs/")
    page.get_by_label("电子邮件").fill("organizer@example.com")
    page.get_by_label("密码").fill("pw-for-tests-123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(hub_server.url + "/orgs/")
    assert page.locator("h1").inner_text() == "党组织"
    tree = page.locator("#org-tree")
    assert tree.get_by_role("link").all_inner_texts() == [
        "淮河路街道党工委",
        "网红大厦党委",
        "孵化器联合党支部",
        "机关党支部",
    ]
    # The committee is nested under the working committee, the branch under the committee.
    nested = page.locator("#org-tree > li > ul > li > ul > li > a")
    assert nested.inner_text() == "孵化器联合党支部"

    tree.get_by_role("link", name="淮河路街道党工委").click()
    page.wait_for_url(f"**/orgs/{world.root_a.pk}/")
    assert page.locator("h1").inner_text() == "淮河路街道党工委"
    assert "含下级组织共 2 人" in page.locator("#member-counts").inner_text()
    page.locator("#children").get_by_role("link", name="网红大厦党委").click()
    page.wait_for_url(f"**/orgs/{world.committee_a.pk}/")
    page.locator("#children").get_by_role("link", name="孵化器联合党支部").click()
    page.wait_for_url(f"**/orgs/{world.branch_a.pk}/")
    assert page.locator(".breadcrumbs").get_by_role("link").all_inner_texts() == [
        "党组织",
        "淮河路街道党工委",
        "网红大厦党委",
    ]
    assert page.locator("table tbody tr").count() == 2  # the roster of the branch
    page.locator(".breadcrumbs").get_by_role("link", name="淮河路街道党工委").click()
    page.wait_for_url(f"**/orgs/{world.root_a.pk}/")

    # The language switch turns the page English.
    page.select_option("#lang-select", "en")
    page.wait_for_load_state()
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator("#site-nav").get_by_role("link", name="Organizations").is_visible()
    page.screenshot(path=str(hub_server.log.parent / "orgs-desktop.png"), full_page=True)
    assert js_errors.list == []
    context.close()


def test_the_enterprise_directory_works_on_a_phone(browser, hub_server, official, world, js_errors):
    for i in range(24):
        f.EnterpriseFactory(
            name=f"直播企业{i:02d}",
            region=world.sub_a,
            building=world.building_a,
            industry=Industry.FOOD if i % 4 == 0 else Industry.LIVESTREAM,
        )
    context = browser_login(
        browser, hub_server, official, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = js_errors.watch(context.new_page())
    page.goto(hub_server.url + "/enterprises/")
    assert page.locator("h1").inner_text() == "企业"
    # Nothing sticks out sideways on a narrow screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The menu folds behind a button.
    nav_link = page.locator("#site-nav").get_by_role("link", name="孵化器")
    assert not nav_link.is_visible()
    page.get_by_role("button", name="菜单").click()
    assert nav_link.is_visible()
    page.get_by_role("button", name="菜单").click()

    assert "共 25 家企业" in page.locator("#enterprise-results").inner_text()
    # The filter reloads only the results (htmx), keeps the address bar in step, and shows progress.
    page.get_by_label("行业").select_option(Industry.FOOD)
    page.wait_for_function("document.querySelector('#enterprise-results').innerText.includes('共 6 家企业')")
    assert "industry=food" in page.url
    page.get_by_label("行业").select_option("")
    page.wait_for_function("document.querySelector('#enterprise-results').innerText.includes('共 25 家企业')")
    page.get_by_role("link", name="下一页").click()
    page.wait_for_function(
        "document.querySelector('#enterprise-results').innerText.includes('第 2 页，共 2 页')"
    )
    assert "page=2" in page.url
    page.screenshot(path=str(hub_server.log.parent / "enterprises-phone.png"), full_page=True)
    assert js_errors.list == []
    context.close()
