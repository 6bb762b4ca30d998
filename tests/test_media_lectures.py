"""Recorded lectures (录播转直播): the upload page, and the broadcast Celery starts by itself at the class's time."""

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.utils import timezone

from hub.models import Notification
from hub.storage import private_storage
from livestreams.models import Lecture, LiveSession, StreamPublish
from livestreams.playback import hls_playlist_url
from livestreams.services.media import lecture_claim, lecture_fail_stale, lecture_upload
from tests import factories as f
from tests.conftest import browser_login
from tests.media_support import (
    apply_to_settings,
    http_get,
    make_test_video,
    pid_alive,
    private_root_shared_with_servers,
    start_media_stack,
)
from tests.support import client_for, start_celery_worker, wait_until

S = LiveSession.Status
L = Lecture.State


@pytest.fixture(scope="session")
def lecture_video(tmp_path_factory):
    return make_test_video(tmp_path_factory.mktemp("videos") / "党课录像.mp4", seconds=40)


@pytest.fixture(scope="session")
def short_video(tmp_path_factory):
    return make_test_video(tmp_path_factory.mktemp("videos") / "short.mp4", seconds=4)


def _class(world, *, starts_in=timedelta(hours=2), length=timedelta(hours=1), **kwargs):
    now = timezone.now()
    return f.PartyClassFactory(
        session__host_organization=world.root_a,
        session__starts_at=now + starts_in,
        session__ends_at=now + starts_in + length,
        session__audience_orgs=[world.root_a],
        **kwargs,
    ).session


def _upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="video/mp4")


# --- the upload page ------------------------------------------------------------------------------


def test_an_organizer_uploads_a_lecture_to_a_party_class(world, organizer, short_video):
    session = _class(world)
    resp = client_for(organizer).post(
        f"/live/{session.pk}/lecture/", {"video": _upload(short_video, "第一课.mp4")}
    )
    assert resp.status_code == 302
    lecture = Lecture.objects.get(session=session)
    assert (lecture.original_name, lecture.video_codec, lecture.audio_codec) == ("第一课.mp4", "h264", "aac")
    assert 3.5 < lecture.duration_seconds < 4.5
    assert lecture.state == L.READY and lecture.uploaded_by == organizer
    assert private_storage().exists(lecture.video.name)
    page = client_for(organizer).get(f"/live/{session.pk}/lecture/").content.decode()
    assert "第一课.mp4" in page and "等待开始" in page


def test_the_upload_with_progress_answers_json(world, organizer, short_video):
    session = _class(world)
    resp = client_for(organizer).post(
        f"/live/{session.pk}/lecture/", {"video": _upload(short_video)}, headers={"X-Hub-Upload": "1"}
    )
    assert resp.status_code == 200
    assert json.loads(resp.content) == {"ok": True, "url": f"/live/{session.pk}/lecture/"}


def test_it_refuses_a_file_that_is_not_a_video_and_changes_nothing(world, organizer):
    session = _class(world)
    fake = SimpleUploadedFile("lecture.mp4", b"this is not a video at all", content_type="video/mp4")
    resp = client_for(organizer).post(f"/live/{session.pk}/lecture/", {"video": fake})
    assert resp.status_code == 400
    assert "这个文件不是可以播出的视频" in resp.content.decode()
    assert not Lecture.objects.exists()
    resp = client_for(organizer).post(
        f"/live/{session.pk}/lecture/",
        {"video": SimpleUploadedFile("a.mp4", b"x", content_type="video/mp4")},
        headers={"X-Hub-Upload": "1"},
    )
    assert resp.status_code == 400 and json.loads(resp.content)["ok"] is False


def test_it_refuses_an_empty_form_and_a_file_over_the_limit(world, organizer, short_video, settings):
    session = _class(world)
    assert client_for(organizer).post(f"/live/{session.pk}/lecture/", {}).status_code == 400
    settings.HUB_MEDIA_LECTURE_MAX_MB = 0
    resp = client_for(organizer).post(f"/live/{session.pk}/lecture/", {"video": _upload(short_video)})
    assert resp.status_code == 400
    assert "MB" in resp.content.decode()
    assert not Lecture.objects.exists()


def test_replacing_a_lecture_deletes_the_old_file(
    world, organizer, short_video, django_capture_on_commit_callbacks
):
    session = _class(world)
    first = lecture_upload(session=session, upload=_upload(short_video, "a.mp4"), user=organizer)
    with django_capture_on_commit_callbacks(execute=True):
        second = lecture_upload(session=session, upload=_upload(short_video, "b.mp4"), user=organizer)
    assert not private_storage().exists(first.video.name)
    assert private_storage().exists(second.video.name)
    assert Lecture.objects.get().original_name == "b.mp4"


def test_an_organizer_removes_a_lecture(world, organizer, short_video, django_capture_on_commit_callbacks):
    session = _class(world)
    lecture = lecture_upload(session=session, upload=_upload(short_video), user=organizer)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client_for(organizer).post(f"/live/{session.pk}/lecture/remove/")
    assert resp.status_code == 302
    assert not Lecture.objects.exists()
    assert not private_storage().exists(lecture.video.name)


def test_a_lecture_cannot_change_once_the_class_started(world, organizer, short_video):
    session = _class(world)
    lecture_upload(session=session, upload=_upload(short_video), user=organizer)
    LiveSession.objects.filter(pk=session.pk).update(status=S.LIVE)
    client = client_for(organizer)
    resp = client.post(f"/live/{session.pk}/lecture/", {"video": _upload(short_video, "new.mp4")})
    assert resp.status_code == 400
    assert "课程已经开始或已结束" in resp.content.decode()
    client.post(f"/live/{session.pk}/lecture/remove/")
    assert Lecture.objects.get().original_name == "short.mp4"


def test_an_organizer_stops_a_broadcast(world, organizer, short_video):
    session = _class(world)
    lecture = lecture_upload(session=session, upload=_upload(short_video), user=organizer)
    Lecture.objects.filter(pk=lecture.pk).update(state=L.BROADCASTING)
    assert client_for(organizer).post(f"/live/{session.pk}/lecture/stop/").status_code == 302
    assert Lecture.objects.get().state == L.STOPPING
    # Stopping twice changes nothing more.
    resp = client_for(organizer).post(f"/live/{session.pk}/lecture/stop/", follow=True)
    assert "录播课没有在播出" in resp.content.decode()


@pytest.mark.parametrize(
    "persona,status", [("member", 403), ("official", 403), ("merchant", 404), ("outsider", 404)]
)
def test_only_the_people_who_run_the_class_may_upload(world, personas, persona, status, short_video):
    session = _class(world)
    client = client_for(personas[persona])
    assert client.get(f"/live/{session.pk}/lecture/").status_code == status
    assert client.post(f"/live/{session.pk}/lecture/", {"video": _upload(short_video)}).status_code == status
    assert not Lecture.objects.exists()


def test_a_sales_session_has_no_lecture_page(world, merchant):
    sales = f.SalesSessionFactory(enterprise=world.enterprise_a).session
    assert client_for(merchant).get(f"/live/{sales.pk}/lecture/").status_code == 404


def test_a_lecture_is_claimed_once(world, organizer, short_video):
    session = _class(world, starts_in=timedelta(minutes=-1))
    lecture = lecture_upload(session=session, upload=_upload(short_video), user=organizer)
    assert lecture_claim(lecture_id=lecture.pk)
    assert not lecture_claim(lecture_id=lecture.pk)
    assert Lecture.objects.get().state == L.STARTING


def test_a_missed_lecture_is_reported_to_the_organizer(world, organizer, short_video):
    session = _class(world, starts_in=timedelta(minutes=10), length=timedelta(minutes=5))
    lecture = lecture_upload(session=session, upload=_upload(short_video), user=organizer)
    assert lecture_fail_stale(now=session.ends_at + timedelta(seconds=1)) == [lecture.pk]
    assert Lecture.objects.get().state == L.FAILED
    note = Notification.objects.get(user=organizer)
    assert note.kind == "media.lecture_failed"
    assert session.title in note.title and "未能播出" in note.title
    assert lecture_fail_stale(now=session.ends_at + timedelta(seconds=2)) == []


# --- the broadcast, end to end ---------------------------------------------------------------------


@pytest.fixture
def lecture_stack(transactional_db, tmp_path, settings):
    """Media server + daphne + a Celery worker running beat, all sharing the servers' private files."""
    stack = start_media_stack(tmp_path / "mediaserver")
    apply_to_settings(settings, stack.env)
    settings.HUB_PRIVATE_MEDIA_ROOT = private_root_shared_with_servers()
    worker = start_celery_worker(
        extra_args=["--beat", "--schedule", str(tmp_path / "beat-schedule")], **stack.env
    )
    stack.worker = worker
    uploaded: list[str] = []
    stack.uploaded = uploaded
    yield stack
    worker.stop()
    stack.stop()
    for name in uploaded:
        private_storage().delete(name)


def _on_air(session) -> bool:
    """The media server accepted a push of the session's stream, and it goes on."""
    return StreamPublish.objects.filter(session=session, ended_at__isnull=True).exists()


def _runner_pid(lecture_id):
    runner = Lecture.objects.values_list("runner", flat=True).get(pk=lecture_id)
    return int(runner.rsplit(":", 1)[1]) if runner else None


def test_a_scheduled_lecture_goes_on_air_by_itself_and_stops_at_the_end(
    lecture_stack, world, organizer, lecture_video
):
    session = _class(world, starts_in=timedelta(seconds=5), length=timedelta(seconds=20))
    lecture = lecture_upload(session=session, upload=_upload(lecture_video), user=organizer)
    lecture_stack.uploaded.append(lecture.video.name)

    # The classes' clock (beat, every 15 s) may turn the class live before the lecture's push does; what
    # is awaited is the lecture's own push, which the media server accepted (on_publish) after the start.
    wait_until(
        lambda: _on_air(session) and Lecture.objects.get(pk=lecture.pk).state == L.BROADCASTING,
        timeout=30,
        message="the lecture to go on air at the class's start",
    )
    live = LiveSession.objects.get(pk=session.pk)
    assert live.status == S.LIVE and live.went_live_at >= session.starts_at
    pid = _runner_pid(lecture.pk)
    assert pid and pid_alive(pid)

    def playlist():
        status, _, body = http_get(hls_playlist_url(session))
        return status == 200 and b".ts" in body

    wait_until(playlist, timeout=30, message="the lecture's HLS playlist")

    wait_until(
        lambda: Lecture.objects.get(pk=lecture.pk).state == L.DONE,
        timeout=45,
        message="the broadcast to stop at the end of the class",
    )
    wait_until(
        lambda: LiveSession.objects.get(pk=session.pk).status == S.ENDED,
        timeout=20,
        message="the class to end",
    )
    ended = LiveSession.objects.get(pk=session.pk)
    # The 40-second video was cut when the 20-second class ended, not before.
    assert ended.ended_at >= session.ends_at - timedelta(seconds=4)
    assert StreamPublish.objects.filter(session=session).count() == 1
    wait_until(lambda: not pid_alive(pid), timeout=10, message="the broadcasting process to exit")
    assert not Notification.objects.filter(user=organizer).exists()


def test_a_failing_lecture_is_reported_and_does_not_block_another_class(
    lecture_stack, world, organizer, short_video, lecture_video
):
    broken = _class(world, starts_in=timedelta(seconds=4), length=timedelta(seconds=30))
    good = _class(world, starts_in=timedelta(seconds=4), length=timedelta(seconds=30))
    bad_lecture = lecture_upload(session=broken, upload=_upload(short_video, "broken.mp4"), user=organizer)
    good_lecture = lecture_upload(session=good, upload=_upload(lecture_video), user=organizer)
    lecture_stack.uploaded += [bad_lecture.video.name, good_lecture.video.name]
    # The file was damaged on disk after the upload.
    Path(bad_lecture.video.path).write_bytes(b"\x00" * 2048)

    wait_until(
        lambda: Lecture.objects.get(pk=bad_lecture.pk).state == L.FAILED, timeout=40, message="the failure"
    )
    wait_until(
        lambda: _on_air(good) and Lecture.objects.get(pk=good_lecture.pk).state == L.BROADCASTING,
        timeout=30,
        message="the other class's lecture on air",
    )
    note = Notification.objects.get(user=organizer, kind="media.lecture_failed")
    assert broken.title in note.title
    assert "ffmpeg" in Lecture.objects.get(pk=bad_lecture.pk).error
    # Nothing of the broken lecture reached the media server. (Its class's status is the clock's business:
    # the lifecycle beat turns it live at its start whatever the media do, so it is not asserted here.)
    assert not StreamPublish.objects.filter(session=broken).exists()

    pid = _runner_pid(good_lecture.pk)
    lecture_stack.worker.stop()  # stopping the worker stops the broadcasting process it started
    wait_until(lambda: not pid_alive(pid), timeout=15, message="the broadcasting process to stop")


# --- in the browser ------------------------------------------------------------------------------


@pytest.mark.browser
def test_an_organizer_uploads_a_lecture_in_the_browser_and_sees_the_progress(
    hub_server, browser, world, organizer, short_video, tmp_path, settings, js_errors
):
    settings.HUB_PRIVATE_MEDIA_ROOT = private_root_shared_with_servers()  # daphne stores the upload there
    session = _class(world)
    context = browser_login(browser, hub_server, organizer)
    page = js_errors.watch(context.new_page())
    try:
        page.goto(f"{hub_server.url}/live/{session.pk}/lecture/")
        # A file that is not a video: the message comes back without leaving the page.
        not_video = tmp_path / "讲稿.mp4"
        not_video.write_text("这不是视频")
        page.get_by_label("录播课视频文件").set_input_files(str(not_video))
        page.get_by_role("button", name="上传").click()
        page.wait_for_selector("[data-errors] li")
        assert "这个文件不是可以播出的视频" in page.locator("[data-errors]").inner_text()
        assert not Lecture.objects.filter(session=session).exists()

        # The answer is held back a moment, so that the progress bar can be seen at work.
        def slow(route):
            time.sleep(1)
            route.continue_()

        page.route("**/lecture/", slow)
        page.get_by_label("录播课视频文件").set_input_files(str(short_video))
        page.get_by_role("button", name="上传").click()
        page.wait_for_selector("[data-progress]:not([hidden])")
        assert page.get_by_role("button", name="上传").is_disabled()
        page.wait_for_selector("[data-lecture-state=ready]", timeout=30_000)
        assert "录播课已上传" in page.content()
        lecture = Lecture.objects.get(session=session)
        assert lecture.original_name == "short.mp4" and lecture.uploaded_by == organizer
        # The refused file was answered 400 on purpose; nothing else went wrong on the page.
        assert [e for e in js_errors.list if "status of 400" not in e] == []
    finally:
        context.close()
        for lecture in Lecture.objects.filter(session=session):
            private_storage().delete(lecture.video.name)
        connections.close_all()
