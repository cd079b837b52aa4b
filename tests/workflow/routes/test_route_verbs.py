"""The admin verbs on both databases: saves are checked, versioned, audited and serialised."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from db.models import AuditEvent
from workflow.errors import Forbidden, StaleVersion, ValidationFailed
from workflow.services import routes as route_service

BODY = {"name": "学生处路线", "departments": ["xsc"],
        "steps": [{"stage": "secrecy_review", "name": "审查", "role": "reviewer", "quorum": "any"},
                  {"stage": "approval", "name": "审批", "role": "approver", "quorum": "any"}]}


def test_create_update_deactivate_audited(world) -> None:
    app = world.app
    route = route_service.create_route(app, world.admin, BODY)
    updated = route_service.update_route(app, world.admin, route.id, {**BODY, "name": "改名"}, route.version)
    off = route_service.deactivate_route(app, world.admin, route.id, updated.version)
    assert (route.version, updated.version, off.version, off.active) == (1, 2, 3, False)
    with app.db.read() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.subject == f"route:{route.id}")
                                  .order_by(AuditEvent.seq)).all()
    assert actions == ["route_create", "route_update", "route_deactivate"]
    with pytest.raises(StaleVersion):
        route_service.deactivate_route(app, world.admin, route.id, updated.version)


def test_only_admins(world) -> None:
    with pytest.raises(Forbidden):
        route_service.create_route(world.app, world.reviewer, BODY)
    with pytest.raises(Forbidden):
        route_service.list_routes(world.app, world.drafter)


def test_route_for_item_follows_resolution(world) -> None:
    from tests.conftest import item_payload
    from workflow.services.items import create_item as create
    item = create(world.app, world.drafter, item_payload())
    assert route_service.route_for_item(world.app, item.id).name == "默认路线"
    route_service.create_route(world.app, world.admin, BODY)
    assert route_service.route_for_item(world.app, item.id).name == "学生处路线"


def test_a_deactivated_route_can_come_back_only_if_it_still_works(world) -> None:
    app = world.app
    route = route_service.create_route(app, world.admin, BODY)
    off = route_service.deactivate_route(app, world.admin, route.id, route.version)
    route_service.create_route(app, world.admin, {**BODY, "name": "新学生处路线"})
    with pytest.raises(ValidationFailed) as caught:
        route_service.update_route(app, world.admin, route.id, {**BODY, "active": True}, off.version)
    assert caught.value.code == "route_tie"


def test_two_admins_saving_at_once_one_wins(world) -> None:
    app = world.app
    route = route_service.create_route(app, world.admin, BODY)
    barrier, outcomes = threading.Barrier(2), []

    def save(name: str) -> None:
        barrier.wait()
        try:
            route_service.update_route(app, world.admin, route.id, {**BODY, "name": name}, route.version)
            outcomes.append("saved")
        except StaleVersion:
            outcomes.append("stale")
        except Exception as error:  # pragma: no cover - the failure this test is about
            outcomes.append(repr(error))

    threads = [threading.Thread(target=save, args=(name,)) for name in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["saved", "stale"]
    assert route_service.get_route(app, world.admin, route.id).version == 2
