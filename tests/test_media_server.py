"""End to end on loopback: nginx-rtmp started by `manage.py mediaserver`, daphne receiving its callbacks,
ffmpeg pushing a test pattern like an encoder, HLS and the replay fetched over HTTP from nginx."""

import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from livestreams.models import LiveSession, Recording, StreamPublish
from livestreams.playback import hls_playlist_url, link_token, replay_page_url
from livestreams.services.media import (
    media_probe,
    playback_links_rotate,
    revoked_links_prune,
    stream_key_ensure,
    stream_key_rotate,
)
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


def test_a_push_with_the_right_key_goes_live_plays_as_hls_and_ends_when_it_stops(
    media, world, media_worker, organizer
):
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
        # Another spelling of the stream's name is another (unsigned) name.
        for spelling in (f"session-0{session.pk}/", f"session-{session.pk}%0A/"):
            assert http_get(playlist_url.replace(f"session-{session.pk}/", spelling))[0] in (403, 404)

        encoder.terminate()  # the streamer presses "Stop streaming"
        encoder.wait(timeout=15)
        wait_until(lambda: _status(session) == S.ENDED, timeout=20, message="the session to end")
        assert listener.wait_for(lambda e: e.get("type") == "status")["status"] == "ended"
        assert StreamPublish.objects.get(session=session).end_reason == StreamPublish.EndReason.STOPPED

        # The recording becomes the replay, offered to the room at the hub's own address, which sends a
        # viewer who may see the session on to a fresh signed link that nginx serves.
        replay = listener.wait_for(lambda e: e.get("type") == "replay", timeout=60)
        session.refresh_from_db()
        assert session.replay_url == replay["url"] == replay_page_url(session, version=1)
        viewer = Client()
        viewer.force_login(organizer)
        redirect = viewer.get(f"/live/{session.pk}/replay/")
        assert redirect.status_code == 302
        assert redirect["Location"].startswith(media.server.http_url + "/replays/")
        assert Client().get(f"/live/{session.pk}/replay/").status_code == 302  # to the sign-in page
        assert "/accounts/login/" in Client().get(f"/live/{session.pk}/replay/")["Location"]
        status, replay_headers, body = http_get(redirect["Location"], timeout=10)
        assert status == 200 and replay_headers["Content-Type"] == "video/mp4"
        # The live stream's link does not open the replay.
        hls_token = playlist_url.split("/hls/")[1].split("/")[0]
        assert http_get(redirect["Location"].replace(redirect["Location"].split("/")[4], hls_token))[0] == 403
        downloaded = Path(media.env["HUB_MEDIA_DIR"]).parent / f"replay-{session.pk}.mp4"
        downloaded.write_bytes(body)
        info = media_probe(downloaded)
        assert info.video_codec == "h264" and info.audio_codec == "aac" and info.duration > 1
        assert Recording.objects.get(session=session).in_replay
    finally:
        listener.close()


def test_viewing_links_expire_and_a_rotation_revokes_them_at_once(media, world, organizer):
    """nginx's secure_link with the hub's links: a fresh link plays; an expired one, one whose expiry was
    changed, and one of a revoked generation (link rotation, key rotation) are refused; the room's page
    hands out fresh ones to a viewer who may still watch."""
    session = _session(world)
    encoder = media.push(f"session-{session.pk}", stream_key_ensure(session_id=session.pk))
    fresh = hls_playlist_url(session)
    wait_until(lambda: http_get(fresh)[0] == 200, timeout=30, message="the HLS playlist")

    expired = hls_playlist_url(session, expires=int(time.time()) - 1)
    status, _headers, _body = http_get(expired)
    assert status == 410
    token, expires = expired.split("/hls/")[1].split("/")[:2]
    stretched = expired.replace(f"/{expires}/", f"/{int(expires) + 10**6}/")
    assert http_get(stretched)[0] == 403  # the expiry is signed
    forged = fresh.replace(
        fresh.split("/hls/")[1].split("/")[0],
        link_token(kind="hls", name=f"session-{session.pk}", generation=1, expires=int(time.time()) + 600),
    )
    assert http_get(forged)[0] == 403  # the token is for another expiry

    # An explicit rotation: the link handed out before is refused at once; a new one plays.
    playback_links_rotate(session=session)
    session.refresh_from_db()
    assert session.media_link_generation == 2
    assert http_get(fresh)[0] == 410
    second = hls_playlist_url(session)
    assert http_get(second)[0] == 200

    # The live room gives a viewer who may watch the newest link.
    viewer = Client()
    viewer.force_login(organizer)
    links = viewer.get(f"/live/{session.pk}/links/").json()
    assert links["hlsUrl"].split("/")[-3:] == ["2", f"session-{session.pk}", "index.m3u8"]
    assert http_get(links["hlsUrl"])[0] == 200
    assert 5 <= links["refreshIn"] < links["expiresIn"]

    # Rotating the stream key rotates the links too.
    stream_key_rotate(session=session)
    assert http_get(second)[0] == 410
    session.refresh_from_db()
    assert session.media_link_generation == 3
    # Markers are kept while links of their generation may still be unexpired.
    assert revoked_links_prune() == 0
    assert http_get(second)[0] == 410
    assert revoked_links_prune(now=time.time() + 3600) == 2
    encoder.terminate()


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
