"""Tasks of the media area. Thin: ids in, re-fetch, call a service. Every effect is guarded in the database
(conditional UPDATEs), so a task that runs twice, or the beat and a callback racing, change things once."""

from __future__ import annotations

import logging

from celery import shared_task

from livestreams.services import media

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def media_tick() -> dict:
    """Every few seconds (beat, "media"): start due lectures, notice lost pushes, ended sessions and replays.

    Each lecture gets its own task, so one class's trouble never delays another's start."""
    due = media.lectures_due()
    for lecture_id in due:
        start_lecture.delay(lecture_id)
    failed = media.lecture_fail_stale()
    lost = media.close_lost_publishes()
    idle = media.sessions_to_end_when_idle()
    for session_id in idle:
        end_session_if_idle.delay(session_id)
    replays = media.replays_due()
    for session_id in replays:
        build_replay.delay(session_id)
    pruned = media.revoked_links_prune()
    return {"due": due, "failed": failed, "lost": lost, "idle": idle, "replays": replays, "pruned": pruned}


@shared_task(ignore_result=True)
def start_lecture(lecture_id: int) -> int | None:
    """Claim the lecture once, then start its broadcasting process (which outlives this task)."""
    if not media.lecture_claim(lecture_id=lecture_id):
        return None
    return media.lecture_spawn(lecture_id=lecture_id)


@shared_task(ignore_result=True)
def end_session_if_idle(session_id: int) -> bool:
    return media.session_end_if_idle(session_id=session_id)


@shared_task(ignore_result=True, soft_time_limit=5 * 60, time_limit=6 * 60)
def process_recording(recording_id: int) -> str:
    recording = media.recording_probe(recording_id=recording_id)
    media.replay_build(session_id=recording.session_id)
    return recording.state


@shared_task(ignore_result=True, soft_time_limit=25 * 60, time_limit=30 * 60)
def build_replay(session_id: int) -> str | None:
    return media.replay_build(session_id=session_id)
