"""Phase 2: votes per step, on both databases. The stage moves only when its last step has its quorum."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from db.models import Decision, Item
from db.models.routes import ItemRouteSnapshot, StepVote
from tests.conftest import CLEAR, World, item_payload
from workflow.errors import Conflict, Forbidden, ValidationFailed
from workflow.services import items as svc
from workflow.services import routes as route_service
from workflow.services.users import add_department, add_user


def _step(stage: str, name: str, role: str, quorum: Any = "any", **who: Any) -> dict[str, Any]:
    return {"stage": stage, "name": name, "role": role, "quorum": quorum, **who}


SECRECY_TWO_STEPS = [_step("secrecy_review", "部门负责人审核", "reviewer"),
                     _step("secrecy_review", "保密办复审", "reviewer", department="bmb")]
APPROVAL_ALL = _step("approval", "校领导会签", "approver", "all", users=["approver", "approver2"])


@pytest.fixture
def people(world: World) -> World:
    """Besides the world: the 保密办 (bmb) with its reviewer, a second approver and reviewer in 学生处."""
    add_department(world.app, "bmb", "保密办")
    add_user(world.app, "bmb1", roles=["reviewer"], departments=["bmb"], password="password-123",
             email="bmb1@example.edu.cn")
    add_user(world.app, "approver2", roles=["approver"], departments=["xsc"], password="password-123",
             email="approver2@example.edu.cn")
    add_user(world.app, "reviewer2", roles=["reviewer"], departments=["xsc"], password="password-123",
             email="reviewer2@example.edu.cn")
    return world


def _route(world: World, steps: list[dict[str, Any]], name: str = "学生处路线") -> None:
    route_service.create_route(world.app, world.admin, {"name": name, "departments": ["xsc"], "steps": steps})


def _submitted(world: World, author: Any = None) -> int:
    author = author or world.drafter
    item = svc.create_item(world.app, author, item_payload())
    svc.submit(world.app, author, item.id)
    return item.id


def _state(world: World, item_id: int) -> str:
    with world.app.db.read() as session:
        return session.get(Item, item_id).state


def _votes(world: World, item_id: int) -> list[tuple[int, str]]:
    from db.models import User
    with world.app.db.read() as session:
        return [tuple(row) for row in session.execute(
            select(StepVote.step_position, User.username).join(User, User.id == StepVote.user_id)
            .where(StepVote.item_id == item_id).order_by(StepVote.id))]


def test_two_secrecy_steps_then_a_countersignature_of_all(people: World) -> None:
    world, app = people, people.app
    _route(world, [*SECRECY_TWO_STEPS, APPROVAL_ALL])
    item_id = _submitted(world)
    bmb1, approver2 = world.actor("bmb1"), world.actor("approver2")
    with pytest.raises(Forbidden) as early:  # the 保密办 (who sees the item) decides once the head has passed it
        svc.pass_review(app, bmb1, item_id, checklist=CLEAR)
    assert early.value.code == "not_a_step_decider"
    svc.pass_review(app, world.reviewer, item_id, checklist=CLEAR)
    assert _state(world, item_id) == "secrecy_review"
    with pytest.raises(Forbidden):
        svc.pass_review(app, world.reviewer, item_id, checklist=CLEAR)
    with pytest.raises(ValidationFailed):  # the checklist is asked of every secrecy-review vote
        svc.transition(app, bmb1, item_id, "pass_review", {})
    svc.pass_review(app, bmb1, item_id, checklist=CLEAR)
    assert _state(world, item_id) == "approval"
    svc.approve(app, world.approver, item_id)
    assert _state(world, item_id) == "approval"
    with pytest.raises(Forbidden):
        svc.approve(app, world.approver, item_id)
    svc.approve(app, approver2, item_id)
    assert _state(world, item_id) == "published"
    assert _votes(world, item_id) == [(1, "reviewer"), (2, "bmb1"), (3, "approver"), (3, "approver2")]
    with app.db.read() as session:  # one decision row per trigger, as before routes
        kinds = session.scalars(select(Decision.kind).where(Decision.item_id == item_id).order_by(Decision.id)).all()
    assert kinds == ["pass_review", "pass_review", "approve", "approve"]


def test_quorum_of_two_needs_two_people(people: World) -> None:
    world, app = people, people.app
    _route(world, [_step("secrecy_review", "部门审核", "reviewer", 2), _step("approval", "审批", "approver")])
    item_id = _submitted(world)
    svc.pass_review(app, world.reviewer, item_id, checklist=CLEAR)
    assert _state(world, item_id) == "secrecy_review"
    svc.pass_review(app, world.actor("reviewer2"), item_id, checklist=CLEAR)
    assert _state(world, item_id) == "approval"


def test_nobody_votes_twice_across_stages(people: World) -> None:
    world, app = people, people.app
    _route(world, [_step("secrecy_review", "部门审核", "reviewer"), _step("approval", "审批", "approver")])
    item_id = _submitted(world)
    svc.pass_review(app, world.all_rounder, item_id, checklist=CLEAR)
    with pytest.raises(Forbidden) as caught:
        svc.approve(app, world.all_rounder, item_id)
    assert caught.value.code == "separation_of_duties"
    svc.approve(app, world.approver, item_id)
    assert _state(world, item_id) == "published"


def test_the_database_refuses_a_second_vote_on_a_revision(people: World) -> None:
    from workflow import route_votes
    world, app = people, people.app
    _route(world, [_step("secrecy_review", "部门审核", "reviewer", 2), _step("approval", "审批", "approver")])
    item_id = _submitted(world)
    svc.pass_review(app, world.reviewer, item_id, checklist=CLEAR)
    with app.db.read() as session:
        vote = session.scalars(select(StepVote).where(StepVote.item_id == item_id)).one()
        revision_id, at = vote.revision_id, vote.at
    with pytest.raises(Conflict) as caught:
        with app.db.write() as session:
            route_votes.record_vote(session, item_id=item_id, revision_id=revision_id, position=1,
                                    actor=world.reviewer, decision="pass_review", opinion=None, now=at)
    assert caught.value.code == "already_voted"
    assert len(_votes(world, item_id)) == 1


def test_the_author_never_votes(people: World) -> None:
    world, app = people, people.app
    _route(world, [_step("secrecy_review", "部门审核", "reviewer"), _step("approval", "审批", "approver")])
    item_id = _submitted(world, world.all_rounder)
    with pytest.raises(Forbidden) as caught:
        svc.pass_review(app, world.all_rounder, item_id, checklist=CLEAR)
    assert caught.value.code == "separation_of_duties"


def test_an_unreachable_step_refuses_the_submission(people: World) -> None:
    world, app = people, people.app
    # every reviewer of 学生处 must sign; all_rounder is one of them and writes the item
    _route(world, [_step("secrecy_review", "全体审核", "reviewer", "all"), _step("approval", "审批", "approver")])
    item = svc.create_item(app, world.all_rounder, item_payload())
    with pytest.raises(ValidationFailed) as caught:
        svc.submit(app, world.all_rounder, item.id)
    assert caught.value.code == "route_unreachable"
    assert "全体审核" in str(caught.value)
    assert caught.value.details["problems"][0]["step"] == 1
    assert _state(world, item.id) == "draft"
    with app.db.read() as session:
        assert session.scalar(select(ItemRouteSnapshot.id).where(ItemRouteSnapshot.item_id == item.id)) is None


def test_return_at_any_step_and_resubmission_starts_again(people: World) -> None:
    world, app = people, people.app
    _route(world, [*SECRECY_TWO_STEPS, _step("approval", "审批", "approver")])
    item_id = _submitted(world)
    svc.pass_review(app, world.reviewer, item_id, checklist=CLEAR)
    svc.return_item(app, world.actor("bmb1"), item_id, reason="请删去身份证号")
    assert _state(world, item_id) == "draft"
    svc.submit(app, world.drafter, item_id)
    with app.db.read() as session:
        snapshots = session.scalars(select(ItemRouteSnapshot.revision_id)
                                    .where(ItemRouteSnapshot.item_id == item_id)).all()
    assert len(set(snapshots)) == 2
    svc.pass_review(app, world.reviewer, item_id, checklist=CLEAR)  # a new revision: they vote again
    assert _state(world, item_id) == "secrecy_review"


def test_the_default_route_takes_no_snapshot_and_one_vote_moves(world: World) -> None:
    app = world.app
    item_id = _submitted(world)
    svc.pass_review(app, world.reviewer, item_id, checklist=CLEAR)
    assert _state(world, item_id) == "approval"
    with app.db.read() as session:
        assert session.scalar(select(ItemRouteSnapshot.id)) is None
        assert session.scalar(select(StepVote.id)) is None


def test_the_snapshot_keeps_the_route_as_submitted(people: World) -> None:
    world, app = people, people.app
    _route(world, [_step("secrecy_review", "部门审核", "reviewer", 2), _step("approval", "审批", "approver")])
    item_id = _submitted(world)
    route = route_service.list_routes(app, world.admin)[0]
    route_service.update_route(app, world.admin, route.id, {"name": route.name, "departments": ["xsc"], "steps": [
        _step("secrecy_review", "部门审核", "reviewer"), _step("approval", "审批", "approver")]}, route.version)
    svc.pass_review(app, world.reviewer, item_id, checklist=CLEAR)
    assert _state(world, item_id) == "secrecy_review"  # still two votes: the route it was submitted with


def test_the_buttons_follow_the_active_step(people: World) -> None:
    world, app = people, people.app
    _route(world, [*SECRECY_TWO_STEPS, _step("approval", "审批", "approver")])
    item_id = _submitted(world)
    bmb1 = world.actor("bmb1")

    def offered(actor: Any) -> set[str]:
        return {action.name for action in svc.item_actions(app, actor, svc.get_item(app, world.admin, item_id))}
    assert "pass_review" in offered(world.reviewer) and "pass_review" not in offered(bmb1)
    svc.pass_review(app, world.reviewer, item_id, checklist=CLEAR)
    assert "pass_review" not in offered(world.reviewer) and "return" in offered(world.reviewer)
    assert {"pass_review", "return"} <= offered(bmb1)


def test_a_voter_no_longer_finds_the_item_in_their_tasks(people: World) -> None:
    from workflow.services import queries
    world, app = people, people.app
    _route(world, [_step("secrecy_review", "部门审核", "reviewer", 2), _step("approval", "审批", "approver")])
    item_id = _submitted(world)

    def tasks(actor: Any) -> list[int]:
        return [item.id for item in queries.my_tasks(app, actor).items]
    assert item_id in tasks(world.reviewer)
    svc.pass_review(app, world.reviewer, item_id, checklist=CLEAR)
    assert item_id not in tasks(world.reviewer)
    assert item_id in tasks(world.actor("reviewer2"))
