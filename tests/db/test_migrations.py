"""Alembic: one head, and the migrated schema equals the models (no pending autogenerate diff)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import db.models  # noqa: F401
from db.migrate import alembic_config
from db.models.base import Base
from db.models.search import dialect_specific
from db.session import Database


def test_single_head(database: Database) -> None:
    script = ScriptDirectory.from_config(alembic_config(database))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_schema_matches_models(database: Database) -> None:
    with database.engine.connect() as connection:
        # the search index's FTS5 table (SQLite) and GIN index (PostgreSQL) exist on one database only
        context = MigrationContext.configure(connection, opts={
            "compare_type": False, "include_name": lambda name, _type, _parents: not dialect_specific(name)})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], diff
