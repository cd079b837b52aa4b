"""Engines and transactions for SQLite (file, WAL) and PostgreSQL (psycopg 3).

``Database.write()`` opens a transaction meant to change data: on SQLite it starts with
``BEGIN IMMEDIATE`` so that two writers queue on the lock (busy timeout) instead of one
failing later with "database is locked" or losing an update; on PostgreSQL it is an
ordinary READ COMMITTED transaction and lost updates are prevented by the item version
column. ``Database.read()`` is a plain deferred transaction.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
_WRITE_OPTION = "gongkai_write"


def normalize_url(url: str) -> str:
    """Use the psycopg 3 driver for every PostgreSQL URL."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def build_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with Gongkai's per-backend settings."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, **kwargs)
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def _sqlite_engine(url: str, database: str | None, **kwargs: Any) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("check_same_thread", False)
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so BEGIN is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class Database:
    """One database: an engine and two kinds of transaction."""

    def __init__(self, url: str, **engine_kwargs: Any):
        self.url = normalize_url(url)
        self.engine = build_engine(self.url, **engine_kwargs)
        self.dialect = self.engine.dialect.name
        # Copied into every session's ``info``: lets the layer above hand per-instance objects
        # (the audit keyring) to code that only receives a session.
        self.info: dict[str, Any] = {}
        self._writer = sessionmaker(self.engine.execution_options(**{_WRITE_OPTION: True}),
                                    expire_on_commit=False, info=self.info)
        self._reader = sessionmaker(self.engine, expire_on_commit=False, info=self.info)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on any exception."""
        with self._writer() as session:
            with session.begin():
                yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work; loaded objects stay usable after it ends (detached)."""
        with self._reader() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
