"""Connection pools: small by default, sized by settings, never shared with a forked child."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from db.session import Database, PoolOptions
from workflow.context import pool_options
from workflow.wiring import create_gongkai
from workflow.settings import SettingsError, load_settings


def test_default_pool_fits_four_workers_and_two_schedulers_in_postgres_default_100() -> None:
    pool = pool_options(load_settings())
    # 4 gunicorn workers + 2 schedulers (the README's deployment) below max_connections=100 minus reserve.
    assert 6 * pool.most <= 100 - 3 - 10
    assert pool.pre_ping and pool.recycle_seconds > 0


def test_pool_sizes_come_from_the_environment(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGKAI_DB_POOL_SIZE", "3")
    monkeypatch.setenv("GONGKAI_DB_MAX_OVERFLOW", "1")
    app = create_gongkai(database_url=database.url)
    try:
        assert app.db.engine.pool.size() == 3
        assert app.db.engine.pool._max_overflow == 1  # no public accessor
        if app.db.is_postgres:
            assert app.db.engine.pool._pre_ping and app.db.engine.pool._recycle == 1800
    finally:
        app.db.dispose()
    monkeypatch.setenv("GONGKAI_DB_POOL_SIZE", "-1")
    with pytest.raises(SettingsError, match="GONGKAI_DB_POOL_SIZE"):
        load_settings()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_opens_its_own_connection(database: Database) -> None:
    """gunicorn's preload_app forks workers from a master that already used the engine."""
    if not database.is_postgres:
        pytest.skip("a server connection is what must not be shared")
    own = Database(database.url, PoolOptions(size=1, max_overflow=0))
    with own.engine.connect() as conn:
        parent_backend = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            with own.engine.connect() as conn:
                os.write(write, str(conn.execute(text("SELECT pg_backend_pid()")).scalar()).encode())
        finally:
            os._exit(0)
    os.close(write)
    child_backend = int(os.read(read, 64) or b"0")
    os.waitpid(child, 0)
    with own.engine.connect() as conn:  # the parent's pooled connection still works
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == parent_backend
    own.dispose()
    assert child_backend not in (0, parent_backend)
