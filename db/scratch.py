"""A throwaway PostgreSQL database (tests, benchmarks, restore rehearsals): created empty, dropped afterwards."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db.session import Database, normalize_url


@contextmanager
def scratch_postgres(admin_url: str, prefix: str = "gongkai_scratch") -> Iterator[Database]:
    """A new, empty database on the server of ``admin_url``; dropped (connections forced out) on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalize_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        database = Database(make_url(normalize_url(admin_url)).set(database=name).render_as_string(hide_password=False))
        try:
            yield database
        finally:
            database.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
