"""The user journey in a real browser: an organizer schedules a class; a member then finds it in the list,
the calendar and their private .ics feed; the list works on a phone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from livestreams.models import LiveSession, PartyClass
from tests.conftest import browser_login

pytestmark = pytest.mark.browser


@pytest.fixture
def tomorrow_evening():
    day = timezone.localdate() + timedelta(days=1)
    return day, f"{day:%Y-%m-%d}T19:30", f"{day:%Y-%m-%d}T21:00"


def test_an_organizer_schedules_a_class_and_a_member_finds_it_everywhere(
    browser, hub_server, organizer, member, world, js_errors, tomorrow_evening
):
    day, start, end = tomorrow_evening
    title = "红色直播：学习《中国共产党章程》"

    # The organizer schedules the class in the browser.
    context = browser_login(browser, hub_server, organizer)
    page = js_errors.watch(context.new_page())
    page.goto(hub_server.url + "/classes/")
    page.get_by_role("link", name="安排课程").click()
    page.wait_for_url("**/classes/new/")
    page.get_by_label("标题").fill(title)
    page.get_by_label("课程类型").select_option("party_lecture")
    page.get_by_label("主办组织").select_option(str(world.root_a.pk))
    page.get_by_label("参加对象：以下组织及其下级组织").select_option([str(world.branch_a.pk)])
    page.get_by_label("开始时间").fill(start)
    page.get_by_label("结束时间").fill(end)
    page.get_by_label("简介").fill("请各位党员准时参加。")
    page.get_by_role("button", name="安排").click()
    page.wait_for_url("**/classes/*/")
    assert page.locator("h1").inner_text() == title
    pc = PartyClass.objects.select_related("session").get()
    assert pc.session.status == LiveSession.Status.SCHEDULED
    assert timezone.localtime(pc.session.starts_at).strftime("%Y-%m-%dT%H:%M") == start
    context.close()

    # The member finds it in the list, with its live room link ...
    context = browser_login(browser, hub_server, member)
    page = js_errors.watch(context.new_page())
    page.goto(hub_server.url + "/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="党课", exact=True).click()
    page.wait_for_url("**/classes/")
    card = page.locator(".class-card", has_text=title)
    assert card.count() == 1
    assert card.get_by_role("link", name="直播间").get_attribute("href") == f"/live/{pc.pk}/"

    # ... in the month calendar on its day ...
    page.goto(hub_server.url + f"/classes/calendar/?view=month&date={day:%Y-%m-%d}")
    assert page.locator("table.calendar .cal-event", has_text=title).count() == 1
    page.get_by_role("link", name="周").click()
    assert page.locator(".calendar.week .cal-event", has_text=title).count() == 1

    # ... and in the private calendar feed shown on the calendar page.
    page.get_by_role("button", name="生成我的日历地址").click()
    feed_url = page.get_by_label("私人日历地址（.ics）").input_value()
    assert feed_url.endswith(".ics")
    ics = page.request.get(feed_url)
    assert ics.ok and ics.headers["content-type"].startswith("text/calendar")
    body = ics.text()
    assert "BEGIN:VEVENT" in body and f"party-class-{pc.pk}@" in body
    assert title.replace("，", "\\,")[:6] in body
    context.close()
    assert js_errors.list == []


def test_the_class_list_works_on_a_phone(browser, hub_server, member, world, js_errors):
    from tests import factories as f

    s = f.LiveSessionFactory(
        host_organization=world.root_a, audience_orgs=[world.branch_a], title="手机上看党课"
    )
    f.PartyClassFactory(session=s)
    context = browser_login(
        browser, hub_server, member, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = js_errors.watch(context.new_page())
    page.goto(hub_server.url + "/classes/")
    assert page.locator(".class-card", has_text="手机上看党课").is_visible()
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.get_by_role("button", name="菜单").click()
    assert page.get_by_role("navigation", name="主导航").get_by_role("link", name="党课").is_visible()
    page.get_by_role("link", name="日历").click()
    page.wait_for_url("**/classes/calendar/")
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") <= 0
    context.close()
    assert js_errors.list == []
