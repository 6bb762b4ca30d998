"""Issue 15's two fixes on the host's pages, in Debian's chromium at phone size (390×844) and on a desktop,
against the real media server (nginx-rtmp started by `manage.py mediaserver`) and ffmpeg pushing a test
pattern:

- the stream page's rehearsal preview: "no picture yet" shows before any push and goes away once the preview
  plays (it used to stay under a playing picture);
- the room's badge of a class that is live by the clock but that nobody pushes to says 等待推流, not 直播中, for
  the host (whose console says 未推流) and for a member; it turns 直播中 when the encoder starts, over the socket
  (`stream_state`, docs/live-room-protocol.md), without a reload.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from livestreams.models import LiveSession, StreamPublish
from livestreams.playback import stream_name
from livestreams.services.media import stream_key_ensure
from livestreams.services.sessions import session_start
from tests import factories as f
from tests.conftest import browser_login
from tests.media_support import apply_to_settings, start_media_stack
from tests.room_helpers import clean_room_redis
from tests.support import in_thread, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = LiveSession.Status

DEVICES = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
NO_PICTURE = "暂无画面：请开始推流，稍等几秒。"
# Generous: the machine that runs the suite may be loaded (ffmpeg, nginx, daphne and chromium on 2 cores).
PLAY_TIMEOUT = 90_000
SOCKET_TIMEOUT = 30_000


@pytest.fixture
def media(browser, tmp_path, settings):
    """After `browser`, so that it stops while Playwright's loop still runs (see below)."""
    clean_room_redis()
    stack = start_media_stack(tmp_path / "mediaserver")
    apply_to_settings(settings, stack.env)
    yield stack
    stack.stop()
    # Queries made while Playwright's loop runs use a connection of their own context: close it.
    connections.close_all()


def _class(world, *, starts_in: timedelta) -> LiveSession:
    now = timezone.now()
    session = f.LiveSessionFactory(
        host_organization=world.root_a,
        audience_orgs=[world.branch_a],
        starts_at=now + starts_in,
        ends_at=now + starts_in + timedelta(hours=1),
        status=S.SCHEDULED,
        playback=LiveSession.Playback.HUB,
    )
    f.PartyClassFactory(session=session)
    return session


def _no_errors(errors: list[str]) -> list[str]:
    # Before the push the playlist is missing (404) and the players try again: nothing else may fail.
    return [e for e in errors if "Failed to load resource" not in e]


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") <= 0


def _wait_until_pushed(session) -> None:
    wait_until(
        lambda: StreamPublish.objects.filter(session=session, ended_at__isnull=True).exists(),
        timeout=30,
        message="the media server to take the push",
    )


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_no_picture_note_goes_away_once_the_rehearsal_preview_plays(
    media, browser, world, organizer, js_errors, device
):
    session = _class(world, starts_in=timedelta(minutes=10))
    page = js_errors.watch(browser_login(browser, media.hub, organizer, **DEVICES[device]).new_page())
    page.goto(f"{media.hub.url}/live/{session.pk}/stream/")
    note = page.locator("[data-preview-state]")
    video = page.locator("video[data-hls]")
    expect(note).to_be_visible()
    expect(note).to_have_text(NO_PICTURE)
    expect(video).to_be_visible()
    _no_sideways_scroll(page)
    # The preview keeps asking for the missing playlist: the note stays while nothing plays.
    page.wait_for_event(
        "response", lambda r: r.url.endswith("/index.m3u8") and r.status == 404, timeout=SOCKET_TIMEOUT
    )
    expect(note).to_be_visible()
    assert page.evaluate("document.querySelector('video[data-hls]').currentTime") == 0
    page.evaluate("window.__sameDocument = true")

    media.push(stream_name(session), stream_key_ensure(session_id=session.pk))
    _wait_until_pushed(session)
    # The preview plays: it has frames and its clock runs.
    page.wait_for_function(
        "() => { const v = document.querySelector('video[data-hls]');"
        " return v.readyState >= 2 && !v.paused && v.currentTime > 0.5; }",
        timeout=PLAY_TIMEOUT,
    )
    started = page.evaluate("document.querySelector('video[data-hls]').currentTime")
    page.wait_for_function(
        f"document.querySelector('video[data-hls]').currentTime > {started} + 1", timeout=PLAY_TIMEOUT
    )
    # ... and the note is gone from under the picture (issue 15: it stayed there).
    expect(note).to_be_hidden()
    assert page.evaluate("getComputedStyle(document.querySelector('[data-preview-state]')).display") == "none"
    assert page.evaluate("window.__sameDocument") is True
    # A rehearsal: the class is still waiting for its start.
    assert LiveSession.objects.get(pk=session.pk).status == S.SCHEDULED
    _no_sideways_scroll(page)
    page.screenshot(path=str(media.hub.log.parent / f"stream-preview-{device}.png"), full_page=True)
    assert _no_errors(js_errors.list) == []


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_class_live_by_the_clock_waits_for_the_stream_until_the_encoder_starts(
    media, browser, world, organizer, member, js_errors, device
):
    # Its start has come, but the clock has not turned it live yet.
    session = _class(world, starts_in=-timedelta(minutes=1))
    url = f"{media.hub.url}/live/{session.pk}/"
    host = js_errors.watch(browser_login(browser, media.hub, organizer, **DEVICES[device]).new_page())
    host.goto(url)
    expect(host.locator("#conn-state")).to_have_attribute("data-state", "open", timeout=SOCKET_TIMEOUT)
    host_badge = host.locator(".room-meta [data-status]")
    expect(host_badge).to_have_text("已排期")
    # The console's first message comes after the server has put this socket in the room: from then on the
    # page hears what the room publishes (a socket still being let in reads the status before that).
    expect(host.locator("#console-count")).to_have_text(re.compile(r"^\d+ / \d+$"), timeout=SOCKET_TIMEOUT)

    # The clock turns the class live (livestreams.services.lifecycle calls this at its start); nobody pushes.
    assert in_thread(session_start, session_id=session.pk)
    expect(host_badge).to_have_text("等待推流", timeout=SOCKET_TIMEOUT)
    expect(host_badge).to_have_class("status status-live status-waiting")
    expect(host.locator('#console-stream [data-k="pushing"]')).to_have_text("未推流", timeout=SOCKET_TIMEOUT)

    # A member who comes in now sees the same.
    viewer = js_errors.watch(browser_login(browser, media.hub, member, **DEVICES[device]).new_page())
    viewer.goto(url)
    expect(viewer.locator("#conn-state")).to_have_attribute("data-state", "open", timeout=SOCKET_TIMEOUT)
    viewer_badge = viewer.locator(".room-meta [data-status]")
    expect(viewer_badge).to_have_text("等待推流", timeout=SOCKET_TIMEOUT)
    for page in (host, viewer):
        _no_sideways_scroll(page)
        page.evaluate("window.__sameDocument = true")

    media.push(stream_name(session), stream_key_ensure(session_id=session.pk))
    _wait_until_pushed(session)
    for page, badge in ((host, host_badge), (viewer, viewer_badge)):
        expect(badge).to_have_text("直播中", timeout=SOCKET_TIMEOUT)
        expect(badge).not_to_have_class("status status-live status-waiting")
        expect(badge).to_have_class("status status-live")
        assert page.evaluate("window.__sameDocument") is True
    expect(host.locator('#console-stream [data-k="pushing"]')).to_have_text("推流中", timeout=SOCKET_TIMEOUT)
    # The member's player plays what the encoder sends.
    viewer.wait_for_function(
        "() => { const v = document.getElementById('room-video'); return v && v.readyState >= 2; }",
        timeout=PLAY_TIMEOUT,
    )
    host.screenshot(path=str(media.hub.log.parent / f"console-live-{device}.png"), full_page=True)
    assert _no_errors(js_errors.list) == []
