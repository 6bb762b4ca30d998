"""`make test` and `make run` install every Debian package they need on a fresh machine (README's promise).

The Makefile lists the packages with what shows each one is there (TEST_DEBS, MEDIA_DEBS). These tests check
that list against this Debian machine's package database: every program and file the suite and the media
server run comes from a listed package, and every probe is a file of its own package (a wrong probe would let
`make` believe a missing package is installed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from livestreams.management.commands.mediaserver import find_nginx, find_rtmp_module
from tests.support import CHROMIUM, ROOT

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def _make_list(variable: str) -> list[tuple[str, str]]:
    """(package, probe) pairs of a Makefile variable, as make itself expands it."""
    out = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", f"show-list: ; @echo $({variable})", "show-list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [tuple(entry.split("=", 1)) for entry in out]


def _owner(path: str) -> str:
    """The Debian package a file belongs to."""
    found = subprocess.run(
        ["dpkg", "-S", os.path.realpath(path)], capture_output=True, text=True, check=True
    ).stdout
    return found.split(":", 1)[0].split(",")[0].strip()


def _probe_path(probe: str) -> str:
    return probe if probe.startswith("/") else shutil.which(probe) or shutil.which(probe, path="/usr/sbin")


@pytest.fixture(scope="module")
def test_debs():
    return _make_list("TEST_DEBS")


def test_every_program_and_file_the_suite_runs_comes_from_a_package_make_test_installs(test_debs):
    nginx = find_nginx()
    used = {
        "chromium (browser tests)": CHROMIUM,
        "CJK fonts (Chinese in the browser)": FONT,
        "ffmpeg (test streams, lectures, replays)": shutil.which("ffmpeg"),
        "ffprobe (lecture uploads)": shutil.which("ffprobe"),
        "nginx (media server)": nginx,
        "RTMP module (media server)": find_rtmp_module(nginx),
    }
    packages = {pkg for pkg, _probe in test_debs}
    owners = {what: _owner(path) for what, path in used.items()}
    assert {what: pkg for what, pkg in owners.items() if pkg not in packages} == {}


def test_every_probe_is_a_file_of_its_own_package(test_debs):
    for pkg, probe in test_debs:
        path = _probe_path(probe)
        assert path, f"{probe} (of {pkg}) is not on this machine"
        assert _owner(path) == pkg, f"{probe} belongs to {_owner(path)}, not {pkg}"


def test_make_run_ensures_the_media_servers_packages_and_make_test_all_of_them(test_debs):
    media = _make_list("MEDIA_DEBS")
    assert {pkg for pkg, _ in media} == {"nginx", "libnginx-mod-rtmp", "ffmpeg"}
    assert set(media) <= set(test_debs)
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run: .*\bmedia-deps\b", makefile, re.M)
    assert re.search(r"^test: .*\btest-deps\b", makefile, re.M)


def test_the_readme_names_every_package_the_two_commands_install(test_debs):
    readme = (ROOT / "README.md").read_text()
    promise = readme[readme.index("## Two commands") : readme.index("```sh")]
    # The others come from the targets that need them: Python (venv), gettext (messages), npm (vendor) and
    # redis-server (bin/hubctl.py, when no Redis answers).
    others = ["python3.11", "gettext", "nodejs", "npm", "redis-server"]
    missing = [pkg for pkg in {p for p, _ in test_debs} | set(others) if f"`{pkg}`" not in promise]
    assert missing == []
