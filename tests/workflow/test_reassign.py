"""转办 (reassign) of a named route step's pending vote, and votes cast by a delegate (乙 代 甲), on both databases."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from db.models import AuditEvent, Notification, User
from db.models.routes import ItemRouteStepUser, StepVote
from tests.conftest import CLEAR, World, item_payload
from workflow.errors import Conflict, Forbidden, ValidationFailed
from workflow.services import delegations, queries
from workflow.services import items as svc
from workflow.services import reassign as service
from workflow.services import routes as route_service
from workflow.services.users import add_user

LEADERS = {"stage": "approval", "name": "校领导会签", "role": "approver", "quorum": "all",
           "users": ["approver", "approver2"]}
REVIEW = {"stage": "secrecy_review", "name": "部门审核", "role": "reviewer", "quorum": "any"}


@pytest.fixture
def people(world: World) -> World:
    for name in ("approver2", "approver3"):
        add_user(world.app, name, roles=["approver"], departments=["xsc"], password="password-123",
                 email=f"{name}@example.edu.cn")
    route_service.create_route(world.app, world.admin, {"name": "会签路线", "departments": ["xsc"],
                                                        "steps": [REVIEW, LEADERS]})
    return world


def _at_leaders(world: World) -> int:
    item = svc.create_item(world.app, world.drafter, item_payload())
    svc.submit(world.app, world.drafter, item.id)
    svc.transition(world.app, world.reviewer, item.id, "pass_review", {"checklist": CLEAR})
    return item.id


def _holders(world: World, item_id: int) -> list[str]:
    item = svc.get_item(world.app, world.admin, item_id)
    return sorted(h["username"] for h in svc.item_route(world.app, item)["holders"])


def _move(world: World, item_id: int, **body: Any):
    return service.reassign(world.app, world.admin, item_id, {"from": "approver", "to": "approver3",
                                                              "reason": "出差两周", **body})


def test_reassign_moves_the_pending_vote(people: World) -> None:
    world = people
    item_id = _at_leaders(world)
    assert _holders(world, item_id) == ["approver", "approver2"]
    _move(world, item_id)
    assert _holders(world, item_id) == ["approver2", "approver3"]
    assert item_id in [i.id for i in queries.my_tasks(world.app, world.actor("approver3")).items]
    assert item_id not in [i.id for i in queries.my_tasks(world.app, world.approver).items]
    with pytest.raises(Forbidden):
        svc.approve(world.app, world.approver, item_id)
    svc.approve(world.app, world.actor("approver3"), item_id)
    svc.approve(world.app, world.actor("approver2"), item_id)
    assert svc.get_item(world.app, world.admin, item_id).state == "published"
    with world.app.db.read() as session:
        row = session.scalars(select(ItemRouteStepUser).where(ItemRouteStepUser.reassigned_from_id.is_not(None))).one()
        assert (row.reassign_reason, row.reassigned_by_id) == ("出差两周", world.admin.id)
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "reassign")).one()
        told = {n.user_id for n in session.scalars(select(Notification).where(Notification.kind == "reassigned"))}
    assert (event.data["from"], event.data["to"], event.reason) == ("approver", "approver3", "出差两周")
    assert told == {world.approver.id, world.actor("approver3").id}


@pytest.mark.parametrize("body, error, code", [
    ({"to": "approver2"}, ValidationFailed, "already_decider"),
    ({"to": "reviewer"}, ValidationFailed, "not_eligible"),            # no approver role
    ({"to": "drafter"}, ValidationFailed, "not_eligible"),
    ({"to": "nobody"}, ValidationFailed, "unknown_user"),
    ({"to": "approver"}, ValidationFailed, "same_person"),
    ({"from": "approver3"}, Conflict, "not_a_holder"),                  # not on the step
    ({"reason": ""}, ValidationFailed, "missing_field"),
    ({"reason": "a\x00b"}, ValidationFailed, "invalid_value"),
    ({"to": ["approver3"]}, ValidationFailed, "invalid_type"),
    ({"extra": 1}, ValidationFailed, "unknown_field"),
])
def test_ineligible_reassignments_are_refused(people: World, body, error, code) -> None:
    item_id = _at_leaders(people)
    with pytest.raises(error) as refused:
        _move(people, item_id, **body)
    assert refused.value.code == code
    assert _holders(people, item_id) == ["approver", "approver2"]   # nothing changed


def test_who_voted_already_holds_nothing(people: World) -> None:
    item_id = _at_leaders(people)
    svc.approve(people.app, people.approver, item_id)
    with pytest.raises(Conflict) as refused:
        _move(people, item_id)
    assert refused.value.code == "not_a_holder"


def test_a_contributor_may_not_take_the_vote(people: World) -> None:
    add_user(people.app, "editor", roles=["approver", "drafter"], departments=["xsc"], password="password-123")
    item = svc.create_item(people.app, people.drafter, item_payload())
    svc.update_item(people.app, people.actor("editor"), item.id, {"body": "补充内容"})
    svc.submit(people.app, people.drafter, item.id)
    svc.transition(people.app, people.reviewer, item.id, "pass_review", {"checklist": CLEAR})
    with pytest.raises(ValidationFailed) as refused:
        _move(people, item.id, to="editor")
    assert refused.value.code == "separation_of_duties"


def test_only_admins_reassign(people: World) -> None:
    item_id = _at_leaders(people)
    with pytest.raises(Forbidden):
        service.reassign(people.app, people.approver, item_id, {"from": "approver", "to": "approver3", "reason": "x"})


def test_no_named_step_no_reassign(world: World) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload())
    svc.submit(world.app, world.drafter, item.id)      # the default route: no named people
    with pytest.raises(Conflict) as refused:
        service.reassign(world.app, world.admin, item.id, {"from": "reviewer", "to": "all_rounder", "reason": "请假"})
    assert refused.value.code == "reassign_not_applicable"


def test_a_role_step_is_not_reassigned(people: World) -> None:
    item = svc.create_item(people.app, people.drafter, item_payload())
    svc.submit(people.app, people.drafter, item.id)    # at 部门审核, decided by the role
    with pytest.raises(Conflict) as refused:
        service.reassign(people.app, people.admin, item.id, {"from": "reviewer", "to": "all_rounder", "reason": "请假"})
    assert refused.value.code == "reassign_not_applicable"
    assert "部门审核" in refused.value.message


def test_the_form_offers_holders_and_eligible_people(people: World) -> None:
    item_id = _at_leaders(people)
    form = service.candidates(people.app, people.admin, item_id)
    assert sorted(p["username"] for p in form["from"]) == ["approver", "approver2"]
    # approvers of 学生处 not on the step and not the author: approver3, and all_rounder (approver too)
    assert sorted(p["username"] for p in form["to"]) == ["all_rounder", "approver3"]
    assert "drafter" not in [p["username"] for p in form["to"]]
    assert service.candidates(people.app, people.approver, item_id)["step"] is None


def test_a_delegate_votes_for_a_named_leader(people: World) -> None:
    item_id = _at_leaders(people)
    delegations.set_delegation(people.app, people.approver, {"delegate": "other_reviewer", "starts_on": "2025-09-26",
                                                             "ends_on": "2025-09-29"})
    outsider = people.other_reviewer   # 教务处, no approver role: acts only for the approver
    assert item_id in [i.id for i in queries.my_tasks(people.app, outsider).items]
    svc.approve(people.app, outsider, item_id)
    with people.app.db.read() as session:
        vote = session.scalars(select(StepVote).where(StepVote.item_id == item_id, StepVote.decision == "approve")).one()
        names = dict(session.execute(select(User.id, User.username)).all())
    assert (names[vote.user_id], names[vote.acted_by_id]) == ("approver", "other_reviewer")
    route = svc.item_route(people.app, svc.get_item(people.app, people.admin, item_id))["route"]
    cast = route["steps"][1]["votes"][0]
    assert (cast["user"], cast["acted_by"]) == ("approver", "other_reviewer")
    assert item_id not in [i.id for i in queries.my_tasks(people.app, outsider).items]
    assert [h["username"] for h in svc.item_route(people.app, svc.get_item(people.app, people.admin, item_id))[
        "holders"]] == ["approver2"]
