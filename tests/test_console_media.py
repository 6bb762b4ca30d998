"""Issue 15: the host console's stream health from the real media server (nginx-rtmp's stat page): an encoder
pushing a test pattern shows its bitrate, its frame rate and how long it has run; the room hears when the push
begins and stops (`stream_state`), and a second push counts as a reconnect."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from livestreams.models import LiveSession
from livestreams.selectors.console import stream_health
from livestreams.services.media import stream_key_ensure
from tests import factories as f
from tests.media_support import RoomListener, apply_to_settings, http_get, start_media_stack
from tests.support import wait_until

pytestmark = pytest.mark.realtime
S = LiveSession.Status


@pytest.fixture
def media(transactional_db, tmp_path, settings):
    stack = start_media_stack(tmp_path / "mediaserver", HUB_MEDIA_END_GRACE_SECONDS="60")
    apply_to_settings(settings, stack.env)
    settings.HUB_MEDIA_STAT_URL = f"{stack.server.http_url}/stat"
    yield stack
    stack.stop()


def _health(session):
    return stream_health(LiveSession.objects.get(pk=session.pk))


def test_the_console_reads_bitrate_and_frame_rate_from_the_media_server(media, world):
    now = timezone.now()
    session = f.LiveSessionFactory(
        host_organization=world.root_a, starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=1)
    )
    key = stream_key_ensure(session_id=session.pk)
    assert _health(session)["pushing"] is False
    listener = RoomListener(session.pk)
    try:
        encoder = media.push(f"session-{session.pk}", key)
        assert listener.wait_for(lambda e: e.get("type") == "stream_state") == {
            "type": "stream_state",
            "pushing": True,
        }
        wait_until(
            lambda: LiveSession.objects.get(pk=session.pk).status == S.LIVE, timeout=20, message="live"
        )
        health = wait_until(
            lambda: (h := _health(session))["bitrate_kbps"] and h["fps"] and h,
            timeout=30,
            interval=0.5,
            message="bitrate and frame rate from nginx-rtmp's stat page",
        )
        assert health["stat"] is True and health["pushing"] is True
        assert health["fps"] == 25
        assert 20 < health["bitrate_kbps"] < 20000
        assert health["reconnects"] == 0 and health["seconds"] >= 0
        # The stat page answers on loopback, where the hub runs (nginx allows 127.0.0.1 and ::1 only).
        assert http_get(f"{media.server.http_url}/stat")[0] == 200

        encoder.terminate()
        encoder.wait(timeout=15)
        assert listener.wait_for(
            lambda e: e.get("type") == "stream_state" and e.get("pushing") is False, timeout=20
        ) == {"type": "stream_state", "pushing": False}
        media.push(f"session-{session.pk}", key)
        wait_until(lambda: _health(session)["pushing"], timeout=20, message="the encoder back")
        assert _health(session)["reconnects"] == 1
    finally:
        listener.close()
