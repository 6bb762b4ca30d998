"""Issue 15 in Debian's chromium at phone size (390×844) against a real daphne: the host sees a member arrive
and ends the class for everyone; a member asks for leave and the organizer approves it; another member makes the
class up by watching its replay, and the learning record, its .xlsx export and the rankings show the results."""

from __future__ import annotations

import subprocess
import threading
from datetime import timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from livestreams.models import Attendance, LeaveRequest, LiveSession, ReplayWatch
from tests import factories as f
from tests.classes_helpers import members_of
from tests.conftest import browser_login
from tests.room_helpers import clean_room_redis
from tests.support import wait_until

pytestmark = pytest.mark.browser
S = LiveSession.Status
PHONE = {"viewport": {"width": 390, "height": 844}}


@pytest.fixture(autouse=True)
def _clean_redis():
    clean_room_redis()


def _no_errors(errors):
    return [e for e in errors if "Failed to load resource" not in e]


def _no_sideways_scroll(page):
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") <= 0


def _class(world, **kw):
    session = f.LiveSessionFactory(host_organization=world.root_a, audience_orgs=[world.branch_a], **kw)
    f.PartyClassFactory(session=session)
    return session


def test_the_host_sees_a_member_arrive_and_ends_the_class_for_everyone(
    browser, hub_server, world, organizer, member, js_errors
):
    session = _class(
        world,
        status=S.LIVE,
        playback=LiveSession.Playback.EXTERNAL,
        external_url="https://live.douyin.com/123456",
    )
    url = f"{hub_server.url}/live/{session.pk}/"
    host = js_errors.watch(browser_login(browser, hub_server, organizer, **PHONE).new_page())
    host.goto(url)
    row = f'#console-audience li[data-user-id="{member.pk}"]'
    host.wait_for_selector(f"{row}.absent", timeout=15000)
    assert host.locator(f"{row} .console-state").inner_text() == "缺席"

    viewer = js_errors.watch(browser_login(browser, hub_server, member, **PHONE).new_page())
    viewer.goto(url)
    viewer.wait_for_selector("#conn-state[data-state=open]", timeout=15000)
    host.wait_for_selector(f"{row}.present", timeout=15000)
    assert host.locator(f"{row} .console-state").inner_text() == "在场"
    assert host.locator("#console-count").inner_text().startswith("1 /")
    _no_sideways_scroll(host)
    host.screenshot(path=str(hub_server.log.parent / "console-phone.png"), full_page=True)

    host.once("dialog", lambda dialog: dialog.accept())
    host.click("#console-end")
    viewer.wait_for_function(
        "document.querySelector('[data-status]').classList.contains('status-ended')", timeout=15000
    )
    assert viewer.locator("[data-status]").first.inner_text() == "已结束"
    assert not viewer.locator(".room-meta .viewers").is_visible()  # no "1 人在看" on an ended session
    wait_until(lambda: LiveSession.objects.get(pk=session.pk).status == S.ENDED, timeout=10)
    assert _no_errors(js_errors.list) == []


def test_a_member_asks_for_leave_and_the_organizer_approves_it(
    browser, hub_server, world, organizer, member, js_errors
):
    session = _class(
        world,
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=1),
    )
    page = js_errors.watch(browser_login(browser, hub_server, member, **PHONE).new_page())
    page.goto(f"{hub_server.url}/classes/{session.pk}/")
    page.fill("#id_reason", "外出执行任务")
    page.click("text=申请请假")
    page.wait_for_selector("#leave-state >> text=待审批")
    _no_sideways_scroll(page)

    boss = js_errors.watch(browser_login(browser, hub_server, organizer, **PHONE).new_page())
    boss.goto(f"{hub_server.url}/classes/{session.pk}/attendance/")
    boss.wait_for_selector("#leave-requests >> text=外出执行任务")
    boss.click("#leave-requests button[value=approve]")
    boss.wait_for_selector("#leave-requests .leave-state >> text=已批准")
    assert Attendance.objects.get(session=session, member__user=member).excused
    _no_sideways_scroll(boss)
    boss.screenshot(path=str(hub_server.log.parent / "leave-phone.png"), full_page=True)

    page.reload()
    page.wait_for_selector("#leave-state >> text=已批准")
    assert LeaveRequest.objects.get().state == LeaveRequest.State.APPROVED
    assert _no_errors(js_errors.list) == []


class _Files(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def replay_origin(tmp_path):
    """A replay file on another origin, as a platform's replay link would be (40 s of VP8 made by ffmpeg)."""
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=40:size=160x90:rate=5",
            "-c:v",
            "libvpx",
            "-b:v",
            "50k",
            str(tmp_path / "replay.webm"),
        ],
        check=True,
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Files, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/replay.webm"
    server.shutdown()
    server.server_close()


def test_a_member_makes_up_by_replay_and_the_record_and_rankings_show_it(
    browser, hub_server, world, organizer, member, replay_origin, js_errors, tmp_path
):
    now = timezone.now()
    # A one-minute class that needs 40 % of it watched: 24 s of replay make it up.
    session = _class(
        world,
        status=S.ENDED,
        starts_at=now - timedelta(hours=1),
        ends_at=now - timedelta(hours=1) + timedelta(minutes=1),
        replay_url=replay_origin,
    )
    LiveSession.objects.filter(pk=session.pk).update(went_live_at=session.starts_at, ended_at=session.ends_at)
    session.party_class.attendance_threshold = 40
    session.party_class.save()
    present = members_of(world.branch_a, 1, prefix="live")[0]
    Attendance.objects.create(session=session, member=present, seconds_watched=60, attended=True)

    page = js_errors.watch(browser_login(browser, hub_server, member, **PHONE).new_page())
    page.goto(f"{hub_server.url}/classes/{session.pk}/")
    page.click("#makeup-note a")
    page.wait_for_function(
        "(() => { const v = document.getElementById('room-video'); return v && v.currentTime > 1; })()",
        timeout=20000,
    )
    # The server adds up the pings (one when playing starts, then every 30 s).
    wait_until(
        lambda: ReplayWatch.objects.filter(session=session, user=member, made_up_at__isnull=False).exists(),
        timeout=60,
        interval=1,
        message="the replay made the class up",
    )
    assert ReplayWatch.objects.get(session=session, user=member).seconds >= 24

    page.goto(f"{hub_server.url}/classes/learning/")
    assert page.locator('#record-totals [data-k="made_up"]').inner_text() == "1"
    assert page.locator(f'#record-table tr[data-session="{session.pk}"]').inner_text().count("已补学") == 1
    assert page.locator('#record-totals [data-k="points"]').inner_text() == "6"
    _no_sideways_scroll(page)
    page.screenshot(path=str(hub_server.log.parent / "learning-record-phone.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#record-xlsx")
    path = tmp_path / "record.xlsx"
    download.value.save_as(path)
    rows = [[c.value for c in row] for row in load_workbook(path).active.iter_rows()]
    data = next(r for r in rows if r[1] == session.title)
    assert data[2] == "已补学" and data[-1] == 6

    boss = js_errors.watch(browser_login(browser, hub_server, organizer, **PHONE).new_page())
    boss.goto(f"{hub_server.url}/classes/learning/rankings/")
    branch_row = boss.locator(f'#branch-ranking tr[data-branch="{world.branch_a.pk}"]')
    cells = branch_row.locator("td").all_inner_texts()
    assert cells[0] == "1" and cells[-2] == "1"  # first; one member made up
    _no_sideways_scroll(boss)
    boss.goto(f"{hub_server.url}/classes/{session.pk}/attendance/")
    assert "已补学" in boss.locator("#attendance-table").inner_text()
    assert _no_errors(js_errors.list) == []
