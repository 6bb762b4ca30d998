"""Every page × every persona × anonymous → the expected status (see tests/matrix/)."""

from types import SimpleNamespace

import pytest
from django.test import Client

from tests.matrix import PERSONAS, area_modules


@pytest.fixture
def w(world, personas):
    ns = SimpleNamespace(world=world, **{k: v for k, v in personas.items() if v is not None})
    for module in area_modules():
        module.setup(ns)
    return ns


def _expected(spec, persona):
    statuses, default = (spec[0], spec[1]) if isinstance(spec, tuple) else (spec, 404)
    return statuses.get(persona, default)


@pytest.mark.parametrize("area", [m.__name__.rsplit(".", 1)[1] for m in area_modules()])
def test_every_page_answers_each_persona_as_expected(w, area, personas):
    module = next(m for m in area_modules() if m.__name__.endswith("." + area))
    failures = []
    checked = 0
    for page in module.pages(w):
        url, spec = page[0], page[1:]
        spec = spec[0] if len(spec) == 1 else tuple(spec)
        for persona in PERSONAS:
            client = Client()
            if persona != "anonymous":
                client.force_login(personas[persona])
            response = client.get(url)
            status = response.status_code
            expected = _expected(spec, persona)
            checked += 1
            if status != expected:
                failures.append(f"{url} as {persona}: {status}, expected {expected}")
            # Every refusal is a page of the site (templates/403.html, 404.html or the view's own page in the
            # layout), never Django's bare English one.
            if status in (403, 404) and response["Content-Type"].startswith("text/html"):
                if 'id="site-nav"' not in response.content.decode():
                    failures.append(f"{url} as {persona}: a {status} outside the site's layout")
    assert checked > 0
    assert failures == []


# Endpoints that are not pages a persona opens: POST-only actions (their views refuse GET with 405 for every
# persona; their permissions are tested with the area's actions), the media server's callbacks (no persona:
# a shared secret and an address), and the private calendar feed (its secret token is the credential).
NOT_PAGES = {
    "livestreams:comment_create",
    "classes:cancel",
    "classes:replay",
    "classes:sign_in",
    "classes:excuse",
    "classes:recount",
    "sales:approve",
    "sales:reject",
    "sales:cancel",
    "sales:book",
    "partyorgs:invitation_revoke",
    "partyorgs:notifications_read",
    "media:stream_key_rotate",
    "media:lecture_remove",
    "media:lecture_stop",
    "media:on_publish",
    "media:on_update",
    "media:on_publish_done",
    "media:on_record_done",
    "classes:ical",
    "classes:calendar_feed",
    "partyorgs:invitation_open",
}


def _page_names(patterns, namespace=""):
    for p in patterns:
        if hasattr(p, "url_patterns"):
            ns = f"{p.namespace}:" if p.namespace else namespace
            if p.namespace in ("admin",) or str(p.pattern).startswith(("accounts/", "i18n/")):
                continue
            yield from _page_names(p.url_patterns, ns)
        elif p.name:
            yield f"{namespace}{p.name}"


def test_the_matrix_covers_every_page(w):
    from django.urls import get_resolver, resolve

    covered = set()
    for module in area_modules():
        for page in module.pages(w):
            match = resolve(page[0].split("?")[0])
            covered.add(f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name)
    every = set(_page_names(get_resolver().url_patterns)) - NOT_PAGES
    assert every - covered == set()
