"""Run Alembic migrations programmatically (``gongkai init``, tests)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from db.session import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"


def alembic_config(database: Database) -> Config:
    """An Alembic config bound to ``database`` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    config.attributes["engine"] = database.engine
    return config


def upgrade(database: Database, revision: str = "heads") -> None:
    """Create or upgrade the schema to the newest revision(s)."""
    command.upgrade(alembic_config(database), revision)


@dataclass(frozen=True)
class SchemaState:
    """Where the database's schema stands against the code's migrations."""

    current: tuple[str, ...]   # revisions recorded in alembic_version (empty: no schema)
    expected: tuple[str, ...]  # the code's head revision(s)
    known: bool                # every current revision is one of the code's migrations

    @property
    def up_to_date(self) -> bool:
        return set(self.current) == set(self.expected)

    @property
    def status(self) -> str:
        """``current`` | ``missing`` (empty database) | ``behind`` (needs ``gongkai init``) |
        ``unknown`` (a revision this code does not have: the database was migrated by newer code)."""
        if self.up_to_date:
            return "current"
        if not self.current:
            return "missing"
        return "behind" if self.known else "unknown"


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    # The migrations shipped with the code do not change while a process runs: read them once.
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


def head_revisions() -> tuple[str, ...]:
    """The revision(s) the code expects."""
    return tuple(sorted(_script().get_heads()))


def schema_state(database: Database) -> SchemaState:
    """Read the database's Alembic revision (one short connection; raises if the database is unreachable).

    A SQLite file that does not exist is reported as missing without being created.
    """
    expected = head_revisions()
    parsed = make_url(database.url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:" \
            and not Path(parsed.database).exists():
        return SchemaState((), expected, True)
    with database.engine.connect() as connection:
        # Read alembic_version directly: MigrationContext logs two INFO lines per call (every probe).
        if inspect(connection).has_table(VERSION_TABLE):
            current = tuple(sorted(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()))
        else:
            current = ()
    script = _script()
    known = all(_has_revision(script, revision) for revision in current)
    return SchemaState(current, expected, known)


def _has_revision(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for ids it does not know
        return False
