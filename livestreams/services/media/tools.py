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


# The containers a lecture may come in: its extension names the one demuxer ffprobe and ffmpeg are told to
# use (`-f`), and the probed format_name must be that demuxer's. Nothing else is opened: no playlist (HLS,
# DASH), no script (ffconcat), no session description (SDP), no image sequence, no "guess the format" -- those
# make ffmpeg read other files or URLs named inside the upload.
CONTAINERS = {
    ".mp4": "mov",
    ".m4v": "mov",
    ".mov": "mov",
    ".mkv": "matroska",
    ".webm": "matroska",
    ".flv": "flv",
}
FORMAT_NAMES = {"mov": "mov,mp4,m4a,3gp,3g2,mj2", "matroska": "matroska,webm", "flv": "flv"}
# ffmpeg reads only the local file it is given; with `file:` a name is never taken for another protocol.
INPUT_PROTOCOLS = ["-protocol_whitelist", "file"]


def container_of(file_name: str) -> str | None:
    """The demuxer of an allowed file name (by its extension), or None."""
    return CONTAINERS.get(Path(file_name).suffix.lower())


def _input(path: Path | str, container: str | None) -> list[str]:
    forced = ["-f", container] if container else []
    return [*INPUT_PROTOCOLS, *forced, "-i", f"file:{Path(path).resolve()}"]


def media_probe(path: Path | str, *, container: str | None = None) -> MediaInfo:
    """What ffprobe says of a media file: its duration and the codecs of its first video and audio.

    With a container, the file is read with that demuxer only, and must be one."""
    argv = [
        settings.HUB_MEDIA_FFPROBE, "-v", "error", "-print_format", "json",
        "-show_format", "-show_streams", *_input(path, container),
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
        format_name = str(data.get("format", {}).get("format_name", ""))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise MediaProbeError(f"unexpected ffprobe output: {exc}") from exc
    if container and format_name != FORMAT_NAMES[container]:
        raise MediaProbeError(f"the file is {format_name!r}, not {container}")
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
        "-re", *_input(lecture.video.path, container_of(lecture.video.name or "")), "-t", f"{max(seconds, 1):.1f}",
        *codecs, "-f", "flv", url,
    ]  # fmt: skip
