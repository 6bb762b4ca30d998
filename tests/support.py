"""Real servers for the tests: daphne (HTTP + websockets) and a Celery worker, in subprocesses that use
the test database and the test Redis. No fakes: what the tests talk to is what production runs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def subprocess_env(**extra: str) -> dict:
    """Environment of a server subprocess: test settings, the test database, the test Redis."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        HUB_TEST_DB_NAME=str(connection.settings_dict["NAME"]),
        REDIS_URL=settings.REDIS_URL,
        TEST_REDIS_URL=settings.REDIS_URL,
        PYTHONUNBUFFERED="1",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(extra)
    return env


@dataclass
class Server:
    url: str
    port: int
    proc: subprocess.Popen
    log: Path

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    def stop(self) -> None:
        stop_process(self.proc)


def stop_process(proc: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 10) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def _log_path(name: str) -> Path:
    path = Path(settings.VAR_DIR) / "test-logs"
    path.mkdir(parents=True, exist_ok=True)
    return path / f"{name}-{os.getpid()}-{time.monotonic_ns()}.log"


def start_daphne(*, port: int | None = None, **env_extra: str) -> Server:
    """daphne on a free port (or on `port`, e.g. to restart a server where its pages reconnect)."""
    port = port or free_port()
    log = _log_path("daphne")
    proc = subprocess.Popen(
        [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=ROOT,
        env=subprocess_env(**env_extra),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"daphne exited early:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)
            break
        except urllib.error.HTTPError:
            break  # it answers; a 503 only means some other part is down
        except OSError:
            time.sleep(0.2)
    else:
        stop_process(proc)
        raise RuntimeError(f"daphne did not answer on {url}:\n{log.read_text()[-3000:]}")
    return Server(url=url, port=port, proc=proc, log=log)


@dataclass
class Worker:
    proc: subprocess.Popen
    log: Path
    hostname: str

    def stop(self, sig=signal.SIGTERM) -> None:
        stop_process(self.proc, sig)


def start_celery_worker(
    *, concurrency: int = 1, name: str = "w1", extra_args: list[str] | None = None, **env_extra: str
) -> Worker:
    """A real Celery worker on the test broker; returns once it answers a ping."""
    from config.celery import app

    hostname = f"{name}-{os.getpid()}-{time.monotonic_ns()}@test"
    log = _log_path(f"celery-{name}")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-l",
            "info",
            "--concurrency",
            str(concurrency),
            "-n",
            hostname,
            "--without-gossip",
            "--without-mingle",
            *(extra_args or []),
        ],
        cwd=ROOT,
        env=subprocess_env(**env_extra),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited early:\n{log.read_text()[-3000:]}")
        replies = app.control.ping(destination=[hostname], timeout=1)
        if replies:
            return Worker(proc=proc, log=log, hostname=hostname)
    stop_process(proc)
    raise RuntimeError(f"celery worker did not answer:\n{log.read_text()[-3000:]}")


def wait_until(predicate, timeout: float = 10, interval: float = 0.1, message: str = "condition"):
    """Poll until predicate() is truthy; returns its value or fails with the message."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


def in_thread(fn, **kwargs):
    """Run a service outside the thread where Playwright keeps its event loop (it publishes with
    async_to_sync, which refuses to run beside a running loop)."""

    def run():
        try:
            return fn(**kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def client_for(user) -> Client:
    """The one way tests sign in: a test client with `user`'s session (an anonymous client for None).
    Browser and websocket tests take the session cookie from it (browser_login, room_helpers)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
