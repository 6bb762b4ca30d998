"""Writes of the media area: stream keys, what the media server reports, recordings, replays, lectures.

The media server (nginx-rtmp, started by `manage.py mediaserver`) asks the hub before it accepts a push
(on_publish), every few seconds while it lasts (on_update) and tells it when the push stopped
(on_publish_done) and when a recording is complete (on_record_done). A session turns live and ends
only through livestreams.services.sessions, so the classes' clock and the media server may race safely.
"""

from .lectures import (
    lecture_claim,
    lecture_fail,
    lecture_fail_stale,
    lecture_remove,
    lecture_run,
    lecture_spawn,
    lecture_stop,
    lecture_upload,
    lectures_due,
)
from .replays import recording_add, recording_probe, replay_build, replays_due
from .streams import (
    Verdict,
    close_lost_publishes,
    playback_links_rotate,
    publish_begin,
    publish_end,
    publish_update,
    revoked_links_prune,
    session_end_if_idle,
    sessions_to_end_when_idle,
    stream_key_ensure,
    stream_key_rotate,
)
from .tools import MediaInfo, MediaProbeError, broadcast_argv, media_probe

__all__ = [
    "MediaInfo",
    "MediaProbeError",
    "Verdict",
    "broadcast_argv",
    "close_lost_publishes",
    "lecture_claim",
    "lecture_fail",
    "lecture_fail_stale",
    "lecture_remove",
    "lecture_run",
    "lecture_spawn",
    "lecture_stop",
    "lecture_upload",
    "lectures_due",
    "media_probe",
    "publish_begin",
    "publish_end",
    "publish_update",
    "playback_links_rotate",
    "recording_add",
    "recording_probe",
    "replay_build",
    "replays_due",
    "revoked_links_prune",
    "session_end_if_idle",
    "sessions_to_end_when_idle",
    "stream_key_ensure",
    "stream_key_rotate",
]
