"""Run the media server: nginx with the RTMP module, configured from the hub's settings.

    python manage.py mediaserver            # write var/mediaserver/conf/nginx.conf, run nginx in the foreground
    python manage.py mediaserver --check    # exit 0 when it can run; otherwise one line says what is missing
    python manage.py mediaserver --write-config   # only write the configuration and print its path

`make run` (bin/hubctl.py) asks --check first and starts the media server only when it answers 0.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.template.loader import render_to_string

from livestreams.playback import link_secret, revoked_marker

MODULE_CANDIDATES = [
    "/usr/lib/nginx/modules/ngx_rtmp_module.so",
    "/usr/lib64/nginx/modules/ngx_rtmp_module.so",
    "/usr/share/nginx/modules/ngx_rtmp_module.so",
    "/usr/local/lib/nginx/modules/ngx_rtmp_module.so",
]
INSTALL_HINT = "Debian/Ubuntu: sudo apt-get install nginx libnginx-mod-rtmp ffmpeg"


class Unavailable(Exception):
    """The media server cannot run here; the message says why in one line."""


def find_nginx() -> str:
    configured = settings.HUB_MEDIA_NGINX
    if configured:
        if not (Path(configured).is_file() and os.access(configured, os.X_OK)):
            raise Unavailable(f"HUB_MEDIA_NGINX={configured} is not an executable nginx.")
        return configured
    found = shutil.which("nginx") or shutil.which(
        "nginx", path="/usr/sbin:/usr/local/sbin:/usr/local/nginx/sbin"
    )
    if not found:
        raise Unavailable(f"nginx is not installed ({INSTALL_HINT}).")
    return found


def find_rtmp_module(nginx: str) -> str:
    """The module's .so to load, or "" when this nginx has the RTMP module built in."""
    configured = settings.HUB_MEDIA_RTMP_MODULE
    if configured:
        if not Path(configured).is_file():
            raise Unavailable(f"HUB_MEDIA_RTMP_MODULE={configured} does not exist.")
        return configured
    for candidate in MODULE_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    built = subprocess.run([nginx, "-V"], capture_output=True, text=True, check=False)
    if "rtmp" in (built.stdout + built.stderr):
        return ""
    raise Unavailable(f"nginx has no RTMP module ({INSTALL_HINT}).")


def _listen(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def media_dirs() -> dict[str, Path]:
    base = Path(settings.HUB_MEDIA_DIR)
    return {
        "dir": base,
        "conf": base / "conf",
        "tmp": base / "tmp",
        "logs": base / "logs",
        "hls_dir": Path(settings.HUB_MEDIA_HLS_DIR),
        "record_dir": Path(settings.HUB_MEDIA_RECORD_DIR),
        "replay_dir": Path(settings.HUB_MEDIA_REPLAY_DIR),
        # Markers of revoked link generations, written by the hub (livestreams.playback.revoked_marker).
        "revoked_dir": revoked_marker(0, 0).parent,
    }


def render_config(rtmp_module: str) -> Path:
    dirs = media_dirs()
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    run_as = ""
    if os.geteuid() == 0:
        # nginx would run its worker as "nobody", who cannot write HLS and recordings into our folders.
        run_as = pwd.getpwuid(dirs["dir"].stat().st_uid).pw_name
    text = render_to_string(
        "livestreams/media/nginx.conf",
        {
            **{name: str(path.resolve()) for name, path in dirs.items()},
            "rtmp_module": rtmp_module,
            "run_as": run_as,
            "rtmp_listen": _listen(settings.HUB_MEDIA_RTMP_ADDRESS, settings.HUB_MEDIA_RTMP_PORT),
            "http_listen": _listen(settings.HUB_MEDIA_HTTP_ADDRESS, settings.HUB_MEDIA_HTTP_PORT),
            "callback": settings.HUB_MEDIA_CALLBACK_URL.rstrip("/") + "/mediaserver",
            "secret": settings.HUB_MEDIA_SECRET,
            "link_secret": link_secret(),
            "update_seconds": max(1, settings.HUB_MEDIA_UPDATE_SECONDS),
            "cors_origin": settings.HUB_MEDIA_CORS_ORIGIN,
        },
    )
    conf = dirs["conf"] / "nginx.conf"
    conf.write_text(text)
    conf.chmod(0o600)  # it holds the shared secret
    return conf


def port_in_use(address: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((address, port))
        except OSError:
            return True
    return False


def nginx_argv(nginx: str, conf: Path) -> list[str]:
    return [nginx, "-p", str(Path(settings.HUB_MEDIA_DIR).resolve()), "-c", str(conf), "-g", "daemon off;"]


class Command(BaseCommand):
    help = "Run the media server (nginx with the RTMP module) in the foreground, configured from settings."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="only say whether the media server can run")
        parser.add_argument("--write-config", action="store_true", help="only write the nginx configuration")

    def handle(self, *args, check=False, write_config=False, **options):
        try:
            nginx = find_nginx()
            module = find_rtmp_module(nginx)
            conf = render_config(module)
            tested = subprocess.run(
                [*nginx_argv(nginx, conf), "-t", "-q"], capture_output=True, text=True, check=False
            )
            if tested.returncode != 0:
                detail = " ".join((tested.stderr or tested.stdout).split())[-300:]
                raise Unavailable(f"nginx refuses the media server configuration {conf}: {detail}")
            if check or not write_config:
                for name, address, port in (
                    ("HUB_MEDIA_RTMP_PORT", settings.HUB_MEDIA_RTMP_ADDRESS, settings.HUB_MEDIA_RTMP_PORT),
                    ("HUB_MEDIA_HTTP_PORT", settings.HUB_MEDIA_HTTP_ADDRESS, settings.HUB_MEDIA_HTTP_PORT),
                ):
                    if port_in_use(address, port):
                        raise Unavailable(
                            f"port {port} is in use (another media server?); set {name} to a free port."
                        )
        except Unavailable as exc:
            self.stdout.write(f"[media] Media server not started: {exc}")
            sys.exit(1)
        if write_config:
            self.stdout.write(str(conf))
            return
        if check:
            return
        if not shutil.which(settings.HUB_MEDIA_FFMPEG):
            self.stdout.write(
                f"[media] ffmpeg is missing: recorded lectures and replays will not work ({INSTALL_HINT})."
            )
        self.stdout.write(
            f"[media] RTMP ingest on {settings.HUB_MEDIA_RTMP_URL} · HLS on {settings.HUB_HLS_BASE_URL}"
            f" · callbacks to {settings.HUB_MEDIA_CALLBACK_URL}"
        )
        self.stdout.flush()
        sys.stdout.flush()
        # nginx replaces this process: stopping it (Ctrl-C, SIGTERM to the group) stops the media server.
        os.execv(nginx, nginx_argv(nginx, conf))  # noqa: S606
