"""Migration 0022 on a populated database: items already under review on a stored route (phase 2a) get
their steps as rows and their active step computed from their votes, so task lists keep working."""
from __future__ import annotations

from alembic import command
from sqlalchemy import func, select

from db.migrate import alembic_config, upgrade
from db.models import Item
from db.models.routes import ItemRouteStep, ItemRouteStepUser
from tests.conftest import CLEAR, World
from tests.workflow.routes import test_route_votes as phase2
from tests.workflow.routes.test_route_votes import APPROVAL_ALL, SECRECY_TWO_STEPS, _route, _submitted
from workflow.services import items as svc
from workflow.services import queries

people = phase2.people  # the fixture: the world plus the 保密办 and second reviewer/approver


def test_existing_votes_give_the_active_step(people: World) -> None:
    world, app = people, people.app
    _route(world, [*SECRECY_TWO_STEPS, APPROVAL_ALL])
    waiting_for_bmb, fresh = _submitted(world), _submitted(world)
    svc.pass_review(app, world.reviewer, waiting_for_bmb, checklist=CLEAR)
    command.downgrade(alembic_config(app.db), "0021")  # steps rows and route_step gone; snapshots, votes kept
    upgrade(app.db)
    with app.db.read() as session:
        positions = dict(session.execute(select(Item.id, Item.route_step)).all())
        steps = session.scalar(select(func.count()).select_from(ItemRouteStep))
        named = session.scalar(select(func.count()).select_from(ItemRouteStepUser))
    assert positions[waiting_for_bmb] == 2 and positions[fresh] == 1
    assert steps == 6 and named == 4  # three steps per item; the 会签 names two approvers
    bmb1 = world.actor("bmb1")
    assert [i.id for i in queries.my_tasks(app, bmb1).items] == [waiting_for_bmb]
    svc.pass_review(app, bmb1, waiting_for_bmb, checklist=CLEAR)
    with app.db.read() as session:
        moved = session.get(Item, waiting_for_bmb)
        assert (moved.state, moved.route_step) == ("approval", 3)
