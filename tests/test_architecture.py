"""The import contracts of pyproject.toml ([tool.importlinter]) hold: layers gongkai → web → workflow
→ db, no Flask in workflow, no db in web, verbs imported only by workflow's entry points, no import
cycles. ``make test`` runs ``lint-imports`` too; this test makes a plain ``pytest`` run catch a break."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports() -> list[str]:
    """The ``lint-imports`` command of this interpreter's environment."""
    beside = Path(sys.executable).with_name("lint-imports")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("lint-imports")
    if found is None:
        pytest.fail("lint-imports is not installed: pip install -e '.[test]'")
    return [found]


def test_import_contracts_are_kept() -> None:
    # Run from the repository root: lint-imports analyses the packages found there (it puts the
    # working directory first on sys.path), so a worktree is checked, not another installed copy.
    result = subprocess.run([*_lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
