"""Run Alembic migrations programmatically (``gongkai init``, tests)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from db.session import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


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


def current_tables(database: Database) -> set[str]:
    """Names of the tables that exist now."""
    return set(inspect(database.engine).get_table_names())
