"""Imports run one way: hub (floor) <- partyorgs <- livestreams <- hub.dashboards (roof).

The contract is [tool.importlinter] in pyproject.toml; import-linter reads every import statement, those
inside functions too.
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ["config", "hub", "partyorgs", "livestreams"]


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "NO_COLOR": "1", "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_code_keeps_every_layer_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def copy_of_the_code(tmp_path: Path) -> Path:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_function(path: Path, body: str) -> None:
    path.write_text(path.read_text() + "\n\ndef _upward():\n" + body)


def test_an_import_upward_inside_a_function_breaks_the_contract(tmp_path):
    root = copy_of_the_code(tmp_path)
    add_function(root / "hub" / "services.py", "    from partyorgs.models import Role\n\n    return Role\n")
    add_function(
        root / "partyorgs" / "selectors.py", "    import livestreams.models\n\n    return livestreams\n"
    )
    add_function(
        root / "livestreams" / "playback.py",
        "    from hub.dashboards import selectors\n\n    return selectors\n",
    )
    result = lint_imports(root)
    assert result.returncode == 1
    assert "0 kept, 3 broken" in result.stdout
    assert "hub.services -> partyorgs.models" in result.stdout
    assert "partyorgs.selectors -> livestreams.models" in result.stdout
    assert "livestreams.playback -> hub.dashboards.selectors" in result.stdout


def test_the_roof_may_import_every_layer_and_the_floor_imports_only_itself(tmp_path):
    root = copy_of_the_code(tmp_path)
    # Downward imports are allowed, from the roof to the floor.
    add_function(
        root / "hub" / "dashboards" / "views.py", "    from hub.models import User\n\n    return User\n"
    )
    add_function(
        root / "livestreams" / "playback.py", "    from partyorgs.models import Role\n\n    return Role\n"
    )
    assert lint_imports(root).returncode == 0
    # The floor may not look at the roof, although the roof lives inside its package.
    add_function(
        root / "hub" / "tasks.py",
        "    from hub.dashboards.models import SessionTally\n\n    return SessionTally\n",
    )
    result = lint_imports(root)
    assert result.returncode == 1
    assert "hub.tasks -> hub.dashboards.models" in result.stdout
