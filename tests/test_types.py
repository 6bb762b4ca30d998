"""The services and selectors of every app type-check strictly: mypy with django-stubs, configured in
[tool.mypy] of pyproject.toml and run exactly as `make lint` runs it."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["config", "hub", "partyorgs", "livestreams"]
# One cache for both trees: mypy checks every cached module against its source, and most of the time goes
# into reading the stubs of Django, which are the same.
CACHE = ROOT / "var" / "mypy_cache"


def mypy(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(CACHE)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root), "NO_COLOR": "1", "MYPY_FORCE_COLOR": "0"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_services_and_selectors_type_check_strictly():
    result = mypy(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found"), result.stdout


def test_an_untyped_service_fails_and_the_rest_of_the_code_is_not_held_to_it(tmp_path):
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    untyped = "\n\ndef _untyped(session, user):\n    return session.hosts.filter(pk=user.pk).exists()\n"
    for strict in [
        "livestreams/services/sessions.py",
        "partyorgs/selectors.py",
        "hub/dashboards/selectors.py",
    ]:
        (tmp_path / strict).write_text((tmp_path / strict).read_text() + untyped)
    # A module the services import is read for its types but not held to strict typing.
    followed = tmp_path / "livestreams" / "permissions.py"
    followed.write_text(followed.read_text() + untyped)

    result = mypy(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    reported = {line.split(":")[0] for line in result.stdout.splitlines() if ": error:" in line}
    assert reported == {
        "livestreams/services/sessions.py",
        "partyorgs/selectors.py",
        "hub/dashboards/selectors.py",
    }, result.stdout
    assert "Function is missing a type annotation  [no-untyped-def]" in result.stdout
