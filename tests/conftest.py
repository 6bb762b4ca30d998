"""Personas, the small world they live in, and real servers (daphne, Celery, chromium) for the tests.

Personas: organizer (manages the root organization of subdistrict A and everything below it), merchant
(one enterprise in A), official (district of A, read-only), member (a branch in A), outsider (signed in,
no role), staff (hub staff), and other_organizer (the same roles in subdistrict B, to prove isolation).
"""

from __future__ import annotations

import os
import re
from types import SimpleNamespace

import pytest
import redis
from django.conf import settings

from partyorgs.models import PartyOrganization, Role
from tests import factories as f
from tests.support import CHROMIUM, CHROMIUM_ARGS, client_for, start_celery_worker, start_daphne

K = PartyOrganization.Kind


@pytest.fixture(scope="session", autouse=True)
def _clean_test_redis():
    """The suite owns its Redis database (TEST_REDIS_URL); start from an empty one."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    yield
    client.close()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's test database, and at the end the PostgreSQL pool closed first: its idle connections
    would otherwise keep the test database from being dropped."""
    yield
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        if hasattr(conn, "close_pool"):
            conn.close_pool()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HUB_PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def world(db):
    """Two subdistricts in two districts, each with an organization tree, an enterprise and a building."""
    district_a = f.DistrictFactory(name="二七区")
    sub_a = f.SubdistrictFactory(name="淮河路街道", parent=district_a)
    district_b = f.DistrictFactory(name="外区")
    sub_b = f.SubdistrictFactory(name="外街道", parent=district_b)

    root_a = f.OrganizationFactory(name="淮河路街道党工委", kind=K.WORKING_COMMITTEE, region=sub_a)
    committee_a = f.OrganizationFactory(name="网红大厦党委", kind=K.COMMITTEE, parent=root_a)
    branch_a = f.OrganizationFactory(name="孵化器联合党支部", kind=K.BRANCH, parent=committee_a)
    branch_a2 = f.OrganizationFactory(name="机关党支部", kind=K.BRANCH, parent=root_a)
    root_b = f.OrganizationFactory(name="外街道党工委", kind=K.WORKING_COMMITTEE, region=sub_b)
    branch_b = f.OrganizationFactory(name="外支部", kind=K.BRANCH, parent=root_b)

    building_a = f.BuildingFactory(name="二七丝路网红大厦", region=sub_a, party_organization=committee_a)
    building_b = f.BuildingFactory(name="外大厦", region=sub_b, party_organization=root_b)
    enterprise_a = f.EnterpriseFactory(
        name="丝路优选", region=sub_a, building=building_a, party_organization=branch_a
    )
    enterprise_b = f.EnterpriseFactory(
        name="外企业", region=sub_b, building=building_b, party_organization=branch_b
    )
    for org in (root_a, committee_a, branch_a, branch_a2, root_b, branch_b):
        org.refresh_from_db()
    return SimpleNamespace(
        district_a=district_a,
        sub_a=sub_a,
        district_b=district_b,
        sub_b=sub_b,
        root_a=root_a,
        committee_a=committee_a,
        branch_a=branch_a,
        branch_a2=branch_a2,
        root_b=root_b,
        branch_b=branch_b,
        building_a=building_a,
        building_b=building_b,
        enterprise_a=enterprise_a,
        enterprise_b=enterprise_b,
    )


@pytest.fixture
def organizer(world):
    user = f.UserFactory(email="organizer@example.com", name="王组织")
    Role.objects.create(user=user, kind=Role.Kind.ORGANIZER, organization=world.root_a)
    return user


@pytest.fixture
def other_organizer(world):
    user = f.UserFactory(email="other.organizer@example.com", name="外组织")
    Role.objects.create(user=user, kind=Role.Kind.ORGANIZER, organization=world.root_b)
    return user


@pytest.fixture
def merchant(world):
    user = f.UserFactory(email="merchant@example.com", name="李商家")
    Role.objects.create(user=user, kind=Role.Kind.MERCHANT, enterprise=world.enterprise_a)
    return user


@pytest.fixture
def official(world):
    user = f.UserFactory(email="official@example.com", name="赵领导")
    Role.objects.create(user=user, kind=Role.Kind.OFFICIAL, region=world.district_a)
    return user


@pytest.fixture
def member(world):
    return f.MemberFactory(
        user=f.UserFactory(email="member@example.com", name="陈党员"), branch=world.branch_a
    ).user


@pytest.fixture
def outsider(world):
    return f.UserFactory(email="outsider@example.com", name="路人")


@pytest.fixture
def staff(world):
    return f.UserFactory(email="staff@example.com", name="管理员", is_staff=True, is_superuser=True)


@pytest.fixture
def personas(organizer, merchant, official, member, outsider, staff):
    return {
        "organizer": organizer,
        "merchant": merchant,
        "official": official,
        "member": member,
        "outsider": outsider,
        "staff": staff,
        "anonymous": None,
    }


# --- Real servers ---------------------------------------------------------------------------------


@pytest.fixture
def hub_server(transactional_db):
    """daphne serving the hub (HTTP and websockets) on a free port, against the test database."""
    server = start_daphne()
    yield server
    server.stop()


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker process on the test Redis broker."""
    worker = start_celery_worker()
    yield worker
    worker.stop()


# --- Browser ------------------------------------------------------------------------------------


# Every page and frame reports what the Content-Security-Policy refused as a console error the guard
# recognises (chromium also logs its own "Refused to ..." line; this one names the directive and the source).
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.effectiveDirective + " refused " + (e.blockedURI || "inline") +
    " in " + e.documentURI + " (" + (e.sourceFile || "") + ":" + e.lineNumber + ") " + (e.sample || ""));
}, true);
"""


def _is_csp_violation(text: str) -> bool:
    return text.startswith("CSP violation:") or "Content Security Policy" in text


@pytest.fixture
def csp_violations():
    """What the Content-Security-Policy refused in the test's browser pages. The browser fixture fails the test
    when anything is left in it; a test that provokes a violation on purpose checks it and clears it."""
    return []


def _as_function(expression: str) -> str:
    """Playwright's wait_for_function re-evaluates a bare expression with eval() on every poll, which the policy
    refuses ('unsafe-eval'); a function is evaluated once and then called, which the policy allows."""
    text = expression.strip()
    if text.startswith(("function", "async ")) or re.match(r"^(\([^()]*\)|[A-Za-z_$][\w$]*)\s*=>", text):
        return expression
    return f"() => ({expression})"


def _guard_csp(context, violations: list[str]):
    context.add_init_script(CSP_REPORTER)
    context.on(
        "console",
        lambda msg: violations.append(msg.text) if _is_csp_violation(msg.text) else None,
    )
    return context


@pytest.fixture
def browser(monkeypatch, csp_violations):
    """Debian's chromium driven by Playwright. Playwright's sync API keeps an event loop running in this
    thread, so Django's async-safety check is lifted for the test process only while a browser is open.

    Every context and page it opens is watched for Content-Security-Policy violations: the test fails on any
    (the product is fixed, not the policy loosened)."""
    from playwright.sync_api import Frame, Page, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        new_context = b.new_context

        def guarded_new_context(*args, **kwargs):
            return _guard_csp(new_context(*args, **kwargs), csp_violations)

        def guarded_new_page(*args, **kwargs):
            # Like Browser.new_page: a page in a context of its own (closed with the browser).
            return guarded_new_context(*args, **kwargs).new_page()

        monkeypatch.setattr(b, "new_context", guarded_new_context)
        monkeypatch.setattr(b, "new_page", guarded_new_page)
        for owner in (Page, Frame):
            wait = owner.wait_for_function
            monkeypatch.setattr(
                owner,
                "wait_for_function",
                lambda self, expression, *a, _wait=wait, **kw: _wait(
                    self, _as_function(expression), *a, **kw
                ),
            )
        yield b
        b.close()
    assert csp_violations == [], "the Content-Security-Policy refused:\n" + "\n".join(csp_violations)


def browser_login(browser, server, user, *, locale: str = "zh-CN", **context_args):
    """A browser context already signed in as `user` (the session cookie of a real login)."""
    client = client_for(user)
    context = browser.new_context(locale=locale, **context_args)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": server.url,
            }
        ]
    )
    return context


@pytest.fixture
def js_errors():
    """Collects page errors and console errors; attach with watch(page) and assert the list is empty."""
    errors: list[str] = []

    def watch(page):
        page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
        page.on(
            "console",
            lambda msg: errors.append(f"console.{msg.type}: {msg.text}") if msg.type == "error" else None,
        )
        return page

    errors_ns = SimpleNamespace(list=errors, watch=watch)
    return errors_ns


def pytest_configure(config):
    os.environ.setdefault("HUB_TESTING", "1")


# Modules whose tests exercise concurrency (sockets, presence, notifications, live-now, the lifecycle and
# other Celery tasks, writers racing each other): marked `realtime`, which `make test` runs a second time on
# SQLite when the suite runs on PostgreSQL (bin/hubctl.py). A module can also mark itself.
REALTIME_MODULES = {
    "test_room_socket",
    "test_room_presence",
    "test_room_notifications",
    "test_dashboard_live_now",
    "test_classes_lifecycle",
    "test_classes_celery",
    "test_studios_concurrency",
    "test_sqlite_concurrency",
    "test_room_storm",
    "test_proxy_two_processes",
}


def pytest_collection_modifyitems(config, items):
    """Marks the realtime modules; selects tests about PostgreSQL itself (marker `postgresql`) only when the
    suite runs on it."""
    for item in items:
        if item.module.__name__.rsplit(".", 1)[-1] in REALTIME_MODULES:
            item.add_marker(pytest.mark.realtime)
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    deselected = [item for item in items if item.get_closest_marker("postgresql")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]
