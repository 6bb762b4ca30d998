"""End to end on loopback: nginx-rtmp started by `manage.py mediaserver`, daphne receiving its callbacks,
ffmpeg pushing a test pattern like an encoder, HLS and the replay fetched over HTTP from nginx."""

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from livestreams.models import LiveSession, Recording, StreamPublish
from livestreams.playback import hls_playlist_url
from livestreams.services.media import media_probe, stream_key_ensure
from tests import factories as f
from tests.media_support import (
    RoomListener,
    apply_to_settings,
    http_get,
    http_post,
    media_env,
    start_media_stack,
)
from tests.support import ROOT, start_celery_worker, subprocess_env, wait_until

S = LiveSession.Status


@pytest.fixture
def media(transactional_db, tmp_path, settings):
    stack = start_media_stack(tmp_path / "mediaserver")
    apply_to_settings(settings, stack.env)
    yield stack
    stack.stop()


@pytest.fixture
def media_worker(media):
    """A real Celery worker that shares the media server's folders (it probes and joins recordings)."""
    worker = start_celery_worker(**media.env)
    yield worker
    worker.stop()


def _session(world, *, starts_in=timedelta(minutes=-1), length=timedelta(hours=1)):
    now = timezone.now()
    return f.LiveSessionFactory(
        host_organization=world.root_a, starts_at=now + starts_in, ends_at=now + starts_in + length
    )


def _status(session):
    return LiveSession.objects.values_list("status", flat=True).get(pk=session.pk)


def test_a_push_with_the_right_key_goes_live_plays_as_hls_and_ends_when_it_stops(media, world, media_worker):
    session = _session(world)
    key = stream_key_ensure(session_id=session.pk)
    listener = RoomListener(session.pk)
    try:
        encoder = media.push(f"session-{session.pk}", key)
        wait_until(lambda: _status(session) == S.LIVE, timeout=20, message="the session to turn live")
        assert listener.wait_for(lambda e: e.get("type") == "status") == {"type": "status", "status": "live"}

        playlist_url = hls_playlist_url(session)
        assert playlist_url.startswith(media.server.http_url + "/hls/")

        def playlist():
            status, headers, body = http_get(playlist_url)
            return (headers, body.decode()) if status == 200 and b".ts" in body else None

        headers, text = wait_until(playlist, timeout=30, message="an HLS playlist from nginx")
        assert text.startswith("#EXTM3U")
        assert headers["Access-Control-Allow-Origin"] == "*"
        assert headers["Content-Type"] == "application/vnd.apple.mpegurl"
        segment = next(line for line in text.splitlines() if line.endswith(".ts"))
        status, seg_headers, body = http_get(playlist_url.rsplit("/", 1)[0] + "/" + segment)
        assert status == 200 and seg_headers["Content-Type"] == "video/mp2t" and len(body) > 1000
        # Without the hub's token, or with another session's, nginx serves nothing.
        assert http_get(f"{media.server.http_url}/hls/session-{session.pk}/index.m3u8")[0] == 404
        other = playlist_url.replace(f"session-{session.pk}/", f"session-{session.pk + 1}/")
        assert http_get(other)[0] == 403

        encoder.terminate()  # the streamer presses "Stop streaming"
        encoder.wait(timeout=15)
        wait_until(lambda: _status(session) == S.ENDED, timeout=20, message="the session to end")
        assert listener.wait_for(lambda e: e.get("type") == "status")["status"] == "ended"
        assert StreamPublish.objects.get(session=session).end_reason == StreamPublish.EndReason.STOPPED

        # The recording becomes the replay, served by nginx and offered to the room.
        replay = listener.wait_for(lambda e: e.get("type") == "replay", timeout=60)
        session.refresh_from_db()
        assert session.replay_url == replay["url"]
        assert session.replay_url.startswith(media.server.http_url + "/replays/")
        status, replay_headers, body = http_get(session.replay_url, timeout=10)
        assert status == 200 and replay_headers["Content-Type"] == "video/mp4"
        downloaded = Path(media.env["HUB_MEDIA_DIR"]).parent / f"replay-{session.pk}.mp4"
        downloaded.write_bytes(body)
        info = media_probe(downloaded)
        assert info.video_codec == "h264" and info.audio_codec == "aac" and info.duration > 1
        assert Recording.objects.get(session=session).in_replay
    finally:
        listener.close()


def test_a_wrong_key_is_refused_and_nothing_goes_live(media, world):
    session = _session(world)
    stream_key_ensure(session_id=session.pk)
    encoder = media.push(f"session-{session.pk}", "not-the-key")
    assert encoder.wait(timeout=20) != 0
    assert _status(session) == S.SCHEDULED
    assert not StreamPublish.objects.filter(session=session).exists()


def test_an_expired_key_is_refused(media, world):
    session = _session(world, starts_in=timedelta(hours=-2))
    key = stream_key_ensure(session_id=session.pk)
    encoder = media.push(f"session-{session.pk}", key)
    assert encoder.wait(timeout=20) != 0
    assert _status(session) == S.SCHEDULED


def test_the_media_server_cuts_a_stream_when_its_slot_ends(media, world):
    session = _session(world, starts_in=timedelta(minutes=-1), length=timedelta(minutes=1, seconds=12))
    key = stream_key_ensure(session_id=session.pk)
    encoder = media.push(f"session-{session.pk}", key)
    wait_until(lambda: _status(session) == S.LIVE, timeout=20, message="the session to turn live")
    # No one stops the encoder: on_update, every 2 s here, answers "slot over" and nginx drops it.
    assert encoder.wait(timeout=40) != 0
    assert _status(session) == S.ENDED
    assert StreamPublish.objects.get(session=session).end_reason == StreamPublish.EndReason.CUT


def test_the_session_ends_after_the_grace_time_on_a_real_worker(transactional_db, tmp_path, settings, world):
    stack = start_media_stack(tmp_path / "mediaserver", HUB_MEDIA_END_GRACE_SECONDS="2")
    apply_to_settings(settings, stack.env)
    worker = start_celery_worker(**stack.env)
    try:
        session = _session(world)
        key = stream_key_ensure(session_id=session.pk)
        encoder = stack.push(f"session-{session.pk}", key)
        wait_until(lambda: _status(session) == S.LIVE, timeout=20, message="the session to turn live")
        encoder.terminate()
        encoder.wait(timeout=15)
        wait_until(
            lambda: StreamPublish.objects.filter(session=session, ended_at__isnull=False).exists(),
            timeout=10,
            message="the push to be closed",
        )
        assert _status(session) == S.LIVE  # still inside the grace time
        wait_until(lambda: _status(session) == S.ENDED, timeout=20, message="the worker to end the session")
    finally:
        worker.stop()
        stack.stop()


def test_a_callback_without_the_secret_is_refused_over_http(media, world):
    session = _session(world)
    key = stream_key_ensure(session_id=session.pk)
    body = f"call=publish&name=session-{session.pk}&key={key}&clientid=1".encode()
    assert http_post(f"{media.hub.url}/mediaserver/on_publish", body) == 403
    assert http_post(f"{media.hub.url}/mediaserver/on_publish?secret=wrong", body) == 403
    assert _status(session) == S.SCHEDULED


def test_the_run_command_is_told_whether_the_media_server_can_run(transactional_db, tmp_path):
    env = subprocess_env(**media_env(tmp_path / "ms"), HUB_MEDIA_CALLBACK_URL="http://10.1.2.3:8000")
    ok = subprocess.run(
        [sys.executable, "manage.py", "mediaserver", "--check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    conf = (tmp_path / "ms" / "conf" / "nginx.conf").read_text()
    assert f"listen 127.0.0.1:{env['HUB_MEDIA_RTMP_PORT']};" in conf
    assert "on_publish http://10.1.2.3:8000/mediaserver/on_publish?secret=" in conf
    missing = subprocess.run(
        [sys.executable, "manage.py", "mediaserver", "--check"],
        cwd=ROOT,
        env={**env, "HUB_MEDIA_NGINX": "/nonexistent/nginx"},
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 1
    assert missing.stdout.strip().startswith("[media] Media server not started:")
    no_module = subprocess.run(
        [sys.executable, "manage.py", "mediaserver", "--check"],
        cwd=ROOT,
        env={**env, "HUB_MEDIA_RTMP_MODULE": "/nonexistent/ngx_rtmp_module.so"},
        capture_output=True,
        text=True,
    )
    assert no_module.returncode == 1 and "does not exist" in no_module.stdout


def test_the_check_says_when_the_media_ports_are_taken(transactional_db, tmp_path, media):
    env = subprocess_env(
        **{**media_env(tmp_path / "ms2"), "HUB_MEDIA_RTMP_PORT": str(media.server.rtmp_port)}
    )
    taken = subprocess.run(
        [sys.executable, "manage.py", "mediaserver", "--check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert taken.returncode == 1
    assert "HUB_MEDIA_RTMP_PORT" in taken.stdout
