"""The dashboards and the home page in Debian's chromium against a real daphne: the charts are drawn, there
are no JavaScript errors, and "Live now" follows sessions that start, end and gain viewers without a
reload. Screenshots go to var/screenshots/."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from livestreams.models import LiveSession
from livestreams.realtime import live_now_publish
from livestreams.services.sessions import session_end, session_start
from tests import factories as f
from tests.conftest import browser_login
from tests.dashboard_fixtures import PERIOD, build_district
from tests.support import in_thread

pytestmark = pytest.mark.browser
SHOTS = Path(settings.VAR_DIR) / "screenshots"
QUERY = "date_from={date_from}&date_to={date_to}".format(**PERIOD)


def upcoming(org, title, visibility=LiveSession.Visibility.AUDIENCE, minutes=5):
    now = timezone.now()
    return f.LiveSessionFactory(
        host_organization=org,
        title=title,
        visibility=visibility,
        starts_at=now + timedelta(minutes=minutes),
        ends_at=now + timedelta(minutes=minutes + 60),
    )


def assert_charts_drawn(page, count=7):
    page.wait_for_function(
        f"document.querySelectorAll('[data-chart][data-loaded=\"true\"]').length === {count}", timeout=20000
    )
    cards = page.locator("[data-chart]")
    assert cards.count() == count
    for i in range(count):
        canvas = cards.nth(i).locator("canvas").first
        box = canvas.bounding_box()
        assert box and box["width"] > 150 and box["height"] > 150, cards.nth(i).get_attribute("data-chart")


def follow_a_session_going_live(page, session, list_selector="[data-live-now-list]"):
    page.locator("[data-live-now][data-socket='open'], [data-live-now-home][data-socket='open']").wait_for()
    item = page.locator(f'{list_selector} [data-session-id="{session.pk}"]')
    expect(item).to_have_count(0)
    in_thread(session_start, session_id=session.pk)
    expect(item).to_contain_text(session.title, timeout=10000)
    in_thread(live_now_publish, event={"type": "viewers", "session_id": session.pk, "count": 42})
    expect(item.locator("[data-viewers]")).to_have_text("42 人在看", timeout=10000)
    return item


def test_the_dashboard_draws_its_charts_and_follows_what_goes_live(
    browser, hub_server, official, world, js_errors
):
    district = build_district(world)
    class_of_a = upcoming(world.branch_a, "七一主题党课")
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser_login(browser, hub_server, official, viewport={"width": 1440, "height": 900})
    page = js_errors.watch(context.new_page())
    page.goto(f"{hub_server.url}/dashboard/?{QUERY}")
    assert_charts_drawn(page)
    expect(page.locator('[data-kpi="gmv_this_month"]')).to_have_text("¥15,000.50")
    expect(page.locator('[data-chart="top-merchants"] [data-chart-table] td').nth(1)).to_have_text("丝路优选")
    expect(page.locator('[data-chart="branches-without-class"] [data-chart-note]')).to_contain_text("2024Q2")
    item = follow_a_session_going_live(page, class_of_a)
    expect(page.locator("[data-live-count]")).to_have_text("1")
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
    in_thread(session_end, session_id=class_of_a.pk)
    expect(item).to_have_count(0, timeout=10000)
    expect(page.locator("[data-live-now-empty]")).to_be_visible()
    assert district.s1.title not in page.locator("[data-live-now-list]").inner_text()
    assert js_errors.list == []
    context.close()


def test_the_wall_screen_fills_1920_by_1080_in_the_dark_and_rolls_what_is_live(
    browser, hub_server, official, world, js_errors
):
    build_district(world)
    now = timezone.now()
    for i in range(14):
        f.LiveSessionFactory(
            host_organization=world.root_a,
            title=f"直播间{i + 1:02d}",
            status=LiveSession.Status.LIVE,
            starts_at=now - timedelta(minutes=30),
            ends_at=now + timedelta(hours=2),
            went_live_at=now - timedelta(minutes=30 - i),
        )
    promotion = upcoming(world.root_a, "区长带你逛二七·新品首发周", LiveSession.Visibility.PUBLIC)
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser_login(browser, hub_server, official, viewport={"width": 1920, "height": 1080})
    page = js_errors.watch(context.new_page())
    page.goto(f"{hub_server.url}/dashboard/screen/?{QUERY}")
    assert_charts_drawn(page)
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(5, 11, 31)"
    stage = page.locator("[data-screen-stage]").bounding_box()
    assert (round(stage["width"]), round(stage["height"])) == (1920, 1080)
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    expect(page.locator("[data-clock]")).to_contain_text(timezone.localdate().isoformat())
    # More sessions than fit: the list rolls by itself (the first item moves to the end).
    first = page.locator("[data-live-now-list] > li").first.get_attribute("data-session-id")
    page.wait_for_function(
        f"document.querySelector('[data-live-now-list] > li').dataset.sessionId !== '{first}'", timeout=15000
    )
    follow_a_session_going_live(page, promotion)
    page.screenshot(path=str(SHOTS / "dashboard-screen.png"))
    assert js_errors.list == []
    context.close()


def test_the_dashboard_works_on_a_phone(browser, hub_server, official, world, js_errors):
    build_district(world)
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser_login(
        browser, hub_server, official, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = js_errors.watch(context.new_page())
    page.goto(f"{hub_server.url}/dashboard/?{QUERY}")
    assert_charts_drawn(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for label in ["区或街道", "开始日期", "结束日期", "楼宇或园区", "党组织（含下级）"]:
        expect(page.get_by_label(label)).to_be_visible()
    page.screenshot(path=str(SHOTS / "dashboard-phone.png"), full_page=True)
    assert js_errors.list == []
    context.close()


def test_the_filters_redraw_the_dashboard_for_one_building(browser, hub_server, official, world, js_errors):
    build_district(world)
    context = browser_login(browser, hub_server, official, viewport={"width": 1440, "height": 900})
    page = js_errors.watch(context.new_page())
    page.goto(f"{hub_server.url}/dashboard/?{QUERY}")
    assert_charts_drawn(page)
    page.get_by_label("楼宇或园区").select_option(label="二七丝路网红大厦")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(f"**building={world.building_a.pk}**")
    assert_charts_drawn(page)
    expect(page.locator('[data-kpi="enterprises"]')).to_have_text("1")
    assert js_errors.list == []
    context.close()


def test_the_home_page_moves_a_session_to_live_now_without_a_reload(browser, hub_server, world, js_errors):
    public = upcoming(world.root_a, "公开党课：跟党一起创业", LiveSession.Visibility.PUBLIC)
    context = browser.new_context(locale="zh-CN")
    page = js_errors.watch(context.new_page())
    page.goto(hub_server.url + "/")
    expect(page.locator("[data-upcoming-list]")).to_contain_text(public.title)
    expect(page.locator("[data-live-now-empty]")).to_be_visible()
    card = follow_a_session_going_live(page, public)
    expect(card.locator("[data-status]")).to_have_text("直播中")
    expect(page.locator("[data-upcoming-list]")).not_to_contain_text(public.title)
    expect(page.locator("[data-live-now-empty]")).to_be_hidden()
    # A session created after the page was drawn appears too, as a new card.
    later = upcoming(world.root_a, "临时加开：直播带货培训", LiveSession.Visibility.PUBLIC, minutes=90)
    in_thread(session_start, session_id=later.pk)
    new_card = page.locator(f'[data-live-now-list] [data-session-id="{later.pk}"]')
    expect(new_card).to_contain_text("临时加开：直播带货培训")
    expect(new_card).to_have_attribute("class", "card session-card is-new")
    expect(new_card.locator("a")).to_have_attribute("href", f"/live/{later.pk}/")
    # A members-only session of a branch the anonymous visitor is not in never shows up.
    hidden = upcoming(world.branch_a, "支部内部会议")
    in_thread(session_start, session_id=hidden.pk)
    in_thread(session_end, session_id=public.pk)
    expect(card).to_have_count(0)
    expect(page.locator(f'[data-session-id="{hidden.pk}"]')).to_have_count(0)
    assert js_errors.list == []
    context.close()
