"""The media server for the tests: nginx started through `manage.py mediaserver` on free ports, a daphne
that receives its callbacks, ffmpeg pushing a test pattern, and a channel-layer listener for room events.

Every process is started in its own process group and stopped by its id."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from hub.redis import get_redis
from livestreams.realtime import room_stream_key
from tests.support import ROOT, Server, _log_path, free_port, start_daphne, stop_process, subprocess_env


def media_env(base: Path, **extra: str) -> dict[str, str]:
    """Settings shared by the media server, daphne, the Celery worker and the test process."""
    rtmp, http = free_port(), free_port()
    env = {
        "HUB_MEDIA_DIR": str(base),
        "HUB_MEDIA_RTMP_ADDRESS": "127.0.0.1",
        "HUB_MEDIA_RTMP_PORT": str(rtmp),
        "HUB_MEDIA_HTTP_ADDRESS": "127.0.0.1",
        "HUB_MEDIA_HTTP_PORT": str(http),
        "HUB_MEDIA_PUBLISH_URL": f"rtmp://127.0.0.1:{rtmp}/live",
        "HUB_MEDIA_RTMP_URL": f"rtmp://127.0.0.1:{rtmp}/live",
        "HUB_HLS_BASE_URL": f"http://127.0.0.1:{http}/hls/",
        "HUB_MEDIA_REPLAY_BASE_URL": f"http://127.0.0.1:{http}/replays/",
        "HUB_MEDIA_UPDATE_SECONDS": "2",
        "HUB_MEDIA_END_GRACE_SECONDS": "0",
        "HUB_MEDIA_TICK_SECONDS": "1",
    }
    env.update(extra)
    return env


def apply_to_settings(settings_fixture, env: dict[str, str]) -> None:
    """The test process computes the same links and paths as the servers."""
    base = Path(env["HUB_MEDIA_DIR"])
    settings_fixture.HUB_MEDIA_DIR = base
    settings_fixture.HUB_MEDIA_HLS_DIR = base / "hls"
    settings_fixture.HUB_MEDIA_RECORD_DIR = base / "recordings"
    settings_fixture.HUB_MEDIA_REPLAY_DIR = base / "replays"
    settings_fixture.HUB_MEDIA_RTMP_PORT = int(env["HUB_MEDIA_RTMP_PORT"])
    settings_fixture.HUB_MEDIA_HTTP_PORT = int(env["HUB_MEDIA_HTTP_PORT"])
    settings_fixture.HUB_MEDIA_PUBLISH_URL = env["HUB_MEDIA_PUBLISH_URL"]
    settings_fixture.HUB_MEDIA_RTMP_URL = env["HUB_MEDIA_RTMP_URL"]
    settings_fixture.HUB_HLS_BASE_URL = env["HUB_HLS_BASE_URL"]
    settings_fixture.HUB_MEDIA_REPLAY_BASE_URL = env["HUB_MEDIA_REPLAY_BASE_URL"]
    settings_fixture.HUB_MEDIA_UPDATE_SECONDS = int(env["HUB_MEDIA_UPDATE_SECONDS"])
    settings_fixture.HUB_MEDIA_END_GRACE_SECONDS = int(env["HUB_MEDIA_END_GRACE_SECONDS"])


@dataclass
class MediaServer:
    proc: subprocess.Popen
    log: Path
    rtmp_port: int
    http_port: int

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def rtmp_url(self, name: str, key: str) -> str:
        return f"rtmp://127.0.0.1:{self.rtmp_port}/live/{name}?key={key}"

    def stop(self) -> None:
        stop_process(self.proc)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def start_media_server(env: dict[str, str], callback_url: str) -> MediaServer:
    log = _log_path("mediaserver")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "mediaserver"],
        cwd=ROOT,
        env=subprocess_env(**env, HUB_MEDIA_CALLBACK_URL=callback_url),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = MediaServer(proc, log, int(env["HUB_MEDIA_RTMP_PORT"]), int(env["HUB_MEDIA_HTTP_PORT"]))
    deadline = time.time() + 20
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the media server exited early:\n{log.read_text()[-3000:]}")
        if _port_open(server.rtmp_port):
            try:
                with urllib.request.urlopen(server.http_url + "/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        return server
            except OSError:
                pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"the media server did not answer:\n{log.read_text()[-3000:]}")


@dataclass
class MediaStack:
    env: dict[str, str]
    hub: Server
    server: MediaServer
    pushes: list[subprocess.Popen] = field(default_factory=list)

    def push(self, name: str, key: str, *, seconds: float | None = None) -> subprocess.Popen:
        """ffmpeg pushing a test pattern with a tone, as an encoder would, in real time."""
        log = _log_path("ffmpeg")
        duration = ["-t", str(seconds)] if seconds else []
        proc = subprocess.Popen(
            [
                "ffmpeg",
                "-hide_banner",
                "-nostdin",
                "-loglevel",
                "warning",
                "-re",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=320x240:rate=25",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440:sample_rate=44100",
                *duration,
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-tune",
                "zerolatency",
                "-g",
                "25",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-b:a",
                "64k",
                "-f",
                "flv",
                self.server.rtmp_url(name, key),
            ],  # fmt: skip
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pushes.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.pushes:
            stop_process(proc)
        self.server.stop()
        self.hub.stop()


def start_media_stack(base: Path, **extra: str) -> MediaStack:
    env = media_env(base, **extra)
    hub = start_daphne(**env)
    try:
        server = start_media_server(env, hub.url)
    except Exception:
        hub.stop()
        raise
    return MediaStack(env=env, hub=hub, server=server)


def http_get(url: str, timeout: float = 5) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def http_post(url: str, data: bytes = b"", timeout: float = 5) -> int:
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


class RoomListener:
    """Reads a live room's event stream from now on, as every daphne process with sockets in the room does:
    it receives what room_publish sends."""

    def __init__(self, session_id: int):
        self.redis = get_redis()
        self.stream = room_stream_key(session_id)
        # From the stream's current end: events published after this point are seen even before next_event.
        newest = self.redis.xrevrange(self.stream, count=1)
        self.last_id = newest[0][0] if newest else "0-0"

    def next_event(self, timeout: float = 15) -> dict:
        reply = self.redis.xread({self.stream: self.last_id}, count=1, block=int(timeout * 1000))
        if not reply:
            raise TimeoutError(f"no event on {self.stream} within {timeout}s")
        ((_, entries),) = reply
        self.last_id, fields = entries[0]
        return json.loads(fields["m"])

    def wait_for(self, predicate, timeout: float = 20) -> dict:
        deadline = time.time() + timeout
        while True:
            event = self.next_event(max(0.1, deadline - time.time()))
            if predicate(event):
                return event

    def close(self) -> None:
        pass


def make_test_video(path: Path, seconds: int = 30, *, codec: str = "libx264") -> Path:
    """A small lecture video: a test pattern with a tone."""
    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size=320x240:rate=25:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=330:sample_rate=44100:duration={seconds}",
            "-c:v",
            codec,
            *(["-preset", "ultrafast", "-g", "50"] if codec == "libx264" else []),
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "64k",
            "-shortest",
            str(path),
        ],  # fmt: skip
        check=True,
        timeout=120,
    )
    return path


def media_root_shared_with_servers() -> Path:
    """The servers' MEDIA_ROOT (config.settings.test); the test process uses a private one by default."""
    return Path(settings.VAR_DIR) / "test-media"


def private_root_shared_with_servers() -> Path:
    """The servers' HUB_PRIVATE_MEDIA_ROOT (config.settings.test), where recorded lectures are kept."""
    return Path(settings.VAR_DIR) / "test-private"


def pid_alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it has stopped running)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
