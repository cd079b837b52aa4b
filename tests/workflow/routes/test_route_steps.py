"""Phase 2b: the active step in SQL — task lists, who holds the item, visibility, per-step deadlines and
reminders — on both databases."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from db.models import Item, Notification, Reminder, User
from tests.conftest import CLEAR, World, item_payload
from tests.workflow.routes import test_route_votes as phase2
from tests.workflow.routes.test_route_votes import _step
from workflow.clock import SHANGHAI
from workflow.errors import Forbidden, NotFound
from workflow.reminders import sweep
from workflow.services import items as svc
from workflow.services import queries
from workflow.services import routes as route_service

people = phase2.people  # the fixture: the world plus the 保密办 and second reviewer/approver
ROUTE = [_step("secrecy_review", "部门负责人审核", "reviewer"),
         _step("secrecy_review", "保密办复审", "reviewer", department="bmb", workdays=4),
         _step("approval", "校领导会签", "approver", "all", users=["approver", "approver2"])]


def _at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=SHANGHAI)


def _route(world: World, steps: list[dict[str, Any]] = ROUTE) -> None:
    route_service.create_route(world.app, world.admin, {"name": "学生处路线", "departments": ["xsc"], "steps": steps})


def _submitted(world: World, **fields: Any) -> int:
    item = svc.create_item(world.app, world.drafter, item_payload(**fields))
    svc.submit(world.app, world.drafter, item.id)
    return item.id


def _item(world: World, item_id: int) -> Item:
    with world.app.db.read() as session:
        return session.get(Item, item_id)


def _tasks(world: World, username: str) -> list[int]:
    return [i.id for i in queries.my_tasks(world.app, world.actor(username)).items]


def _inbox(world: World, username: str) -> list[str]:
    with world.app.db.read() as session:
        return list(session.scalars(select(Notification.kind).join(User, User.id == Notification.user_id)
                                    .where(User.username == username).order_by(Notification.id)))


def test_task_lists_follow_the_active_step(people: World) -> None:
    world, app = people, people.app
    _route(world)
    item_id = _submitted(world)
    # step 1 is the department's: the 保密办 does not see it in its tasks yet; the department does
    assert item_id in _tasks(world, "reviewer") and item_id in _tasks(world, "reviewer2")
    assert item_id not in _tasks(world, "bmb1")
    svc.pass_review(app, world.reviewer, item_id, checklist=CLEAR)
    # step 2 is the 保密办's (another department): theirs now, no longer the department reviewers'
    assert item_id in _tasks(world, "bmb1")
    assert item_id not in _tasks(world, "reviewer2") and item_id not in _tasks(world, "reviewer")
    svc.pass_review(app, world.actor("bmb1"), item_id, checklist=CLEAR)
    assert _item(world, item_id).state == "approval"
    assert item_id in _tasks(world, "approver") and item_id in _tasks(world, "approver2")
    svc.approve(app, world.approver, item_id)
    assert item_id not in _tasks(world, "approver") and item_id in _tasks(world, "approver2")
    assert item_id not in _tasks(world, "all_rounder")  # an approver of xsc, but not named by the 会签


def test_task_list_matches_permission_on_every_step(people: World) -> None:
    world, app = people, people.app
    _route(world)
    item_id = _submitted(world)
    names = ["reviewer", "reviewer2", "bmb1", "approver", "approver2", "all_rounder", "other_reviewer", "admin"]
    votes = [("reviewer", "pass_review"), ("bmb1", "pass_review"), ("approver2", "approve")]
    for voter, trigger in [*votes, (None, None)]:
        item = svc.get_item(app, world.admin, item_id)
        for name in names:
            who = world.actor(name)
            listed = item_id in _tasks(world, name)
            permitted = bool({"pass_review", "approve"} & svc.available_actions(app, who, item)) \
                if svc.internal_view(app, who, item) else False
            assert listed == permitted, (name, voter)
        if voter is not None:
            svc.transition(app, world.actor(voter), item_id, trigger,
                           {"checklist": CLEAR} if trigger == "pass_review" else {})


def test_deciders_from_another_department_see_the_item_others_do_not(people: World) -> None:
    world, app = people, people.app
    _route(world)
    item_id = _submitted(world)
    bmb1 = world.actor("bmb1")
    assert svc.get_item(app, bmb1, item_id).id == item_id  # a later step's decider sees it already
    assert svc.internal_view(app, bmb1, item_id and svc.get_item(app, bmb1, item_id))
    assert queries.item_history(app, bmb1, item_id)  # internals: the history, as the department sees it
    with pytest.raises(NotFound):  # 教务处's reviewer decides nothing on this route
        svc.get_item(app, world.other_reviewer, item_id)
    with pytest.raises(NotFound):
        queries.item_history(app, world.other_reviewer, item_id)
    with pytest.raises(Forbidden):  # seeing is not deciding: the 保密办's step is not active yet
        svc.pass_review(app, bmb1, item_id, checklist=CLEAR)


def test_each_step_has_its_own_due_date_and_reminders(people: World, clock: Any) -> None:
    world, app = people, people.app
    _route(world)
    clock.set(_at(11, 3))  # Monday
    item_id = _submitted(world, formed_on="2025-11-03")
    first = _item(world, item_id)
    # step 1 has the stage's budget (3 working days: no other step shares it); step 2 its own 4
    assert first.route_step == 1 and first.stage_due.astimezone(SHANGHAI).date().isoformat() == "2025-11-06"
    assert _inbox(world, "reviewer2") == ["step_active"] and _inbox(world, "bmb1") == []
    clock.set(_at(11, 4))
    svc.pass_review(app, world.reviewer, item_id, checklist=CLEAR)
    second = _item(world, item_id)
    assert second.state == "secrecy_review" and second.route_step == 2
    assert second.stage_entry == first.stage_entry + 1
    assert second.stage_due.astimezone(SHANGHAI).date().isoformat() == "2025-11-10"
    assert second.reviewed_by_id is None  # the stage is not decided until its last step is
    assert _inbox(world, "bmb1") == ["step_active"]
    with app.db.read() as session:
        rungs = session.execute(select(Reminder.stage_entry, Reminder.state).where(Reminder.item_id == item_id)).all()
    assert {state for entry, state in rungs if entry == first.stage_entry} == {"cancelled"}
    assert {state for entry, state in rungs if entry == second.stage_entry} == {"pending"}
    clock.set(_at(11, 11, 9))  # the 保密办's step ended on 11-10
    told = {n.rung: n.recipients for n in sweep(app).notices}
    # who still owes the step a vote (the 保密办), and the department head; never the department's
    # reviewers whose step is done
    assert set(told) == {"due_soon", "overdue"}
    assert "bmb1" in told["overdue"] and "reviewer2" not in told["overdue"] and "bmb1" in told["due_soon"]
    assert sweep(app).notices == []  # exactly once


def test_an_earlier_approval_vote_does_not_approve(people: World) -> None:
    world, app = people, people.app
    _route(world, [_step("secrecy_review", "部门审核", "reviewer"),
                   _step("approval", "处长审批", "approver", users=["approver"]),
                   _step("approval", "校领导审批", "approver", users=["approver2"])])
    item_id = _submitted(world)
    svc.pass_review(app, world.reviewer, item_id, checklist=CLEAR)
    svc.approve(app, world.approver, item_id, publish_at="2030-01-01T09:00:00+08:00")
    waiting = _item(world, item_id)
    assert waiting.state == "approval" and waiting.route_step == 3
    assert waiting.approved_by_id is None and waiting.publish_at is None
    svc.approve(app, world.actor("approver2"), item_id)
    done = _item(world, item_id)
    assert done.state == "published" and done.route_step is None
    assert done.approved_by_id == world.actor("approver2").id


def test_return_clears_the_active_step_and_resubmission_starts_again(people: World) -> None:
    world, app = people, people.app
    _route(world)
    item_id = _submitted(world)
    svc.pass_review(app, world.reviewer, item_id, checklist=CLEAR)
    svc.return_item(app, world.actor("bmb1"), item_id, reason="请删除身份证号")
    assert _item(world, item_id).route_step is None and _item(world, item_id).state == "draft"
    svc.submit(app, world.drafter, item_id)
    again = _item(world, item_id)
    assert again.route_step == 1 and item_id in _tasks(world, "reviewer") and item_id not in _tasks(world, "bmb1")
