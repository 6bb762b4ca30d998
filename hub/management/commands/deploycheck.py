"""Check a production configuration before (and after) starting the hub: the one command of deploy/README.md.

    python manage.py deploycheck

First Django's own `check --deploy --fail-level WARNING`, then what only the hub knows: the settings agree
with each other (public URL, allowed hosts, CSRF origins, proxy, media URLs) and the database, Redis and the
static files are there. Prints one line per check and exits 1 when any fails.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, SystemCheckError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

DEV_KEY_PREFIX = "dev-only-insecure-key"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _host_allowed(host: str) -> bool:
    for pattern in settings.ALLOWED_HOSTS:
        if pattern == "*" or pattern == host:
            return True
        if pattern.startswith(".") and (host == pattern[1:] or host.endswith(pattern)):
            return True
    return False


def coherence_problems() -> list[tuple[str, str | None]]:
    """(what was checked, the problem or None) for every settings check that needs no other server."""
    public = urlsplit(settings.HUB_PUBLIC_URL)
    results: list[tuple[str, str | None]] = []

    def check(name: str, problem: str | None) -> None:
        results.append((name, problem))

    check("DJANGO_DEBUG is off", "DJANGO_DEBUG is on" if settings.DEBUG else None)
    key = settings.SECRET_KEY
    check(
        "DJANGO_SECRET_KEY is a long random string",
        "DJANGO_SECRET_KEY is the development key or shorter than 50 characters"
        if key.startswith(DEV_KEY_PREFIX) or len(key) < 50 or len(set(key)) < 5
        else None,
    )
    check(
        "HUB_PUBLIC_URL is an https URL",
        None
        if public.scheme == "https" and public.hostname
        else f"HUB_PUBLIC_URL={settings.HUB_PUBLIC_URL!r} is not https://<host>",
    )
    host = public.hostname or ""
    check(
        "DJANGO_ALLOWED_HOSTS has the host of HUB_PUBLIC_URL",
        None if host and _host_allowed(host) else f"{host!r} is not in DJANGO_ALLOWED_HOSTS",
    )
    origin = _origin(settings.HUB_PUBLIC_URL)
    check(
        "DJANGO_CSRF_TRUSTED_ORIGINS has the origin of HUB_PUBLIC_URL",
        None if origin in settings.CSRF_TRUSTED_ORIGINS else f"add {origin} to DJANGO_CSRF_TRUSTED_ORIGINS",
    )
    strangers = [o for o in settings.CSRF_TRUSTED_ORIGINS if _origin(o) != origin]
    check(
        "DJANGO_CSRF_TRUSTED_ORIGINS trusts no other origin",
        f"also trusted: {', '.join(strangers)}" if strangers else None,
    )
    check(
        "HUB_TRUSTED_PROXY_COUNT=1 (daphne behind the nginx of deploy/)",
        None
        if settings.HUB_TRUSTED_PROXY_COUNT == 1
        else "HUB_TRUSTED_PROXY_COUNT=0: behind nginx every client would have the proxy's address",
    )
    for name in ("HUB_HLS_BASE_URL", "HUB_MEDIA_REPLAY_BASE_URL"):
        value = getattr(settings, name)
        parts = urlsplit(value)
        same_origin = not parts.netloc or _origin(value) == origin
        check(
            f"{name} is a path of the public site",
            None
            if same_origin and parts.path.startswith("/") and parts.path.endswith("/")
            else f"{name}={value!r}: use /hls/ and /replays/, passed to the media server by deploy/nginx",
        )
    callback = urlsplit(settings.HUB_MEDIA_CALLBACK_URL)
    check(
        "HUB_MEDIA_CALLBACK_URL reaches daphne directly over http",
        None
        if callback.scheme == "http"
        and callback.hostname
        and _host_allowed(callback.hostname)
        and _origin(settings.HUB_MEDIA_CALLBACK_URL) != origin
        else f"HUB_MEDIA_CALLBACK_URL={settings.HUB_MEDIA_CALLBACK_URL!r}: http:// to a daphne process, its "
        "host in DJANGO_ALLOWED_HOSTS, not the public URL",
    )
    rtmp = urlsplit(settings.HUB_MEDIA_RTMP_URL)
    check(
        "HUB_MEDIA_RTMP_URL is an rtmp:// URL streamers can reach",
        None
        if rtmp.scheme == "rtmp" and rtmp.hostname not in (None, "127.0.0.1", "localhost", "::1")
        else f"HUB_MEDIA_RTMP_URL={settings.HUB_MEDIA_RTMP_URL!r} is not a public rtmp:// address",
    )
    check(
        "DJANGO_EMAIL_BACKEND sends mail",
        "the console backend only prints emails"
        if settings.EMAIL_BACKEND.endswith("console.EmailBackend")
        else None,
    )
    return results


def service_problems() -> list[tuple[str, str | None]]:
    """Checks that talk to the database, Redis and the disk."""
    results: list[tuple[str, str | None]] = []
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        results.append(("the database answers", None))
        results.append(
            (
                "every migration is applied",
                f"{len(plan)} migrations are not applied: run manage.py migrate" if plan else None,
            )
        )
    except Exception as exc:  # noqa: BLE001 (any failure to connect is the answer)
        results.append(("the database answers", f"{type(exc).__name__}: {exc}".strip()))
    try:
        from hub.redis import get_redis

        get_redis().ping()  # the channel layer, the cache and the rooms use this URL
        results.append(("Redis answers at REDIS_URL", None))
    except Exception as exc:  # noqa: BLE001
        results.append(("Redis answers at REDIS_URL", f"{type(exc).__name__}: {exc}"))
    if settings.CELERY_BROKER_URL != settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=5).ping()
            results.append(("the Celery broker answers at CELERY_BROKER_URL", None))
        except Exception as exc:  # noqa: BLE001
            results.append(("the Celery broker answers at CELERY_BROKER_URL", f"{type(exc).__name__}: {exc}"))
    static_root = settings.STATIC_ROOT
    results.append(
        (
            "static files are collected in STATIC_ROOT",
            None
            if static_root and (static_root / "admin").is_dir()
            else f"{static_root} is empty: run manage.py collectstatic",
        )
    )
    return results


class Command(BaseCommand):
    help = "Check a production configuration: Django's deploy checks, coherent settings, reachable services."

    def handle(self, *args, **options):
        failed = 0
        try:
            call_command("check", deploy=True, fail_level="WARNING", stdout=self.stdout, stderr=self.stderr)
            self.stdout.write("ok    manage.py check --deploy")
        except SystemCheckError as exc:
            self.stdout.write(str(exc))
            self.stdout.write("FAIL  manage.py check --deploy")
            failed += 1
        for name, problem in coherence_problems() + service_problems():
            if problem:
                failed += 1
                self.stdout.write(f"FAIL  {name}: {problem}")
            else:
                self.stdout.write(f"ok    {name}")
        if failed:
            self.stdout.write(f"{failed} check(s) failed.")
            sys.exit(1)
        self.stdout.write("The configuration is coherent.")
