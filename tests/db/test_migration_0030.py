"""Migration 0030: on PostgreSQL the bigrams are compared byte-wise (``COLLATE "C"``); a search finds the
same items before and after, and after going back (SQLite: nothing changes)."""
from __future__ import annotations

from alembic import command
from sqlalchemy import text

from db.migrate import alembic_config, upgrade
from tests.conftest import World, item_payload
from workflow.search.query import found_ids, newest_first, parse_query
from workflow.services import items as svc


def _found(world: World, q: str) -> list[int]:
    """The ids the search index finds (its own query: at the old revision later columns of the models are missing)."""
    search = parse_query(q)
    assert search is not None
    with world.app.db.read() as session:
        return list(session.scalars(newest_first(found_ids(search, world.app.db.is_postgres))))


def _collation(world: World) -> str | None:
    if not world.app.db.is_postgres:
        return None
    with world.app.db.engine.connect() as conn:
        return conn.execute(text(
            "SELECT c.collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation "
            "WHERE a.attrelid = 'item_search'::regclass AND a.attname = 'grams'")).scalar_one()


def test_grams_collate_c_and_search_finds_the_same(world: World) -> None:
    app = world.app
    fee = svc.create_item(app, world.drafter, item_payload(title="关于学费标准的公示", body="Ｅｘｃｅｌ 表格"))
    lab = svc.create_item(app, world.other_drafter, item_payload(title="实验室开放安排", department="jwc"))
    expected = {"学费": [fee.id], "excel": [fee.id], "开放": [lab.id], "标准 公示": [fee.id]}
    assert _collation(world) in (None, "C")
    assert {q: _found(world, q) for q in expected} == expected
    command.downgrade(alembic_config(app.db), "0030-1")
    assert _collation(world) in (None, "default")
    assert {q: _found(world, q) for q in expected} == expected
    upgrade(app.db)
    assert _collation(world) in (None, "C")
    assert {q: _found(world, q) for q in expected} == expected
