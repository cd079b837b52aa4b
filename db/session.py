"""Engines and transactions for SQLite (file, WAL) and PostgreSQL (psycopg 3).

``Database.write()`` opens a transaction meant to change data: on SQLite it starts with
``BEGIN IMMEDIATE`` so that two writers queue on the lock (busy timeout) instead of one
failing later with "database is locked" or losing an update; on PostgreSQL it is an
ordinary READ COMMITTED transaction and lost updates are prevented by the item version
column. ``Database.read()`` is a plain deferred transaction.

Each process keeps a small connection pool (``PoolOptions``, from the ``[database]`` settings):
web workers × (pool_size + max_overflow) plus the schedulers' must stay below PostgreSQL's
``max_connections`` (docs/deploy.md). A process forked after the engine was used (gunicorn's
``preload_app``) drops the inherited pooled connections instead of sharing sockets with its parent.
"""
from __future__ import annotations

import os
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
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


@dataclass(frozen=True)
class PoolOptions:
    """Connection-pool sizes and health checks of one process.

    Processes started from settings (web, scheduler, CLI) get ``[database]`` (5 + 5 by default,
    workflow.context.pool_options). These class defaults serve callers without settings — tests that
    race 16 threads in one process, benchmarks — and are the generous ones of before. A unit of work
    may hold two connections at once (a transaction plus the calendar's fingerprint read), so a
    process needs ``size + max_overflow ≥ 2 × its concurrent requests or jobs``.
    """

    size: int = 10
    max_overflow: int = 20
    timeout_seconds: float = 30
    recycle_seconds: int = 1800
    pre_ping: bool = True
    connect_timeout_seconds: int = 10

    @property
    def most(self) -> int:
        """The most connections one process opens."""
        return self.size + self.max_overflow


def build_engine(url: str, pool: PoolOptions | None = None, **kwargs: Any) -> Engine:
    """Create an engine with Gongkai's per-backend settings; explicit ``kwargs`` win over ``pool``."""
    url = normalize_url(url)
    parsed = make_url(url)
    pool = pool or PoolOptions()
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, pool, **kwargs)
    kwargs.setdefault("pool_pre_ping", pool.pre_ping)
    kwargs.setdefault("pool_size", pool.size)
    kwargs.setdefault("max_overflow", pool.max_overflow)
    kwargs.setdefault("pool_timeout", pool.timeout_seconds)
    kwargs.setdefault("pool_recycle", pool.recycle_seconds)
    connect_args = kwargs.pop("connect_args", {})
    if parsed.get_backend_name() == "postgresql":
        connect_args.setdefault("connect_timeout", pool.connect_timeout_seconds)
    return create_engine(url, connect_args=connect_args, **kwargs)


def _sqlite_engine(url: str, database: str | None, pool: PoolOptions, **kwargs: Any) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        # A file database gets a QueuePool; pre-ping and recycling are pointless for a local file.
        kwargs.setdefault("pool_size", pool.size)
        kwargs.setdefault("max_overflow", pool.max_overflow)
        kwargs.setdefault("pool_timeout", pool.timeout_seconds)
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
        connection.exec_driver_sql("BEGIN IMMEDIATE" if is_write_connection(connection) else "BEGIN")

    return engine


def is_write_connection(connection: Any) -> bool:
    """Whether ``connection`` belongs to a ``Database.write()`` transaction (SQLite: ``BEGIN IMMEDIATE``,
    so the database's write lock is held from its first statement until commit)."""
    return bool(connection.get_execution_options().get(_WRITE_OPTION, False))


class Database:
    """One database: an engine and two kinds of transaction."""

    def __init__(self, url: str, pool: PoolOptions | None = None, **engine_kwargs: Any):
        self.url = normalize_url(url)
        self.engine = build_engine(self.url, pool, **engine_kwargs)
        _forget_pool_after_fork(self.engine)
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

    def display_url(self) -> str:
        """The URL without its password (for messages and logs); SQLite shows the absolute file path."""
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
            return f"sqlite:///{Path(parsed.database).resolve()}"
        return parsed.render_as_string(hide_password=True)


def _forget_pool_after_fork(engine: Engine) -> None:
    """In a forked child, drop (without closing) the connections inherited from the parent.

    Two processes talking over one socket corrupt each other's sessions; SQLAlchemy's documented
    remedy is ``dispose(close=False)`` in the child. A weak reference: the hook must not keep
    every engine a test suite creates alive.
    """
    ref = weakref.ref(engine)

    def _after_fork() -> None:
        alive = ref()
        if alive is not None:
            alive.dispose(close=False)

    os.register_at_fork(after_in_child=_after_fork)
