"""seed_demo: the demo world of the article; a second run changes nothing.

The demo is seeded once for the tests of tests/demo/ (`seeded_demo`); each test sees it, and its own
writes roll back."""

import hashlib

import pytest
from django.apps import apps
from django.core.management import call_command

from hub.models import User
from partyorgs.models import Enterprise, Incubator, IncubatorTenant, PartyMember, PartyOrganization, Role
from partyorgs.validators import validate_credit_code
from tests.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def _fingerprint() -> tuple[str, dict]:
    """A hash of every row of every table, and the row count of each model."""
    digest = hashlib.sha256()
    counts = {}
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        rows = list(model._base_manager.order_by("pk").values_list())
        counts[model._meta.label] = len(rows)
        digest.update(model._meta.label.encode())
        digest.update(repr(rows).encode())
    return digest.hexdigest(), counts


def _seed(capsys, *args) -> str:
    call_command("seed_demo", *args)
    return capsys.readouterr().out


def test_a_second_run_changes_nothing(seeded_demo, capsys):
    first, counts = _fingerprint()
    out = _seed(capsys, "--password", DEMO_PASSWORD)
    second, counts_again = _fingerprint()
    assert "nothing new" in out
    assert counts_again == counts
    assert second == first


def test_it_loads_the_district_of_the_article(seeded_demo):
    out = seeded_demo
    baijing = Incubator.objects.get(name="白鲸·孵化器")
    assert baijing.building.located_in == "东方大厦"
    assert baijing.tenants.filter(status=IncubatorTenant.Status.MOVED_IN).count() == 15
    gwc = PartyOrganization.objects.get(name="中共淮河路街道工作委员会")
    assert gwc.secretary_name == "秦召玉"
    assert PartyOrganization.objects.get(name="中国鞋都电商创业园党支部").secretary_name == "张文辉"
    assert Enterprise.objects.filter(building__name="中国鞋都电商创业园").count() >= 10
    for code in Enterprise.objects.values_list("credit_code", flat=True):
        validate_credit_code(code)
    for email in [
        "organizer@example.com",
        "merchant@example.com",
        "official@example.com",
        "member@example.com",
    ]:
        assert User.objects.get(email=email).check_password(DEMO_PASSWORD)
        assert email in out
    assert Role.objects.get(user__email="organizer@example.com").organization == gwc
    assert PartyMember.objects.count() > 30


def test_without_a_password_it_generates_one_prints_it_and_keeps_it(
    seeded_demo, capsys, settings, tmp_path, monkeypatch
):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    settings.VAR_DIR = tmp_path
    out = _seed(capsys)
    password = (tmp_path / "demo-password").read_text().strip()
    assert f"password: {password}, generated" in out
    assert User.objects.get(email="member@example.com").check_password(password)
    out = _seed(capsys)
    assert f"password: {password})" in out


def test_it_reads_demo_password_from_the_environment(seeded_demo, capsys, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "from-the-env-42")
    _seed(capsys)
    assert User.objects.get(email="official@example.com").check_password("from-the-env-42")
