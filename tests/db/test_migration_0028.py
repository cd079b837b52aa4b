"""Migration 0028 on a populated database: down drops delegations, the acted_by columns and the reassignment
columns (decisions and votes stay, their deciders of record with them); up again restores the schema."""
from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, select

from db.migrate import alembic_config, upgrade
from db.models import Decision
from tests.conftest import CLEAR, World, item_payload
from workflow.services import delegations
from workflow.services import items as svc


def test_down_and_up_again(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)
    delegations.set_delegation(app, world.reviewer, {"delegate": "other_reviewer", "starts_on": "2025-09-26",
                                                     "ends_on": "2025-09-30"})
    svc.transition(app, world.other_reviewer, item.id, "pass_review", {"checklist": CLEAR})

    command.downgrade(alembic_config(app.db), "0027")
    with app.db.engine.connect() as connection:
        inspector = inspect(connection)
        assert "delegations" not in inspector.get_table_names()
        assert "acted_by_id" not in {c["name"] for c in inspector.get_columns("decisions")}
        assert "acted_by_id" not in {c["name"] for c in inspector.get_columns("step_votes")}
        assert "reassigned_from_id" not in {c["name"] for c in inspector.get_columns("item_route_step_users")}
        kept = connection.execute(select(Decision.__table__.c.actor_id, Decision.__table__.c.kind)).all()
    assert [tuple(row) for row in kept] == [(world.reviewer.id, "pass_review")]
    upgrade(app.db)
    with app.db.read() as session:
        assert session.scalar(select(Decision.acted_by_id)) is None   # who acted is not recovered: it was dropped
