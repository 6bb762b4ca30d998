"""Chinese first: every msgid has Chinese, and nothing in the code is missing from the catalog."""

import os
import re
import shutil
import subprocess
import sys

import polib
import pytest
from django.utils import translation

from tests.support import ROOT

PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _live(po):
    return [e for e in po if not e.obsolete]


def test_every_msgid_of_the_catalog_has_chinese():
    missing = []
    for entry in _live(polib.pofile(str(PO))):
        text = entry.msgstr or "".join(entry.msgstr_plural.values())
        if "fuzzy" in entry.flags or not CJK.search(text):
            missing.append(entry.msgid)
    assert missing == []


def test_makemessages_finds_no_string_missing_from_the_catalog(tmp_path):
    """makemessages runs on a copy of the code; every msgid it finds must already be in the catalog."""
    copy = tmp_path / "hub"
    ignore = shutil.ignore_patterns(
        ".venv", "node_modules", "var", ".git", "__pycache__", "*.mo", ".pytest_cache"
    )
    shutil.copytree(ROOT, copy, ignore=ignore)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_DEBUG": "1",
        "HUB_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(copy),
    }
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--ignore=.venv",
            "--ignore=node_modules",
            "--ignore=var",
            "--no-obsolete",
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    found = {e.msgid for e in _live(polib.pofile(str(copy / "locale/zh_Hans/LC_MESSAGES/django.po")))}
    known = {e.msgid for e in _live(polib.pofile(str(PO)))}
    assert found - known == set()


@pytest.mark.parametrize(
    "language, expected",
    [("zh-hans", "党组织"), ("en", "Organizations")],
)
def test_the_catalog_is_compiled_and_both_languages_work(language, expected):
    with translation.override(language):
        assert translation.gettext("Organizations") == expected
