"""Serving only a database the code can serve: the start-up schema check, /healthz and /readyz (docs/deploy.md)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import event, text

from db.migrate import head_revisions
from db.session import Database
from tests.conftest import World, schemaless_database
from web.app import create_app
from workflow.health import SchemaNotReady
from workflow.wiring import build_gongkai


def _set_revision(database: Database, revision: str) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


@pytest.fixture
def restore_revision(world: World) -> Iterator[None]:
    """Put the head revision back: the PostgreSQL test database keeps alembic_version between tests."""
    yield
    with world.app.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        for head in head_revisions():
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:r)"), {"r": head})


@pytest.fixture
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database of the same kind as the test's, with no schema at all."""
    with schemaless_database(world_kind(request), tmp_path) as database:
        yield database


def world_kind(request: pytest.FixtureRequest) -> str:
    return request.node.callspec.params["database"]


def test_healthz_answers_without_login_and_without_touching_the_database(world: World) -> None:
    flask_app = create_app(world.app, {"TESTING": True})
    statements: list[str] = []
    event.listen(world.app.db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    response = flask_app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "alive"}
    assert response.headers["Cache-Control"] == "no-store"
    assert statements == []


def test_readyz_is_200_when_the_schema_is_current(world: World) -> None:
    response = create_app(world.app, {"TESTING": True}).test_client().get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready" and body["schema"]["current"] == body["schema"]["expected"] == list(head_revisions())


@pytest.mark.usefixtures("restore_revision")
def test_readyz_is_503_with_the_reason_when_the_schema_falls_behind_or_is_unknown(world: World) -> None:
    client = create_app(world.app, {"TESTING": True}).test_client()
    _set_revision(world.app.db, "0009")
    behind = client.get("/readyz")
    assert behind.status_code == 503
    assert behind.get_json()["reason"] == "schema_behind" and behind.get_json()["schema"]["current"] == ["0009"]
    assert "gongkai init" in behind.get_json()["message"]
    _set_revision(world.app.db, "ffffffffffff")
    unknown = client.get("/readyz")
    assert unknown.status_code == 503 and unknown.get_json()["reason"] == "schema_unknown"
    with world.app.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
    missing = client.get("/readyz")
    assert missing.status_code == 503 and missing.get_json()["reason"] == "schema_missing"
    assert client.get("/healthz").status_code == 200  # alive all along: a restart would not help


def test_readyz_is_503_when_the_database_does_not_answer(world: World, tmp_path: Path) -> None:
    flask_app = create_app(world.app, {"TESTING": True})
    good = world.app.db
    # A server that refuses connections (PostgreSQL) / a directory where the file should be (SQLite).
    (tmp_path / "not-a-file.db").mkdir()
    bad_url = ("postgresql://nobody@127.0.0.1:9/none" if good.is_postgres else f"sqlite:///{tmp_path / 'not-a-file.db'}")
    world.app.db = Database(bad_url)
    try:
        response = flask_app.test_client().get("/readyz")
    finally:
        world.app.db.dispose()
        world.app.db = good
    assert response.status_code == 503 and response.get_json()["reason"] == "database_unavailable"
    assert "nobody" not in response.get_data(as_text=True)  # no connection details to anonymous callers


def test_create_app_refuses_an_empty_database_naming_it_and_the_fix(world: World, empty_database: Database,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    empty = build_gongkai(db=empty_database, settings=world.app.settings, clock=world.app.clock)
    with pytest.raises(SchemaNotReady) as refused:
        create_app(empty, {"TESTING": True})
    message = str(refused.value)
    assert refused.value.reason == "schema_missing"
    assert empty_database.display_url() in message
    assert "gongkai init" in message and "没有 Gongkai 的表结构" in message and "no Gongkai schema" in message
    assert head_revisions()[0] in message
    assert any(r.levelname == "CRITICAL" and "gongkai init" in r.getMessage() for r in caplog.records)


@pytest.mark.usefixtures("restore_revision")
def test_create_app_refuses_a_schema_behind_the_code(world: World) -> None:
    _set_revision(world.app.db, "0009")
    with pytest.raises(SchemaNotReady) as refused:
        create_app(world.app, {"TESTING": True})
    assert refused.value.reason == "schema_behind"
    assert "0009" in str(refused.value) and head_revisions()[0] in str(refused.value)


def test_a_missing_sqlite_file_is_reported_and_not_created(world: World, tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "gongkai.db"
    absent = build_gongkai(db=Database(f"sqlite:///{path}"), settings=world.app.settings, clock=world.app.clock)
    with pytest.raises(SchemaNotReady) as refused:
        create_app(absent)
    assert str(path) in str(refused.value) and not path.exists()
