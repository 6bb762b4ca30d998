#!/usr/bin/env python3
"""Starts the whole hub (`run`) or the whole test suite (`test`). Called by `make run` / `make test`.

Only the standard library and the `redis` package are imported at the top: Django is set up by the
child processes, after Redis is known to answer.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PY = sys.executable


def say(msg: str) -> None:
    print(f"[hub] {msg}", flush=True)


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except Exception:
        return False


def ensure_redis_server_binary() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0 and Path("/etc/debian_version").exists():
        say("redis-server is missing; installing Debian's redis-server package ...")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-q", "redis-server"]
        if subprocess.run(install, check=False, env=env).returncode != 0:
            # A fresh machine has no package lists yet.
            subprocess.run(["apt-get", "update", "-q"], check=False, env=env)
            subprocess.run(install, check=False, env=env)
        return shutil.which("redis-server")
    return None


def start_private_redis(port: int, name: str) -> tuple[subprocess.Popen, str]:
    """A redis-server of the system, on a private port, keeping its files under var/."""
    binary = ensure_redis_server_binary()
    if not binary:
        say(
            "No Redis answers and redis-server is not installed: install it (Debian/Ubuntu: sudo apt-get install redis-server)."
        )
        sys.exit(2)
    workdir = VAR / name
    workdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(workdir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(workdir / "redis.log"),
        ],
        start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(50):
        if redis_answers(url):
            return proc, url
        time.sleep(0.1)
    proc.terminate()
    say(f"redis-server did not start on port {port}; see {workdir / 'redis.log'}")
    sys.exit(2)


class Children:
    """The processes we started; Ctrl-C stops all of them (each in its own process group)."""

    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)
        self.procs.append((name, proc))
        return proc

    def adopt(self, name: str, proc: subprocess.Popen) -> None:
        self.procs.append((name, proc))

    def stop(self) -> None:
        for _, proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.time() + 15
        for name, proc in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop in time; killing it")
                os.killpg(proc.pid, signal.SIGKILL)


def manage(*args: str, env: dict) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def wait_for_http(url: str, children: Children, timeout: float = 60) -> bool:
    """True once the URL answers (any HTTP status), False when a child died or time ran out."""
    import urllib.error
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        if any(proc.poll() is not None for _, proc in children.procs):
            return False
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(0.3)
    return False


def cmd_run(args) -> int:
    env = dict(os.environ)
    env.setdefault("DJANGO_DEBUG", "1")
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    children = Children()
    redis_url = env.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if redis_answers(redis_url):
        say(f"Redis answers at {redis_url}")
    else:
        port = int(env.get("HUB_PRIVATE_REDIS_PORT", "6390"))
        private = f"redis://127.0.0.1:{port}/0"
        if redis_answers(private):
            say(f"No Redis answers at {redis_url}; using the private one already on port {port}")
            redis_url = private
        else:
            say(
                f"No Redis answers at {redis_url}; starting a private one on port {port} (files in var/redis)"
            )
            proc, redis_url = start_private_redis(port, "redis")
            children.adopt("redis", proc)
    env["REDIS_URL"] = redis_url
    host, port = args.host, str(args.port)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    url = f"http://{shown}:{port}/"
    # Links in emails (invitations, password reset) point at this copy of the hub.
    env.setdefault("HUB_PUBLIC_URL", url.rstrip("/"))

    stopping = False

    def on_signal(signum, frame):
        # Once: a second Ctrl-C must not interrupt the stopping of the children.
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    # SIGINT too, explicitly: a shell that starts us in the background hands SIGINT down ignored.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        manage("migrate", "--noinput", env=env)
        manage("seed_demo", env=env)
        children.start(
            "daphne",
            [str(Path(PY).parent / "daphne"), "-b", host, "-p", port, "config.asgi:application"],
            env,
        )
        children.start(
            "celery-worker",
            [PY, "-m", "celery", "-A", "config", "worker", "-l", "info", "--concurrency", "2"],
            env,
        )
        children.start("celery-beat", [PY, "-m", "celery", "-A", "config", "beat", "-l", "info"], env)
        for name, argv in optional_services(env):
            children.start(name, argv, env)
        if not wait_for_http(url + "healthz", children):
            say("daphne did not answer; stopping everything")
            raise KeyboardInterrupt
        say("")
        say(f"The hub is running at {url}   (Ctrl-C stops everything)")
        subprocess.run([PY, "manage.py", "seed_demo", "--logins"], cwd=ROOT, env=env, check=False)
        while True:
            for name, proc in children.procs:
                if proc.poll() is not None:
                    say(f"{name} exited with code {proc.returncode}; stopping everything")
                    raise KeyboardInterrupt
            time.sleep(1)
    except KeyboardInterrupt:
        say("Stopping ...")
    finally:
        children.stop()
    return 0


def optional_services(env: dict) -> list[tuple[str, list[str]]]:
    """Services that run only when their engine is installed (the media server)."""
    services = []
    probe = (
        subprocess.run(
            [PY, "manage.py", "mediaserver", "--check"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if (ROOT / "livestreams" / "management" / "commands" / "mediaserver.py").exists()
        else None
    )
    if probe is not None:
        if probe.returncode == 0:
            services.append(("mediaserver", [PY, "manage.py", "mediaserver"]))
        else:
            say(probe.stdout.strip() or probe.stderr.strip())
    return services


PYTEST_NO_TESTS_COLLECTED = 5


def cmd_test(args) -> int:
    env = dict(os.environ)
    children = Children()
    url = env.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
    if not redis_answers(url):
        port = int(env.get("HUB_TEST_REDIS_PORT", "6391"))
        say(f"No Redis answers at {url}; starting a private one for the tests on port {port}")
        proc, base = start_private_redis(port, "redis-test")
        children.adopt("redis", proc)
        url = base.rsplit("/", 1)[0] + "/9"
    env["TEST_REDIS_URL"] = url
    on_postgres = urlparse(env.get("DATABASE_URL", "")).scheme.startswith("postgres")
    say(f"Tests use {'PostgreSQL' if on_postgres else 'SQLite'} and Redis at {url}")
    try:
        code = subprocess.run([PY, "-m", "pytest", *args.pytest_args], cwd=ROOT, env=env).returncode
        if not on_postgres:
            return code
        # The embedded default must hold under the same concurrency: the realtime tests (sockets, presence,
        # Celery and servers writing at the same time) run a second time on SQLite.
        say("The realtime tests again, on SQLite")
        sqlite_env = {k: v for k, v in env.items() if k != "DATABASE_URL"}
        again = subprocess.run(
            [PY, "-m", "pytest", *args.pytest_args, "-m", "realtime"], cwd=ROOT, env=sqlite_env
        ).returncode
        # 5: the arguments selected no realtime test, which is not a failure.
        return code or (0 if again == PYTEST_NO_TESTS_COLLECTED else again)
    finally:
        children.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start the whole hub with demo data")
    run.add_argument("--host", default=os.environ.get("HUB_HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=int(os.environ.get("HUB_PORT", "8000")))
    sub.add_parser("test", help="run the whole test suite; further arguments go to pytest")
    if sys.argv[1:2] == ["test"]:
        return cmd_test(argparse.Namespace(pytest_args=sys.argv[2:]))
    return cmd_run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
