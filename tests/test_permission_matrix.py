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
            status = client.get(url).status_code
            expected = _expected(spec, persona)
            checked += 1
            if status != expected:
                failures.append(f"{url} as {persona}: {status}, expected {expected}")
    assert checked > 0
    assert failures == []
