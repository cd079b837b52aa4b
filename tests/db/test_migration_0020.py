"""Migration 0020 on a populated database: every entry starts applicable; a mark survives nothing on the way
down (the columns go) and the way up starts applicable again."""
from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from db.migrate import alembic_config, upgrade
from tests.conftest import World
from workflow.services import catalog


def _columns(world: World) -> set[str]:
    with world.app.db.engine.connect() as connection:
        return {c["name"] for c in inspect(connection).get_columns("catalog_entries")}


def test_down_and_up_again(world: World) -> None:
    app = world.app
    catalog.set_applicability(app, world.admin, "43", {"not_applicable": True, "reason": "高职院校，无学位授予"})
    command.downgrade(alembic_config(app.db), "0019")
    assert not {"not_applicable", "not_applicable_reason"} & _columns(world)
    upgrade(app.db)
    assert {"not_applicable", "not_applicable_reason"} <= _columns(world)
    entries = [e for c in catalog.catalog_tree(app)["categories"] for e in c["items"]]
    assert len(entries) == 50 and not any(e["not_applicable"] for e in entries)
    assert all(e["not_applicable_reason"] == "" for e in entries)
