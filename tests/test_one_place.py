"""One way to do each of these, checked by reading the code: every spreadsheet or CSV people upload is
read by hub.tabular (bounded), every export is written by hub.exports (formula-safe), every uploaded
image is decoded by hub.images (metadata stripped, pixels bounded). A new module that does it by hand
fails here (issue 11 items 3, 10, 11; issue 12)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["config", "hub", "partyorgs", "livestreams"]

# (what is called, the only module allowed to call it)
RULES = [
    ("load_workbook", "hub/tabular.py"),
    ("csv.reader", "hub/tabular.py"),
    ("csv.DictReader", "hub/tabular.py"),
    ("Workbook", "hub/exports.py"),
    ("csv.writer", "hub/exports.py"),
    ("csv.DictWriter", "hub/exports.py"),
    ("Image.open", "hub/images.py"),
]


def _called_names(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                yield func.id, node.lineno
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                yield f"{func.value.id}.{func.attr}", node.lineno


def _sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name, home", RULES)
def test_only_its_module_does_it(name, home):
    offenders = [
        f"{path}:{line}"
        for path, tree in _sources()
        if path != home
        for called, line in _called_names(tree)
        if called == name
    ]
    assert offenders == [], f"{name} belongs in {home}"
