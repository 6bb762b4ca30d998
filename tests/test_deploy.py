"""deploy/: the environment file lists every setting, the nginx site is valid for nginx with TLS, `manage.py
serve` follows the proxy setting, and `manage.py deploycheck` tells a coherent configuration from a broken one."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from tests.support import ROOT

DEPLOY = ROOT / "deploy"
ENV_READ = re.compile(r"env_(?:str|int|bool|list)\(\s*[\"']([A-Z][A-Z0-9_]+)[\"']")


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "HUB_")) and k != "DATABASE_URL"
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_environment_file_names_every_setting_the_hub_reads():
    read = set()
    for path in (ROOT / "config").rglob("*.py"):
        read |= set(ENV_READ.findall(path.read_text()))
    assert {"DJANGO_SECRET_KEY", "HUB_TRUSTED_PROXY_COUNT", "HUB_MEDIA_SECRET"} <= read  # the scan works
    listed = set(re.findall(r"\b([A-Z][A-Z0-9_]+)=", (DEPLOY / "hub.env.example").read_text()))
    text = (DEPLOY / "hub.env.example").read_text()
    missing = sorted(name for name in read if name not in listed and name not in text)
    assert not missing, f"add to deploy/hub.env.example: {missing}"


def test_every_unit_reads_the_environment_file_and_there_is_one_beat():
    units = {p.name: p.read_text() for p in (DEPLOY / "systemd").glob("*.service")}
    assert set(units) == {
        "hub-daphne@.service",
        "hub-celery-worker@.service",
        "hub-celery-beat.service",
        "hub-mediaserver.service",
    }
    for name, text in units.items():
        assert "EnvironmentFile=/etc/hub/hub.env" in text, name
        assert "User=hub" in text and "WantedBy=hub.target" in text, name
    assert "manage.py serve --port %i" in units["hub-daphne@.service"]
    beats = [name for name, text in units.items() if re.search(r"celery .*\bbeat\b", text)]
    assert beats == ["hub-celery-beat.service"]
    assert not any(" -B" in text or "--beat" in text for text in units.values())


@pytest.mark.parametrize(("count", "proxied"), [("1", True), ("0", False)])
def test_one_setting_drives_daphne_and_the_login_limits(count, proxied):
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "hub.example.cn",
        "HUB_TRUSTED_PROXY_COUNT": count,
    }
    served = _manage("serve", "--port", "8101", "--print", **env)
    assert served.returncode == 0, served.stderr
    assert served.stdout.strip().endswith("config.asgi:application")
    assert ("--proxy-headers" in served.stdout) is proxied
    shown = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.ALLAUTH_TRUSTED_PROXY_COUNT, s.SECURE_PROXY_SSL_HEADER)",
        **env,
    )
    assert shown.stdout.split()[0] == count
    # X-Forwarded-Proto is believed only from the proxy, like the address.
    assert ("HTTP_X_FORWARDED_PROTO" in shown.stdout) is proxied


@pytest.mark.parametrize("bad", ["2", "-1", "many"])
def test_a_proxy_count_other_than_0_or_1_stops_the_start(bad):
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DJANGO_DEBUG="1",
        HUB_TRUSTED_PROXY_COUNT=bad,
    )
    assert result.returncode != 0
    assert "HUB_TRUSTED_PROXY_COUNT" in result.stderr


def test_the_tls_site_is_valid_for_nginx(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=hub.example.cn",
        ]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    from django.core.management import call_command

    prefix = tmp_path / "nginx"
    prefix.mkdir()
    call_command(
        "proxyconf",
        daphne="127.0.0.1:8101,127.0.0.1:8102,127.0.0.1:8103",
        tls_cert=str(cert),
        tls_key=str(key),
        callbacks_listen="127.0.0.1:8100",
        standalone=str(prefix),
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )
    conf = (prefix / "conf" / "nginx.conf").read_text()
    tested = subprocess.run(
        [
            shutil.which("nginx") or "/usr/sbin/nginx",
            "-t",
            "-p",
            str(prefix),
            "-c",
            str(prefix / "conf/nginx.conf"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert tested.returncode == 0, tested.stderr
    assert conf.count("server 127.0.0.1:810") == 3
    assert "listen 443 ssl http2;" in conf and "return 301 https://$host$request_uri;" in conf
    # The client cannot choose the address daphne believes.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "$proxy_add_x_forwarded_for" not in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    for address in settings.HUB_MEDIA_CALLBACK_ADDRESSES:
        assert f"allow {address}" in conf
    assert f"client_max_body_size {settings.HUB_MEDIA_LECTURE_MAX_MB}m;" in conf
    assert "listen 127.0.0.1:8100;" in conf  # the media server's callbacks, spread over the processes


def test_proxyconf_refuses_bad_upstreams_and_a_site_without_tls_by_accident(tmp_path):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--no-tls"):
        call_command("proxyconf", daphne="127.0.0.1:8101")
    for bad in ["127.0.0.1:8101; evil", "127.0.0.1", "http://x:1", "unix:relative.sock"]:
        with pytest.raises(CommandError, match="--daphne"):
            call_command("proxyconf", daphne=bad, no_tls=True)


@pytest.mark.django_db(transaction=True)
def test_deploycheck_passes_a_coherent_configuration_and_names_every_incoherence(tmp_path):
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        database_url = f"sqlite:///{db['NAME']}"
    else:
        database_url = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    (tmp_path / "static" / "admin").mkdir(parents=True)  # what collectstatic leaves
    (tmp_path / "vendor").mkdir()  # what `make vendor` leaves
    good = {
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "hub.example.cn,127.0.0.1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://hub.example.cn",
        "DJANGO_EMAIL_HOST": "smtp.example.cn",
        "HUB_PUBLIC_URL": "https://hub.example.cn",
        "HUB_TRUSTED_PROXY_COUNT": "1",
        "HUB_MEDIA_CALLBACK_URL": "http://127.0.0.1:8100",
        "HUB_MEDIA_RTMP_URL": "rtmp://live.example.cn:1935/live",
        "HUB_VAR_DIR": str(tmp_path),
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
    }
    result = _manage("deploycheck", **good)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout and "The configuration is coherent." in result.stdout
    assert "ok    Redis answers at REDIS_URL" in result.stdout

    broken = {
        **good,
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://other.example.cn",
        "HUB_HLS_BASE_URL": "http://hub.example.cn:8088/hls/",
        "HUB_TRUSTED_PROXY_COUNT": "0",
        "HUB_MEDIA_CALLBACK_URL": "https://hub.example.cn",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "CELERY_BROKER_URL": "redis://127.0.0.1:2/0",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "HUB_VAR_DIR": str(tmp_path / "empty"),
    }
    result = _manage("deploycheck", **broken)
    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    for words in [
        "add https://hub.example.cn to DJANGO_CSRF_TRUSTED_ORIGINS",
        "also trusted: https://other.example.cn",
        "HUB_HLS_BASE_URL",
        "HUB_TRUSTED_PROXY_COUNT=0",
        "HUB_MEDIA_CALLBACK_URL",
        "Redis answers at REDIS_URL",
        "the Celery broker answers",
        "the database answers",
        "collectstatic",
    ]:
        assert any(words in line for line in failed), (words, failed)
