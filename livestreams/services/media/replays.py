"""Recordings of the media server and the replay made of them."""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from livestreams.models import LiveSession, Recording
from livestreams.playback import replay_page_url, stream_name
from livestreams.realtime import room_publish
from livestreams.services.media.streams import session_for_stream
from livestreams.services.media.tools import MediaProbeError, media_probe

log = logging.getLogger(__name__)
S = LiveSession.Status


@transaction.atomic
def recording_add(*, name: str, path: str) -> Recording | None:
    """on_record_done: remember the file and probe it in the background. None for a path that is not ours."""
    session = session_for_stream(name)
    file_name = Path(path).name
    if session is None or not (
        file_name.startswith(f"{name}-") and file_name.endswith(".flv") and "/" not in file_name
    ):
        return None
    full = Path(settings.HUB_MEDIA_RECORD_DIR) / file_name
    size = full.stat().st_size if full.exists() else 0
    recording, created = Recording.objects.get_or_create(
        file_name=file_name, defaults={"session": session, "size": size}
    )
    if created:
        from livestreams.tasks.media import process_recording

        transaction.on_commit(lambda: process_recording.delay(recording.pk))
    return recording


def recording_probe(*, recording_id: int) -> Recording:
    """Measure a recording; an empty or unreadable one is left out of the replay."""
    recording = Recording.objects.get(pk=recording_id)
    if recording.state != Recording.State.PENDING:
        return recording
    path = Path(settings.HUB_MEDIA_RECORD_DIR) / recording.file_name
    try:
        info = media_probe(path, container="flv")
    except MediaProbeError as exc:
        log.warning("recording %s is unreadable: %s", recording.file_name, exc)
        info = None
    ok = info is not None and info.duration >= 0.5 and info.video_codec
    Recording.objects.filter(pk=recording.pk, state=Recording.State.PENDING).update(
        state=Recording.State.READY if ok else Recording.State.EMPTY,
        duration_seconds=info.duration if info else None,
        size=path.stat().st_size if path.exists() else 0,
    )
    recording.refresh_from_db()
    return recording


def replays_due() -> list[int]:
    """Ended sessions with a recording that is not in their replay yet, and none still being processed."""
    pending = Recording.objects.filter(session=OuterRef("pk"), state=Recording.State.PENDING)
    fresh = Recording.objects.filter(session=OuterRef("pk"), state=Recording.State.READY, in_replay=False)
    return list(
        LiveSession.objects.filter(status=S.ENDED)
        .filter(Exists(fresh))
        .exclude(Exists(pending))
        .values_list("pk", flat=True)
    )


def replay_build(*, session_id: int) -> str | None:
    """Join the session's recordings into one MP4 the browser plays, and offer it in the live room.

    Runs after the session ended and its recordings were probed; a later recording rebuilds it."""
    session = LiveSession.objects.get(pk=session_id)
    recordings = list(session.recordings.order_by("file_name"))
    if session.status != S.ENDED or any(r.state == Recording.State.PENDING for r in recordings):
        return None
    ready = [r for r in recordings if r.state == Recording.State.READY]
    if not ready or all(r.in_replay for r in ready):
        return None
    replay_dir = Path(settings.HUB_MEDIA_REPLAY_DIR)
    replay_dir.mkdir(parents=True, exist_ok=True)
    target = replay_dir / f"{stream_name(session)}.mp4"
    used = _join_recordings(ready, target) or _join_recordings([max(ready, key=_duration)], target)
    if not used:
        # Nothing of it can be read: do not try again at every tick.
        Recording.objects.filter(pk__in=[r.pk for r in ready]).update(state=Recording.State.EMPTY)
        return None
    url = replay_page_url(session, version=len(used))
    with transaction.atomic():
        Recording.objects.filter(pk__in=[r.pk for r in ready]).update(in_replay=True)
        LiveSession.objects.filter(pk=session_id).update(replay_url=url, updated_at=timezone.now())
        transaction.on_commit(lambda: room_publish(session_id, {"type": "replay", "url": url}))
    return url


def _duration(recording: Recording) -> float:
    return recording.duration_seconds or 0.0


def _join_recordings(recordings: list[Recording], target: Path) -> list[Recording]:
    """ffmpeg's concat demuxer without re-encoding; the file appears under its name only when complete."""
    record_dir = Path(settings.HUB_MEDIA_RECORD_DIR)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=".mp4")
    os.close(fd)
    listing = Path(tmp).with_suffix(".txt")
    listing.write_text("".join(f"file '{record_dir / r.file_name}'\n" for r in recordings))
    argv = [
        settings.HUB_MEDIA_FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "concat", "-safe", "0", "-i", str(listing),
        "-c", "copy", "-movflags", "+faststart", tmp,
    ]  # fmt: skip
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=20 * 60, check=False)
        if result.returncode != 0:
            log.warning("joining %s failed: %s", [r.file_name for r in recordings], result.stderr[-500:])
            return []
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        return recordings
    finally:
        listing.unlink(missing_ok=True)
        Path(tmp).unlink(missing_ok=True)
