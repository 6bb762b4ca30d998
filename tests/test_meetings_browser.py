"""Meeting records in a real browser, on a desktop and on a phone (390×844): an organizer records an offline
支部委员会 with its attendance, minutes and photos; a livestreamed 党课 takes its attendance from presence and
gets its minutes afterwards; the empty 90-second 党小组会 does not count and says why; the export downloads
with a sheet per branch; the dashboard shows plan compliance. Screenshots go next to the server's log."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from hub.dashboards.services import dashboards_invalidate
from livestreams.models import MeetingAttendee, MeetingRecord
from tests.classes_helpers import members_of
from tests.conftest import browser_login
from tests.meetings_helpers import CK, in_quarter, online_meeting

pytestmark = pytest.mark.browser

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True},
}


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 16, 46)).save(out, "JPEG")
    return out.getvalue()


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") <= 0


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_an_organizer_records_an_offline_committee_meeting_with_minutes_and_photos(
    browser, hub_server, organizer, world, js_errors, device
):
    committee = members_of(world.branch_a, 3)
    start = timezone.localtime(in_quarter(hours_ago=30))
    context = browser_login(browser, hub_server, organizer, **VIEWPORTS[device])
    page = js_errors.watch(context.new_page())
    page.goto(hub_server.url + "/classes/records/")
    page.get_by_role("link", name="录入线下会议").first.click()
    page.wait_for_url("**/classes/meetings/new/")
    page.get_by_label("党组织").select_option(str(world.branch_a.pk))
    page.get_by_label("会议类型").select_option("committee_meeting")
    page.get_by_label("主题").fill("研究发展党员工作")
    page.get_by_label("开始时间").fill(f"{start:%Y-%m-%dT%H:%M}")
    page.get_by_label("结束时间").fill(f"{start + timedelta(minutes=70):%Y-%m-%dT%H:%M}")
    page.get_by_label("地点").fill("二七丝路网红大厦党群活动室")
    page.get_by_label("主持人").fill("王书记")
    page.get_by_label("记录人").fill("李委员")
    page.get_by_label("会议记录").fill("一、传达上级精神。\n二、研究发展对象。")
    page.get_by_label("会议决议").fill("同意列为发展对象。")
    _no_sideways_scroll(page)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/classes/meetings/*/")
    record = MeetingRecord.objects.get()
    assert "不计入" in page.locator("#verdict").inner_text()  # nobody listed yet
    assert page.locator("#signin-qr svg").count() == 1

    # Attendance: two present, one excused with a reason.
    page.get_by_role("link", name="出勤情况", exact=True).click()
    page.wait_for_url("**/attendance/")
    for m in committee[:2]:
        page.locator(f"select[name=state_{m.pk}]").select_option("attended")
    page.locator(f"select[name=state_{committee[2].pk}]").select_option("excused")
    page.locator(f"input[name=reason_{committee[2].pk}]").fill("出差")
    _no_sideways_scroll(page)
    page.get_by_role("button", name="保存出勤").click()
    page.wait_for_url(f"**/classes/meetings/{record.pk}/")
    assert MeetingAttendee.objects.filter(record=record).count() == 3

    # A photo from the meeting.
    page.get_by_label("照片").set_input_files(
        {"name": "会议.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}
    )
    page.get_by_role("button", name="上传照片").click()
    page.wait_for_url(f"**/classes/meetings/{record.pk}/")
    assert page.locator("#photos img").count() == 1
    # The photo is lazily loaded: on a phone it is below the fold until scrolled to, then it loads.
    page.locator("#photos img").scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const i = document.querySelector('#photos img'); return i.complete && i.naturalWidth > 0; }"
    )
    verdict = page.locator("#verdict").inner_text()
    assert "计入开展数" in verdict and "不计入" not in verdict
    assert "应到 2 人：出席 2 人，请假 1 人，缺席 0 人" in page.locator("#attendance-numbers").inner_text()
    _no_sideways_scroll(page)
    page.screenshot(path=str(hub_server.log.parent / f"meeting-record-{device}.png"), full_page=True)

    # The printable page carries the minutes.
    page.get_by_role("link", name="打印页").click()
    page.wait_for_url("**/print/")
    assert "研究发展对象" in page.locator("#print-sheet").inner_text()
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    context.close()
    assert js_errors.list == []


def test_a_livestreamed_party_class_takes_attendance_from_presence_and_gets_its_minutes(
    browser, hub_server, organizer, world, js_errors
):
    users = [m.user for m in members_of(world.branch_a, 3)]
    session = online_meeting(
        world, kind=CK.PARTY_LECTURE, seconds=45 * 60, watchers=users[:2], title="学习贯彻党的二十大精神"
    )
    context = browser_login(browser, hub_server, organizer, **VIEWPORTS["phone"])
    page = js_errors.watch(context.new_page())
    page.goto(hub_server.url + f"/classes/{session.pk}/")
    page.locator("#meeting-record-link").click()
    page.get_by_role("button", name="开始记录").click()
    page.wait_for_url("**/edit/")
    page.get_by_label("主持人").fill("王书记")
    page.get_by_label("记录人").fill("李委员")
    page.get_by_label("会议记录").fill("讲课人讲授党的二十大精神，党员交流体会。")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/classes/meetings/*/")
    assert "应到 3 人：出席 2 人，请假 0 人，缺席 1 人" in page.locator("#attendance-numbers").inner_text()
    assert "来自直播间记录" in page.locator("#attendance-numbers").inner_text()
    assert "计入开展数" in page.locator("#verdict").inner_text()
    assert "讲授党的二十大精神" in page.locator("#minutes-text").inner_text()
    _no_sideways_scroll(page)
    page.screenshot(path=str(hub_server.log.parent / "meeting-livestreamed-phone.png"), full_page=True)
    context.close()
    assert js_errors.list == []


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_empty_90_second_meeting_does_not_count_says_why_and_the_export_downloads(
    browser, hub_server, organizer, world, js_errors, device
):
    members_of(world.branch_a, 3)
    online_meeting(world, kind=CK.GROUP_MEETING, seconds=90, title="党小组会：学习交流")
    context = browser_login(browser, hub_server, organizer, accept_downloads=True, **VIEWPORTS[device])
    page = js_errors.watch(context.new_page())
    page.goto(hub_server.url + "/classes/records/")
    row = page.locator(f"#records-table tr[data-branch='{world.branch_a.pk}']")
    cells = row.locator("td").all_inner_texts()
    assert cells[1:6] == ["0", "0", "0", "0", "0"]  # 党小组会 stays 0
    assert row.locator("[data-total]").inner_text() == "0"  # 开展总数 stays 0
    assert row.locator("[data-not-counted]").inner_text() == "1"
    _no_sideways_scroll(page)

    with page.expect_download() as info:
        page.locator("#export-xlsx").click()
    wb = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))  # the download has no extension
    assert "孵化器联合党支部" in wb.sheetnames
    values = [c.value for r in wb["孵化器联合党支部"].iter_rows() for c in r]
    assert "党小组会：学习交流" in values and "否" in values

    row.get_by_role("link", name="孵化器联合党支部").click()
    page.wait_for_url("**/classes/records/branch/**")
    item = page.locator("#meetings .meeting", has_text="党小组会：学习交流")
    text = item.inner_text()
    assert "不计入" in text
    assert (
        "时长 1 分 30 秒，不足最低要求 30 分钟。" in text
        and "无人出席。" in text
        and "未填写会议记录。" in text
    )
    _no_sideways_scroll(page)
    page.screenshot(path=str(hub_server.log.parent / f"meeting-not-counted-{device}.png"), full_page=True)
    context.close()
    assert js_errors.list == []


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_dashboard_shows_plan_compliance(
    browser, hub_server, official, organizer, world, js_errors, device
):
    users = [m.user for m in members_of(world.branch_a, 2)]
    session = online_meeting(world, kind=CK.PARTY_LECTURE, seconds=3600, watchers=users)
    MeetingRecord.objects.create(
        organization=world.branch_a,
        region=world.sub_a,
        session=session,
        kind=CK.PARTY_LECTURE,
        topic=session.title,
        starts_at=session.went_live_at,
        ends_at=session.ended_at,
        place="线上",
        minutes="会议记录",
    )
    online_meeting(world, kind=CK.GROUP_MEETING, seconds=90)
    dashboards_invalidate()  # no figures cached by an earlier test
    context = browser_login(browser, hub_server, official, **VIEWPORTS[device])
    page = js_errors.watch(context.new_page())
    page.goto(hub_server.url + "/dashboard/")
    page.wait_for_selector("#plan-compliance[data-loaded=true]")
    table = page.locator("#compliance-table")
    row = table.locator("tr", has_text="孵化器联合党支部")
    cells = row.locator("td").all_inner_texts()
    # planned (the norms: 1 + 3 + 3 + 1 + 3), held, counted, short
    assert cells[1:] == ["11", "2", "1", "10"]
    assert "未达标" in row.inner_text()
    assert "外支部" not in table.inner_text()  # another district's branch
    assert "个支部未完成计划" in page.locator("#compliance-summary").inner_text()
    assert "计划完成情况" in page.locator("#compliance-title").inner_text()
    _no_sideways_scroll(page)
    page.screenshot(path=str(hub_server.log.parent / f"dashboard-compliance-{device}.png"), full_page=True)
    context.close()
    assert js_errors.list == []
