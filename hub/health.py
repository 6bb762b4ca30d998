"""Health of the parts the hub needs: the database, Redis and the Celery broker."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection


def _check_database() -> dict:
    try:
        pool = getattr(connection, "pool", None)
        if pool is not None:
            # PostgreSQL's connection pool waits for a connection up to its timeout; a health check must
            # answer at once when the database is down.
            pool.open()
            with pool.connection(timeout=1) as conn:
                conn.execute("SELECT 1")
            return {"ok": True, "vendor": connection.vendor}
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any failure means "does not answer"; the message says why
        return {"ok": False, "error": str(exc)[:200]}


def _check_redis(url: str) -> dict:
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:200]}


def _check_broker() -> dict:
    try:
        from config.celery import app

        # One attempt, no back-off: a health check must answer quickly when the broker is down.
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:200]}


def health_report() -> dict:
    checks = {
        "database": _check_database(),
        "redis": _check_redis(settings.REDIS_URL),
        "celery_broker": _check_broker(),
    }
    failing = [name for name, part in checks.items() if not part["ok"]]
    return {"status": "ok" if not failing else "failing", "failing": failing, "checks": checks}
