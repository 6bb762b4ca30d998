"""ffprobe and ffmpeg command lines."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from livestreams.models import Lecture


class MediaProbeError(Exception):
    pass


@dataclass(frozen=True)
class MediaInfo:
    duration: float
    video_codec: str
    audio_codec: str


def media_probe(path: Path | str) -> MediaInfo:
    """What ffprobe says of a media file: its duration and the codecs of its first video and audio."""
    argv = [
        settings.HUB_MEDIA_FFPROBE, "-v", "error", "-print_format", "json",
        "-show_format", "-show_streams", str(path),
    ]  # fmt: skip
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MediaProbeError(str(exc)) from exc
    if result.returncode != 0:
        raise MediaProbeError(result.stderr.strip()[-300:] or "ffprobe failed")
    try:
        data = json.loads(result.stdout)
        streams = data.get("streams", [])
        video = next((s["codec_name"] for s in streams if s.get("codec_type") == "video"), "")
        audio = next((s["codec_name"] for s in streams if s.get("codec_type") == "audio"), "")
        duration = float(data.get("format", {}).get("duration") or 0)
    except (ValueError, KeyError, TypeError) as exc:
        raise MediaProbeError(f"unexpected ffprobe output: {exc}") from exc
    return MediaInfo(duration=duration, video_codec=video, audio_codec=audio)


def broadcast_argv(lecture: Lecture, url: str, seconds: float) -> list[str]:
    """ffmpeg publishing a lecture in real time for at most `seconds`, re-encoded only when RTMP needs it."""
    copy = lecture.video_codec == "h264" and lecture.audio_codec in ("aac", "")
    codecs = (
        ["-c", "copy"]
        if copy
        else [
            "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
            "-g", "50", "-c:a", "aac", "-b:a", "128k", "-ar", "44100",
        ]
    )  # fmt: skip
    return [
        settings.HUB_MEDIA_FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "warning",
        "-re", "-i", lecture.video.path, "-t", f"{max(seconds, 1):.1f}",
        *codecs, "-f", "flv", url,
    ]  # fmt: skip
