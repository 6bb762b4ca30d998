"""The live room in Debian's chromium against a real daphne: two people, one room."""

from __future__ import annotations

import re
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connections

from livestreams.models import Comment, LiveSession
from livestreams.playback import stream_name
from livestreams.services.sessions import session_end, session_start
from tests import factories as f
from tests.conftest import browser_login
from tests.room_helpers import clean_room_redis
from tests.support import start_daphne

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _clean_redis():
    clean_room_redis()


def in_thread(fn, **kwargs):
    """Playwright keeps an event loop running in the test's thread; services that push through the channel
    layer (async_to_sync) run in a thread of their own, as they do in a Celery worker."""

    def call():
        try:
            return fn(**kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def _no_errors(errors):
    return [e for e in errors if "Failed to load resource" not in e]


def test_a_comment_typed_in_one_browser_appears_in_the_other_and_the_count_shows_two(
    browser, hub_server, world, member, organizer, js_errors
):
    session = f.LiveSessionFactory(
        host_organization=world.root_a,
        status=LiveSession.Status.LIVE,
        audience_orgs=[world.branch_a],
        playback=LiveSession.Playback.EXTERNAL,
        external_url="https://live.douyin.com/123456",
    )
    url = f"{hub_server.url}/live/{session.pk}/"
    alice = js_errors.watch(browser_login(browser, hub_server, member).new_page())
    bob = js_errors.watch(browser_login(browser, hub_server, organizer).new_page())
    alice.goto(url)
    bob.goto(url)
    for page in (alice, bob):
        page.wait_for_selector("#conn-state[data-state=open]")
    alice.wait_for_function("document.getElementById('viewer-count').textContent === '2'", timeout=3000)
    bob.wait_for_function("document.getElementById('viewer-count').textContent === '2'", timeout=3000)

    alice.fill("#comment-text", "老师讲得好！<b>不是粗体</b>")
    alice.click("#comment-send")
    bob.wait_for_selector("#comment-list li.comment >> text=老师讲得好！", timeout=2000)
    assert (
        bob.locator("#comment-list li.comment .comment-text").last.inner_text()
        == "老师讲得好！<b>不是粗体</b>"
    )
    assert bob.locator("#comment-list b").count() == 0
    assert alice.input_value("#comment-text") == ""
    assert Comment.objects.get(session=session).author == member

    # The moderator removes it; it disappears for the member too.
    bob.locator("#comment-list li.comment .mod-actions button").first.click()
    alice.wait_for_selector("#comment-list li.comment", state="detached", timeout=3000)
    assert _no_errors(js_errors.list) == []


def test_the_status_turns_live_and_ended_without_a_reload_on_a_phone(
    browser, hub_server, world, member, js_errors
):
    session = f.LiveSessionFactory(
        host_organization=world.root_a,
        status=LiveSession.Status.SCHEDULED,
        audience_orgs=[world.branch_a],
        playback=LiveSession.Playback.EXTERNAL,
        external_url="https://live.kuaishou.com/u/demo",
    )
    context = browser_login(
        browser, hub_server, member, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = js_errors.watch(context.new_page())
    page.goto(f"{hub_server.url}/live/{session.pk}/")
    page.wait_for_selector("#conn-state[data-state=open]")
    assert page.locator(".room-head [data-status]").inner_text() == "已排期"
    in_thread(session_start, session_id=session.pk)
    page.wait_for_function(
        "document.querySelector('.room-head [data-status]').textContent === '直播中'", timeout=3000
    )
    in_thread(session_end, session_id=session.pk)
    page.wait_for_function(
        "document.querySelector('.room-head [data-status]').textContent === '已结束'", timeout=3000
    )
    assert page.locator("#comment-text").is_disabled()
    # Phone layout: the comments sit below the player, within the screen's width.
    chat = page.locator("#comments").bounding_box()
    player = page.locator("#player").bounding_box()
    assert chat["y"] > player["y"] and chat["x"] + chat["width"] <= 390
    assert _no_errors(js_errors.list) == []


class _CorsHandler(SimpleHTTPRequestHandler):
    def translate_path(self, path):
        # The hub's links are signed and expire (livestreams/playback.py): /<token>/<expires>/<generation>/
        # precedes the stream's folder. Checking them is nginx's part (tests/test_media_server.py).
        return super().translate_path(re.sub(r"^/[^/]+/[0-9]+/[0-9]+/(?=session-)", "/", path))

    def end_headers(self):
        # The media server answers the hub's pages from another origin, as nginx-rtmp does behind /hls/.
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hls_origin(tmp_path):
    """A real HLS stream (made by ffmpeg) served over HTTP as the media server would serve it."""
    stream = tmp_path / "hls"
    yield_dir = {"root": stream}

    def make(session):
        # The stream's folder, as nginx-rtmp writes it (the handler drops the signed part of the path).
        name = stream_name(session)
        out = stream / name
        out.mkdir(parents=True)
        subprocess.run(
            [
                "ffmpeg",
                "-loglevel",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc=duration=6:size=320x180:rate=15",
                "-f",
                "lavfi",
                "-i",
                "sine=duration=6",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-hls_time",
                "2",
                "-hls_list_size",
                "0",
                "-f",
                "hls",
                str(out / "index.m3u8"),
            ],
            check=True,
        )

    stream.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_CorsHandler, directory=str(stream)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield_dir.update(url=f"http://127.0.0.1:{server.server_address[1]}/", make=make)
    yield yield_dir
    server.shutdown()
    server.server_close()


def test_it_plays_the_hubs_own_hls_stream_once_the_session_goes_live(
    browser, transactional_db, world, member, hls_origin, js_errors
):
    server = start_daphne(HUB_HLS_BASE_URL=hls_origin["url"])
    try:
        session = f.LiveSessionFactory(
            host_organization=world.root_a,
            status=LiveSession.Status.SCHEDULED,
            audience_orgs=[world.branch_a],
            playback=LiveSession.Playback.HUB,
        )
        hls_origin["make"](session)
        page = js_errors.watch(browser_login(browser, server, member).new_page())
        page.goto(f"{server.url}/live/{session.pk}/")
        page.wait_for_selector("#conn-state[data-state=open]")
        assert page.locator("#room-video").is_hidden()
        in_thread(session_start, session_id=session.pk)
        # hls.js fetches the playlist and the segments; the video gets decodable frames.
        page.wait_for_function("document.getElementById('room-video').readyState >= 2", timeout=10000)
        assert page.locator("#room-video").is_visible()
        assert js_errors.list == []
    finally:
        server.stop()
