"""Write the public nginx site of the hub from deploy/nginx/hub.conf.template and the hub's settings.

    python manage.py proxyconf --daphne 127.0.0.1:8101,127.0.0.1:8102 \\
        --tls-cert /etc/letsencrypt/live/hub.example.cn/fullchain.pem \\
        --tls-key /etc/letsencrypt/live/hub.example.cn/privkey.pem > /etc/nginx/sites-available/hub

    python manage.py proxyconf --daphne 127.0.0.1:9031,127.0.0.1:9032 --no-tls --listen 127.0.0.1:9030 \\
        --standalone var/proxy      # a whole nginx with its own prefix (tests, benches); prints the file

The server name comes from HUB_PUBLIC_URL, the media server from HUB_MEDIA_HTTP_ADDRESS/PORT, the callers of
/mediaserver/ from HUB_MEDIA_CALLBACK_ADDRESSES, the folders from STATIC_ROOT and MEDIA_ROOT, the body sizes
from DATA_UPLOAD_MAX_MEMORY_SIZE and HUB_MEDIA_LECTURE_MAX_MB. An internal listener (--callbacks-listen,
127.0.0.1:8100 by default; HUB_MEDIA_CALLBACK_URL=http://127.0.0.1:8100) passes the media server's callbacks
to whichever daphne process answers.
"""

from __future__ import annotations

import ipaddress
import os
import pwd
import re
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template import Context, Engine

DEPLOY_DIR = Path(settings.BASE_DIR) / "deploy" / "nginx"
UPSTREAM = re.compile(r"^(unix:/[\w./-]+|[\w.-]+:\d{1,5}|\[[0-9a-fA-F:]+\]:\d{1,5})$")


def _engine() -> Engine:
    return Engine(dirs=[str(DEPLOY_DIR)], autoescape=False)


def _address(value: str) -> str:
    """One entry of HUB_MEDIA_CALLBACK_ADDRESSES as nginx's allow takes it (an address or a network)."""
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise CommandError(f"HUB_MEDIA_CALLBACK_ADDRESSES: {value!r} is not an address or network.") from None


def site_context(
    *,
    upstreams: list[str],
    tls_cert: str = "",
    tls_key: str = "",
    listen: str = "",
    static_root: str = "",
    callbacks_listen: str = "",
) -> dict:
    for upstream in upstreams:
        if not UPSTREAM.match(upstream):
            raise CommandError(f"--daphne: {upstream!r} is not host:port or unix:/path.")
    if not upstreams:
        raise CommandError("--daphne: name at least one daphne process.")
    if callbacks_listen and not UPSTREAM.match(callbacks_listen):
        raise CommandError(f"--callbacks-listen: {callbacks_listen!r} is not host:port.")
    media_host = settings.HUB_MEDIA_HTTP_ADDRESS
    media_host = f"[{media_host}]" if ":" in media_host else media_host
    if media_host in ("0.0.0.0", "[::]"):  # noqa: S104 (listening everywhere: reach it on loopback)
        media_host = "127.0.0.1"
    return {
        "upstreams": upstreams,
        "server_name": urlsplit(settings.HUB_PUBLIC_URL).hostname or "_",
        "tls": bool(tls_cert),
        "tls_cert": tls_cert,
        "tls_key": tls_key,
        "listen": listen,
        "callbacks_listen": callbacks_listen,
        "media_http": f"{media_host}:{settings.HUB_MEDIA_HTTP_PORT}",
        "callback_addresses": [_address(a) for a in settings.HUB_MEDIA_CALLBACK_ADDRESSES],
        "static_root": str(Path(static_root or settings.STATIC_ROOT).resolve()),
        "media_root": str(Path(settings.MEDIA_ROOT).resolve()),
        "body_max_mb": max(1, -(-settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024))),
        "lecture_max_mb": settings.HUB_MEDIA_LECTURE_MAX_MB,
    }


def render_site(**kwargs) -> str:
    return _engine().get_template("hub.conf.template").render(Context(site_context(**kwargs)))


def render_standalone(prefix: Path, *, workers: int = 1, **kwargs) -> Path:
    """A whole nginx configuration around the site under `prefix`; returns the file's path."""
    for sub in ("conf", "tmp", "logs"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    run_as = pwd.getpwuid(prefix.stat().st_uid).pw_name if os.geteuid() == 0 else ""
    site = "\n".join(f"    {line}" if line else "" for line in render_site(**kwargs).splitlines())
    text = (
        _engine()
        .get_template("standalone.conf.template")
        .render(
            Context({"prefix": str(prefix.resolve()), "run_as": run_as, "workers": workers, "site": site})
        )
    )
    conf = prefix / "conf" / "nginx.conf"
    conf.write_text(text)
    return conf


class Command(BaseCommand):
    help = "Write the hub's public nginx site (deploy/nginx/hub.conf.template) from the settings."

    def add_arguments(self, parser):
        parser.add_argument(
            "--daphne",
            required=True,
            help="the daphne processes, comma-separated host:port or unix:/path (e.g. 127.0.0.1:8101,127.0.0.1:8102)",
        )
        parser.add_argument("--tls-cert", default="", help="certificate chain (PEM)")
        parser.add_argument("--tls-key", default="", help="private key (PEM)")
        parser.add_argument("--no-tls", action="store_true", help="plain HTTP (tests and benches only)")
        parser.add_argument(
            "--listen", default="80", help="with --no-tls: where to listen (port or addr:port)"
        )
        parser.add_argument(
            "--callbacks-listen",
            default="127.0.0.1:8100",
            help="internal listener for the media server's callbacks (HUB_MEDIA_CALLBACK_URL); empty: none",
        )
        parser.add_argument("--static-root", default="", help="static files folder (default STATIC_ROOT)")
        parser.add_argument("--standalone", default="", help="write a whole nginx with this prefix folder")
        parser.add_argument(
            "--workers", type=int, default=1, help="with --standalone: nginx worker processes"
        )

    def handle(self, *args, **opts):
        if opts["no_tls"] == bool(opts["tls_cert"] and opts["tls_key"]):
            raise CommandError("Give --tls-cert and --tls-key, or --no-tls.")
        kwargs = dict(
            upstreams=[u.strip() for u in opts["daphne"].split(",") if u.strip()],
            tls_cert="" if opts["no_tls"] else opts["tls_cert"],
            tls_key="" if opts["no_tls"] else opts["tls_key"],
            listen=opts["listen"],
            static_root=opts["static_root"],
            callbacks_listen=opts["callbacks_listen"],
        )
        if opts["standalone"]:
            self.stdout.write(
                str(render_standalone(Path(opts["standalone"]), workers=opts["workers"], **kwargs))
            )
        else:
            self.stdout.write(render_site(**kwargs), ending="")
