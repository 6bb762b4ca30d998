"""The real servers the other tests stand on: daphne, a Celery worker, chromium."""

import json
import urllib.request

import pytest
from django.core.cache import cache

from hub.tasks import BEAT_KEY, beat_heartbeat
from tests.conftest import browser_login
from tests.support import wait_until


def test_it_serves_healthz_from_a_real_daphne(hub_server):
    with urllib.request.urlopen(hub_server.url + "/healthz", timeout=5) as resp:
        body = json.load(resp)
    assert resp.status == 200
    assert body["failing"] == []
    assert set(body["checks"]) == {"database", "redis", "celery_broker"}


def test_it_runs_a_task_on_a_real_celery_worker(celery_worker):
    cache.delete(BEAT_KEY)
    beat_heartbeat.delay()
    assert wait_until(lambda: cache.get(BEAT_KEY), timeout=20, message="the worker to run beat_heartbeat")


@pytest.mark.browser
def test_it_renders_chinese_in_debians_chromium(browser, hub_server, member, js_errors):
    context = browser_login(browser, hub_server, member)
    page = js_errors.watch(context.new_page())
    page.goto(hub_server.url + "/accounts/")
    assert page.locator("h1").inner_text() == "我的账户"
    assert "孵化器联合党支部" in page.content()
    assert js_errors.list == []
