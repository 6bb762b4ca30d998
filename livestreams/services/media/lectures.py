"""Recorded lectures broadcast at their class's time (录播转直播)."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import NoReturn

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hub.models import User
from hub.services import notification_send
from hub.storage import private_storage
from livestreams.models import Lecture, LiveSession
from livestreams.playback import stream_name
from livestreams.services.media.streams import stream_key_ensure
from livestreams.services.media.tools import (
    MediaInfo,
    MediaProbeError,
    broadcast_argv,
    container_of,
    media_probe,
)

log = logging.getLogger(__name__)
S = LiveSession.Status
L = Lecture.State


def _probe_upload(upload: UploadedFile[bytes], container: str) -> MediaInfo:
    if hasattr(upload, "temporary_file_path"):
        return media_probe(upload.temporary_file_path(), container=container)
    with tempfile.NamedTemporaryFile(suffix=".upload") as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        return media_probe(tmp.name, container=container)


@transaction.atomic
def lecture_upload(
    *, session: LiveSession, upload: UploadedFile[bytes], user: User, now: datetime | None = None
) -> Lecture:
    """Attach a recorded lecture to a Party class (replacing an earlier one) for broadcast at its start."""
    now = now or timezone.now()
    # An upload from a form always has both; the type allows None for files made by hand.
    file_name, size = Path(upload.name or "").name, upload.size or 0
    session = LiveSession.objects.select_for_update().get(pk=session.pk)
    if session.kind != LiveSession.Kind.PARTY_CLASS or session.playback != LiveSession.Playback.HUB:
        raise ValidationError(
            _("Only a Party class shown in the hub's own live room can broadcast a lecture.")
        )
    if session.status not in (S.DRAFT, S.SCHEDULED) or session.ends_at <= now:
        raise ValidationError(_("The class has started or is over; its lecture can no longer be changed."))
    old = Lecture.objects.filter(session=session).first()
    if old is not None and old.is_active:
        raise ValidationError(_("The lecture is being broadcast; stop it first."))
    limit = settings.HUB_MEDIA_LECTURE_MAX_MB * 1024 * 1024
    if size > limit:
        raise ValidationError(
            _("The file is larger than %(size)s MB.") % {"size": settings.HUB_MEDIA_LECTURE_MAX_MB}
        )
    not_a_video = ValidationError(
        _("This file is not a video that can be broadcast. Upload an MP4, MOV, FLV or MKV video.")
    )
    container = container_of(upload.name or "")
    if container is None:
        raise not_a_video
    try:
        info = _probe_upload(upload, container)
    except MediaProbeError:
        info = None
    if info is None or not info.video_codec or info.duration <= 0:
        raise not_a_video
    if old is not None:
        old_file = old.video.name
        old.delete()
        transaction.on_commit(lambda: _delete_file(old_file))
    lecture = Lecture(
        session=session,
        original_name=file_name[:255],
        size=size,
        duration_seconds=info.duration,
        video_codec=info.video_codec[:40],
        audio_codec=info.audio_codec[:40],
        uploaded_by=user,
        uploaded_at=now,
    )
    lecture.video.save(file_name, upload, save=False)  # stored under a random name
    saved_name = lecture.video.name
    try:
        lecture.full_clean()
        lecture.save()
    except Exception:
        _delete_file(saved_name)
        raise
    return lecture


def _delete_file(name: str | None) -> None:
    if name:
        private_storage().delete(name)


@transaction.atomic
def lecture_remove(*, session: LiveSession) -> bool:
    lecture = Lecture.objects.select_for_update().filter(session=session).first()
    if lecture is None:
        return False
    if lecture.is_active:
        raise ValidationError(_("The lecture is being broadcast; stop it first."))
    if session.status not in (S.DRAFT, S.SCHEDULED):
        raise ValidationError(_("The class has started or is over; its lecture can no longer be changed."))
    name = lecture.video.name
    lecture.delete()
    transaction.on_commit(lambda: _delete_file(name))
    return True


@transaction.atomic
def lecture_stop(*, session: LiveSession) -> bool:
    """Ask the broadcasting process to stop; it checks every couple of seconds. True when asked now."""
    return bool(
        Lecture.objects.filter(session=session, state__in=[L.STARTING, L.BROADCASTING]).update(
            state=L.STOPPING
        )
    )


def lectures_due(*, now: datetime | None = None) -> list[int]:
    """Lectures whose class has begun (and has more than a few seconds left) and that have not started."""
    now = now or timezone.now()
    return list(
        Lecture.objects.filter(
            state=L.READY,
            session__status__in=[S.SCHEDULED, S.LIVE],
            session__starts_at__lte=now,
            session__ends_at__gt=now + timedelta(seconds=5),
        ).values_list("pk", flat=True)
    )


@transaction.atomic
def lecture_claim(*, lecture_id: int, now: datetime | None = None) -> bool:
    """READY -> STARTING once, however many times the start task runs."""
    now = now or timezone.now()
    return bool(
        Lecture.objects.filter(
            pk=lecture_id,
            state=L.READY,
            session__status__in=[S.SCHEDULED, S.LIVE],
            session__ends_at__gt=now,
        ).update(state=L.STARTING, started_at=now, heartbeat_at=now, error="")
    )


def _recipients(lecture: Lecture) -> list[User]:
    ids = {
        lecture.uploaded_by_id,
        lecture.session.created_by_id,
        *lecture.session.hosts.values_list("pk", flat=True),
    }
    return list(User.objects.filter(pk__in=[i for i in ids if i], is_active=True))


@transaction.atomic
def lecture_fail(*, lecture_id: int, error: str, states: Iterable[str] = (L.READY, *Lecture.ACTIVE)) -> bool:
    """Mark a lecture failed and tell the people who organize the class. True when this call did it."""
    now = timezone.now()
    changed = Lecture.objects.filter(pk=lecture_id, state__in=states).update(
        state=L.FAILED, error=error[:1000], finished_at=now
    )
    if changed:
        lecture = Lecture.objects.select_related("session").get(pk=lecture_id)
        with translation.override(settings.LANGUAGE_CODE):
            notification_send(
                users=_recipients(lecture),
                kind="media.lecture_failed",
                title=_("The recorded lecture of “%(title)s” could not be broadcast")
                % {"title": lecture.session.title[:120]},
                body=error[:1000],
                url=reverse("media:lecture", args=[lecture.session_id]),
            )
    return bool(changed)


def lecture_fail_stale(*, now: datetime | None = None) -> list[int]:
    """Fail lectures whose broadcasting process went silent, and lectures whose class passed unbroadcast."""
    now = now or timezone.now()
    silent = Lecture.objects.filter(state__in=Lecture.ACTIVE, heartbeat_at__lt=now - timedelta(seconds=60))
    missed = Lecture.objects.filter(state=L.READY, session__ends_at__lte=now).exclude(
        session__status=S.CANCELLED
    )
    failed = []
    with translation.override(settings.LANGUAGE_CODE):
        for lecture_id in silent.values_list("pk", flat=True):
            if lecture_fail(
                lecture_id=lecture_id,
                error=_(
                    "The broadcasting process stopped answering (its worker stopped or the machine restarted)."
                ),
                states=Lecture.ACTIVE,
            ):
                failed.append(lecture_id)
        for lecture_id in missed.values_list("pk", flat=True):
            if lecture_fail(
                lecture_id=lecture_id,
                error=_(
                    "The class passed without its lecture being broadcast: no Celery worker started it in time."
                ),
                states=(L.READY,),
            ):
                failed.append(lecture_id)
    return failed


class _Interrupted(Exception):
    pass


def lecture_run(*, lecture_id: int, poll_seconds: float = 2.0) -> str:
    """Broadcast a claimed lecture: ffmpeg pushes it to the media server until it ends or the slot ends.

    Runs in its own process (`manage.py lecture_broadcast`), started by a Celery task, so that a long
    broadcast never holds a Celery worker and one class's failure never touches another's. Returns the
    lecture's final state."""
    import signal

    lecture = Lecture.objects.select_related("session").get(pk=lecture_id)
    if lecture.state != L.STARTING:
        return lecture.state
    session = lecture.session
    key = stream_key_ensure(session_id=session.pk)
    remaining = (session.ends_at - timezone.now()).total_seconds()
    with translation.override(settings.LANGUAGE_CODE):
        if not Path(lecture.video.path).exists():
            lecture_fail(
                lecture_id=lecture_id, error=_("The video file is missing on the broadcasting machine.")
            )
            return L.FAILED
        if remaining < 2:
            lecture_fail(
                lecture_id=lecture_id, error=_("The class was over before the broadcast could start.")
            )
            return L.FAILED
    url = f"{settings.HUB_MEDIA_PUBLISH_URL.rstrip('/')}/{stream_name(session)}?key={key}"
    log_dir = Path(settings.HUB_MEDIA_DIR) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"lecture-{lecture_id}.log"
    interrupted: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> NoReturn:
        interrupted.append(signum)
        raise _Interrupted

    previous = signal.signal(signal.SIGTERM, on_signal)
    proc = None
    stopped_on_request = False
    try:
        with log_path.open("w") as log_file:
            proc = subprocess.Popen(
                broadcast_argv(lecture, url, remaining),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log_file,
            )
            Lecture.objects.filter(pk=lecture_id, state=L.STARTING).update(
                state=L.BROADCASTING,
                runner=f"{socket.gethostname()}:{os.getpid()}",
                heartbeat_at=timezone.now(),
            )
            while True:
                try:
                    proc.wait(timeout=poll_seconds)
                    break
                except subprocess.TimeoutExpired:
                    pass
                now = timezone.now()
                state = Lecture.objects.values_list("state", flat=True).get(pk=lecture_id)
                Lecture.objects.filter(pk=lecture_id, state__in=Lecture.ACTIVE).update(heartbeat_at=now)
                if state != L.BROADCASTING or now > session.ends_at + timedelta(seconds=10):
                    stopped_on_request = state == L.STOPPING
                    _terminate(proc)
                    break
    except _Interrupted:
        if proc is not None:
            _terminate(proc)
    finally:
        signal.signal(signal.SIGTERM, previous)
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        if interrupted:
            lecture_fail(
                lecture_id=lecture_id, error=_("The broadcast was interrupted: its process was stopped.")
            )
            return L.FAILED
        assert proc is not None  # only an interruption (returned above) can come before the start
        cut_at_the_end = now >= session.ends_at - timedelta(seconds=3)
        if proc.returncode == 0 or stopped_on_request or cut_at_the_end:
            Lecture.objects.filter(pk=lecture_id, state__in=Lecture.ACTIVE).update(
                state=L.DONE, finished_at=now, heartbeat_at=now
            )
            return L.DONE
        tail = _tail(log_path)
        lecture_fail(
            lecture_id=lecture_id,
            error=_("ffmpeg stopped with code %(code)s: %(detail)s")
            % {"code": proc.returncode, "detail": tail or _("no details")},
        )
        return L.FAILED


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _tail(path: Path, chars: int = 600) -> str:
    try:
        return path.read_text(errors="replace").strip()[-chars:]
    except OSError:
        return ""


def lecture_spawn(*, lecture_id: int) -> int:
    """Start the broadcasting process of a claimed lecture; returns its process id."""
    import sys

    log_dir = Path(settings.HUB_MEDIA_DIR) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / f"lecture-{lecture_id}-runner.log").open("a") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "lecture_broadcast",
                str(lecture_id),
            ],
            cwd=settings.BASE_DIR,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    # Reap it when it exits (no zombie in the worker). It stays in the worker's process group, so
    # stopping the worker stops the broadcast; a process that dies at once leaves the lecture STARTING,
    # and lecture_fail_stale reports it a minute later.
    threading.Thread(target=proc.wait, name=f"lecture-{lecture_id}", daemon=True).start()
    return proc.pid
