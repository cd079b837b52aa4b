"""The ``gongkai`` command line, in-process through click's runner, on the parametrised database."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner, Result

from db.session import Database
from gongkai.cli import main


@pytest.fixture
def cli(database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Result]:
    """``cli("user", "add", …, input=…)`` runs one command against the test database."""
    monkeypatch.setenv("GONGKAI_DATABASE_URL", database.url)
    monkeypatch.setenv("GONGKAI_INSTANCE", str(tmp_path / "instance"))
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:  # noqa: A002
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return run
