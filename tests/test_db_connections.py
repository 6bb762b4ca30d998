"""PostgreSQL connections of a running daphne stay bounded whatever the traffic.

ASGI runs every HTTP request in a new thread; connections kept per thread (CONN_MAX_AGE) piled up until
PostgreSQL refused clients. The hub uses one bounded pool per process instead. Only meaningful on
PostgreSQL: the `postgresql` marker selects these tests only when the suite runs there (tests/conftest.py).
"""

from __future__ import annotations

import urllib.request
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from livestreams.models import LiveSession
from tests import factories as f
from tests.support import start_daphne

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]

APP_NAME = f"hub-conn-test-{settings.HUB_REDIS_PREFIX}"


def _connections_of_daphne() -> int:
    params = connection.get_connection_params()
    params.pop("pool", None)
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as probe:
        return probe.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
            [connection.settings_dict["NAME"], APP_NAME],
        ).fetchone()[0]


def test_two_hundred_sequential_requests_hold_a_bounded_number_of_connections(world):
    f.LiveSessionFactory(
        host_organization=world.root_a,
        status=LiveSession.Status.SCHEDULED,
        visibility=LiveSession.Visibility.PUBLIC,
    )
    db = settings.DATABASES["default"]
    credentials = quote(db.get("USER") or "", safe="") + ":" + quote(db.get("PASSWORD") or "", safe="")
    # The database name is replaced by the test database's (HUB_TEST_DB_NAME); the application name tells
    # daphne's connections apart from this process's.
    host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    dsn = f"postgres://{credentials}@{host}/x?application_name={APP_NAME}"
    # DJANGO_CONN_MAX_AGE=60 is what the README used to recommend for daphne: it must not matter any more.
    server = start_daphne(DATABASE_URL=dsn, DJANGO_CONN_MAX_AGE="60", HUB_DB_POOL_SIZE="4")
    try:
        statuses = []
        for i in range(200):
            path = ("/sales/schedule/", "/", "/healthz")[i % 3]
            with urllib.request.urlopen(server.url + path, timeout=30) as response:
                statuses.append(response.status)
        held = _connections_of_daphne()
    finally:
        server.stop()
    assert statuses == [200] * 200
    # The pool's bound, not one per request thread (before: one connection per request served).
    assert 1 <= held <= 4
