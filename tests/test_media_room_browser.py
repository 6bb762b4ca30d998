"""The whole chain a member sees: an encoder pushes to nginx-rtmp, the hub turns the class live, and the live
room's player (hls.js in Debian's chromium) plays the HLS stream that nginx serves."""

from datetime import timedelta

import pytest
from django.utils import timezone

from livestreams.models import LiveSession
from livestreams.playback import stream_name
from livestreams.services.media import playback_links_rotate, stream_key_ensure
from tests import factories as f
from tests.conftest import browser_login
from tests.media_support import apply_to_settings, http_get, start_media_stack

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_watches_in_the_room_what_the_host_pushes_from_an_encoder(
    browser, tmp_path, settings, world, member, js_errors
):
    stack = start_media_stack(tmp_path / "mediaserver")
    apply_to_settings(settings, stack.env)
    try:
        now = timezone.now()
        session = f.LiveSessionFactory(
            host_organization=world.root_a,
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(hours=1),
            status=LiveSession.Status.SCHEDULED,
            audience_orgs=[world.branch_a],
            playback=LiveSession.Playback.HUB,
        )
        page = js_errors.watch(browser_login(browser, stack.hub, member).new_page())
        page.goto(f"{stack.hub.url}/live/{session.pk}/")
        page.wait_for_selector("#conn-state[data-state=open]")
        assert page.locator("#room-video").is_hidden()

        stack.push(stream_name(session), stream_key_ensure(session_id=session.pk))
        # on_publish turns the session live; the room hears the status and its player loads the stream.
        page.wait_for_selector("[data-status]:has-text('直播中')", timeout=30000)
        page.wait_for_function("document.getElementById('room-video').readyState >= 2", timeout=45000)
        assert page.locator("#room-video").is_visible()

        # The links are rotated (a link was copied out of the room): the media server refuses the old ones
        # (410) and the room fetches fresh ones by itself; the picture goes on.
        loaded = []
        page.on("response", lambda r: loaded.append((r.url, r.status)))
        playlist_url = page.evaluate("JSON.parse(document.getElementById('room-config').textContent).hlsUrl")
        with page.expect_response(
            lambda r: f"/2/session-{session.pk}/" in r.url and r.url.endswith(".ts") and r.status == 200,
            timeout=45000,
        ):
            playback_links_rotate(session=session)
            assert http_get(playlist_url)[0] == 410
        assert any(url.endswith(f"/live/{session.pk}/links/") and status == 200 for url, status in loaded)
        page.wait_for_function("document.getElementById('room-video').readyState >= 2", timeout=30000)
        # The browser logs the playlist's 404 while the encoder had not started yet and the old links' 410
        # after the rotation; nothing else may fail.
        assert [e for e in js_errors.list if "Failed to load resource" not in e] == []
    finally:
        stack.stop()
