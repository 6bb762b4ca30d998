"""Run one daphne process of the hub, with the proxy settings taken from the hub's own settings.

    python manage.py serve --port 8101                        # 127.0.0.1:8101
    python manage.py serve --unix-socket /run/hub/daphne-1.sock

deploy/systemd/hub-daphne@.service runs one of these per instance. HUB_TRUSTED_PROXY_COUNT=1 (the hub behind
the nginx of deploy/) adds daphne's --proxy-headers, so that requests and websockets carry the client's
address and scheme from X-Forwarded-For / X-Forwarded-Proto; the same setting makes allauth's failed-login
limits count per client. One setting, so the two can never disagree.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def daphne_argv(*, bind: str, port: int | None, unix_socket: str | None) -> list[str]:
    argv = [str(Path(sys.executable).parent / "daphne")]
    if unix_socket:
        argv += ["--unix-socket", unix_socket]
    else:
        argv += ["--bind", bind, "--port", str(port)]
    if settings.HUB_TRUSTED_PROXY_COUNT:
        argv.append("--proxy-headers")
    argv.append("config.asgi:application")
    return argv


class Command(BaseCommand):
    help = "Run one daphne process of the hub (behind the proxy when HUB_TRUSTED_PROXY_COUNT=1)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, help="TCP port")
        parser.add_argument("--unix-socket", help="listen on this unix socket instead of a TCP port")
        parser.add_argument("--print", action="store_true", help="only print the daphne command line")

    def handle(self, *args, bind, port, unix_socket, print=False, **options):
        if bool(port) == bool(unix_socket):
            raise CommandError("Give either --port or --unix-socket.")
        argv = daphne_argv(bind=bind, port=port, unix_socket=unix_socket)
        if print:
            self.stdout.write(" ".join(argv))
            return
        sys.stdout.flush()
        # daphne replaces this process: systemd (or the test) stops it by its process id.
        os.execv(argv[0], argv)  # noqa: S606
