"""GET /healthz: 200 when the database, Redis and the Celery broker answer; 503 naming what does not."""

import json
import urllib.error
import urllib.request

from tests.support import free_port, start_daphne


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=20) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def test_it_answers_200_when_every_part_answers(client, db):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert all(part["ok"] for part in body["checks"].values())
    assert resp["Cache-Control"].startswith("max-age=0")


def test_it_answers_503_naming_redis_and_the_broker_when_redis_is_down(transactional_db):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    server = start_daphne(REDIS_URL=closed, TEST_REDIS_URL=closed)
    try:
        status, body = _get(server.url + "/healthz")
    finally:
        server.stop()
    assert status == 503
    assert body["status"] == "failing"
    assert body["failing"] == ["redis", "celery_broker"]
    assert body["checks"]["database"]["ok"] is True
    assert "error" in body["checks"]["redis"]


def test_it_answers_503_naming_the_database_when_it_is_down(transactional_db):
    server = start_daphne(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/hub", HUB_TEST_DB_NAME="hub"
    )
    try:
        status, body = _get(server.url + "/healthz")
    finally:
        server.stop()
    assert status == 503
    assert body["failing"] == ["database"]
    assert body["checks"]["redis"]["ok"] is True


def test_it_only_answers_get(client, db):
    assert client.post("/healthz").status_code == 405
