"""Recorded lectures are private: only real video containers are taken (nothing that makes ffmpeg read other
files), they are stored under random names outside the public media folder, and /media/ never serves them."""

import importlib
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import clear_url_caches
from django.utils import timezone

from hub.storage import private_storage
from livestreams.models import Lecture
from livestreams.services.media import broadcast_argv, lecture_upload
from tests import factories as f
from tests.media_support import make_test_video


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    """Another organization's lecture (what a hostile upload would point at), and the allowed containers."""
    folder = tmp_path_factory.mktemp("formats")
    other = make_test_video(folder / "other-branch-lecture.mp4", seconds=3)
    made = {"other": other}
    for ext in ("mkv", "flv", "mov", "webm"):
        codec = "libvpx" if ext == "webm" else "libx264"
        if ext == "webm":
            path = folder / "lecture.webm"
            subprocess.run(
                ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                 "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=2",
                 "-c:v", codec, "-deadline", "realtime", str(path)],
                check=True, timeout=120,
            )  # fmt: skip
            made[ext] = path
        else:
            made[ext] = make_test_video(folder / f"lecture.{ext}", seconds=2)
    return made


def _class(world):
    now = timezone.now()
    return f.PartyClassFactory(
        session__host_organization=world.root_a,
        session__starts_at=now + timedelta(hours=2),
        session__ends_at=now + timedelta(hours=3),
        session__audience_orgs=[world.root_a],
    ).session


def _hostile(kind: str, target: Path) -> bytes:
    """Files that ffmpeg, left to guess, would open as something that reads `target` or the network."""
    return {
        "hls": f"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXTINF:3.0,\nfile://{target}\n"
        "#EXT-X-ENDLIST\n",
        "hls-relative": f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:3.0,\n{target}\n#EXT-X-ENDLIST\n",
        "ffconcat": f"ffconcat version 1.0\nfile '{target}'\n",
        "sdp": "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=lecture\nc=IN IP4 127.0.0.1\nt=0 0\n"
        "m=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\n",
        "dash": f'<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static">'
        f'<Period><AdaptationSet><Representation id="1" bandwidth="1"><BaseURL>file://{target}</BaseURL>'
        "</Representation></AdaptationSet></Period></MPD>",
        "text": "这不是视频，只是一段讲稿。",
    }[kind].encode()


@pytest.mark.parametrize("kind", ["hls", "hls-relative", "ffconcat", "sdp", "dash", "text"])
@pytest.mark.parametrize("ext", ["mp4", "mov", "mkv", "flv"])
def test_it_refuses_playlists_scripts_and_text_under_a_video_name(world, organizer, videos, kind, ext):
    session = _class(world)
    upload = SimpleUploadedFile(f"lecture.{ext}", _hostile(kind, videos["other"]), content_type="video/mp4")
    with pytest.raises(ValidationError, match="不是可以播出的视频"):
        lecture_upload(session=session, upload=upload, user=organizer)
    assert not Lecture.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["lecture.m3u8", "lecture.m3u", "lecture.ffconcat", "lecture.sdp", "lecture.mpd", "lecture.txt",
     "frame%03d.png", "lecture.avi", "lecture.ts", "lecture", "lecture.mp4.m3u8", "lecture.MP4 "],
)  # fmt: skip
def test_it_refuses_a_real_video_under_a_name_that_is_not_an_allowed_container(
    world, organizer, videos, name
):
    session = _class(world)
    upload = SimpleUploadedFile(name, videos["other"].read_bytes(), content_type="video/mp4")
    with pytest.raises(ValidationError):
        lecture_upload(session=session, upload=upload, user=organizer)
    assert not Lecture.objects.exists()


def test_it_refuses_a_video_whose_content_is_another_container_than_its_name(world, organizer, videos):
    session = _class(world)
    upload = SimpleUploadedFile("lecture.mkv", videos["other"].read_bytes(), content_type="video/x-matroska")
    with pytest.raises(ValidationError):
        lecture_upload(session=session, upload=upload, user=organizer)


@pytest.mark.parametrize("ext", ["mkv", "flv", "mov", "webm"])
def test_it_takes_the_real_containers(world, organizer, videos, ext):
    session = _class(world)
    upload = SimpleUploadedFile(
        f"第{ext}课.{ext.upper()}", videos[ext].read_bytes(), content_type="video/mp4"
    )
    lecture = lecture_upload(session=session, upload=upload, user=organizer)
    assert lecture.duration_seconds > 1 and lecture.video_codec in ("h264", "vp8")
    assert lecture.original_name == f"第{ext}课.{ext.upper()}"


def test_a_lecture_is_stored_privately_under_a_random_name(world, organizer, videos, settings):
    session = _class(world)
    upload = SimpleUploadedFile("img%03d 第一课.mp4", videos["other"].read_bytes(), content_type="video/mp4")
    lecture = lecture_upload(session=session, upload=upload, user=organizer)
    name = lecture.video.name
    assert name.startswith("lectures/") and name.endswith(".mp4")
    assert "%" not in name and "第一课" not in name and len(Path(name).stem) == 32
    assert (Path(settings.HUB_PRIVATE_MEDIA_ROOT) / name).is_file()
    assert not any(p.is_file() for p in Path(settings.MEDIA_ROOT).rglob("*"))
    with pytest.raises(ValueError):
        lecture.video.url  # noqa: B018 (a private file has no public address)


def test_the_private_folder_may_not_be_inside_the_public_one(tmp_path):
    import os
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "HUB_PRIVATE_MEDIA_ROOT": str(tmp_path / "media" / "private"),
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "HUB_PRIVATE_MEDIA_ROOT must not be inside DJANGO_MEDIA_ROOT" in result.stderr


@pytest.fixture
def dev_media_urls(settings):
    """The URLs of a development hub (DEBUG on), where /media/ serves MEDIA_ROOT."""
    import config.urls

    settings.DEBUG = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


def test_media_serves_covers_but_never_a_lecture(world, organizer, member, videos, settings, dev_media_urls):
    session = _class(world)
    upload = SimpleUploadedFile("lecture.mp4", videos["other"].read_bytes(), content_type="video/mp4")
    lecture = lecture_upload(session=session, upload=upload, user=organizer)
    cover = Path(settings.MEDIA_ROOT) / "covers" / "a.png"
    cover.parent.mkdir(parents=True)
    cover.write_bytes(b"\x89PNG\r\n\x1a\n")
    for client in (Client(), _logged_in(member), _logged_in(organizer)):
        assert client.get("/media/covers/a.png").status_code == 200  # the dev server does serve /media/
        assert client.get(f"/media/{lecture.video.name}").status_code == 404
        assert client.get("/media/lectures/").status_code == 404


def _logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_ffmpeg_never_follows_a_playlist_even_if_one_was_stored(world, organizer, videos, tmp_path):
    """The broadcast reads its input with the container's demuxer and the file protocol only, so a file that
    got past the upload some other way still cannot make ffmpeg read another file."""
    session = _class(world)
    lecture = lecture_upload(
        session=session,
        upload=SimpleUploadedFile("ok.mp4", videos["other"].read_bytes(), content_type="video/mp4"),
        user=organizer,
    )
    out = tmp_path / "out.flv"
    good = subprocess.run(broadcast_argv(lecture, str(out), 2), capture_output=True, timeout=120, check=False)
    assert good.returncode == 0 and out.stat().st_size > 0
    Path(lecture.video.path).write_bytes(_hostile("hls", videos["other"]))
    out.unlink()
    bad = subprocess.run(broadcast_argv(lecture, str(out), 2), capture_output=True, timeout=120, check=False)
    assert bad.returncode != 0 and not out.exists()
    assert private_storage().exists(lecture.video.name)
