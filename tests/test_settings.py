"""Settings from the environment: production values pass `check --deploy`, missing ones stop the start."""

import os
import secrets
import subprocess
import sys

from tests.support import ROOT

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "hub.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://hub.example.org",
    "DJANGO_EMAIL_HOST": "smtp.example.org",
}


def _manage(*args: str, drop=(), **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k not in drop}
    environment.update(PRODUCTION)
    environment.update(env)
    for name in drop:
        environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_values_pass_the_deployment_checks():
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", drop=("DJANGO_SECRET_KEY",))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _manage("check", drop=("DJANGO_ALLOWED_HOSTS",))
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS is not set" in result.stderr


def test_a_bad_value_names_the_variable():
    result = _manage("check", DJANGO_DEBUG="perhaps")
    assert result.returncode != 0
    assert "DJANGO_DEBUG='perhaps' is not a boolean" in result.stderr


def test_development_runs_with_defaults_and_the_console_email_backend():
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.TIME_ZONE, s.LANGUAGE_CODE, bool(s.SECRET_KEY))",
        drop=("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"),
        DJANGO_DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.mail.backends.console.EmailBackend",
        "Asia/Shanghai",
        "zh-hans",
        "True",
    ]


_SQLITE_PROBE = (
    "from django.db import connection as c\n"
    "cur = c.cursor()\n"
    "cur.execute('PRAGMA journal_mode'); mode = cur.fetchone()[0]\n"
    "cur.execute('PRAGMA busy_timeout'); timeout = cur.fetchone()[0]\n"
    "print(c.vendor, mode, timeout, c.transaction_mode)"
)


def test_sqlite_waits_its_turn_however_it_is_named(tmp_path):
    """WAL, a busy timeout and transactions that take the write lock when they begin: for the default file
    and for a sqlite:// DATABASE_URL alike (the latter used to get none of them)."""
    default = _manage(
        "shell", "--no-imports", "-c", _SQLITE_PROBE, drop=("DATABASE_URL",), HUB_VAR_DIR=str(tmp_path)
    )
    named = _manage(
        "shell", "--no-imports", "-c", _SQLITE_PROBE, DATABASE_URL=f"sqlite:///{tmp_path / 'named.sqlite3'}"
    )
    for result in (default, named):
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["sqlite", "wal", "20000", "IMMEDIATE"]


def test_postgresql_connections_come_from_one_bounded_pool_whatever_conn_max_age_says():
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['OPTIONS']['pool']['max_size'])",
        DATABASE_URL="postgres://hub@127.0.0.1:5432/hub",
        DJANGO_CONN_MAX_AGE="60",
        HUB_DB_POOL_SIZE="5",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "5"]
