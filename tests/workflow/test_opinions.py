"""Opinions on every decision (issue 14), on both databases: stored with the decision, the route vote and the
audit event; required where a reason is (return, reject: the reason is the opinion); refused when hostile,
with nothing changed."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import AuditEvent, Decision, Item
from db.models.routes import StepVote
from tests.conftest import CLEAR, World, item_payload
from tests.workflow.routes.test_route_votes import APPROVAL_ALL, SECRECY_TWO_STEPS, _route, people  # noqa: F401
from workflow import route_votes
from workflow.errors import ValidationFailed
from workflow.item_spec import spec_of
from workflow.services import items as svc
from workflow.services import queries


def _in_review(world: World) -> int:
    item = svc.create_item(world.app, world.drafter, item_payload())
    svc.submit(world.app, world.drafter, item.id)
    return item.id


def _in_approval(world: World) -> int:
    item_id = _in_review(world)
    svc.pass_review(world.app, world.reviewer, item_id, checklist=CLEAR)
    return item_id


def _decision(world: World, item_id: int, kind: str) -> Decision:
    with world.app.db.read() as session:
        return session.scalars(select(Decision).where(Decision.item_id == item_id, Decision.kind == kind)
                               .order_by(Decision.id.desc())).first()


def _last_event(world: World, item_id: int) -> dict[str, Any]:
    return queries.item_history(world.app, world.admin, item_id)[-1]


def _snapshot(world: World, item_id: int) -> tuple[Any, ...]:
    """What a refused decision must leave as it was: state, version, decisions, votes, audit events."""
    with world.app.db.read() as session:
        item = session.get(Item, item_id)
        return (item.state, item.version,
                session.scalar(select(func.count()).select_from(Decision).where(Decision.item_id == item_id)),
                session.scalar(select(func.count()).select_from(StepVote).where(StepVote.item_id == item_id)),
                session.scalar(select(func.count()).select_from(AuditEvent)))


# -- each trigger stores and shows its opinion ---------------------------------------------------------------

def test_a_pass_and_an_approval_keep_their_opinions(world: World) -> None:
    app = world.app
    item_id = _in_review(world)
    svc.transition(app, world.reviewer, item_id, "pass_review",
                   {"checklist": CLEAR, "opinion": "经审查，不涉及个人隐私。\n同意公开"})
    assert _decision(world, item_id, "pass_review").opinion == "经审查，不涉及个人隐私。\n同意公开"
    assert _last_event(world, item_id)["data"]["opinion"] == "经审查，不涉及个人隐私。\n同意公开"
    svc.transition(app, world.approver, item_id, "approve", {"opinion": "  同意，按期发布  "})
    assert _decision(world, item_id, "approve").opinion == "同意，按期发布"   # trimmed
    event = _last_event(world, item_id)
    assert (event["trigger"], event["data"]["opinion"]) == ("approve", "同意，按期发布")


def test_an_opinion_stays_optional_on_a_pass_and_an_approval(world: World) -> None:
    item_id = _in_approval(world)
    svc.approve(world.app, world.approver, item_id)
    assert _decision(world, item_id, "pass_review").opinion is None
    assert _decision(world, item_id, "approve").opinion is None
    assert "opinion" not in _last_event(world, item_id)["data"]


@pytest.mark.parametrize("name", ["reason", "opinion"])
def test_a_return_and_a_rejection_take_the_reason_as_their_opinion(world: World, name: str) -> None:
    app = world.app
    item_id = _in_review(world)
    svc.transition(app, world.reviewer, item_id, "return", {name: "请删除个人身份信息后重新提交"})
    returned = _decision(world, item_id, "return")
    assert (returned.reason, returned.opinion) == ("请删除个人身份信息后重新提交",) * 2
    event = _last_event(world, item_id)
    assert (event["reason"], event["data"]["opinion"]) == ("请删除个人身份信息后重新提交",) * 2

    svc.submit(app, world.drafter, item_id)
    svc.pass_review(app, world.reviewer, item_id, checklist=CLEAR)
    svc.transition(app, world.approver, item_id, "reject", {name: "暂缓公开"})
    rejected = _decision(world, item_id, "reject")
    assert (rejected.reason, rejected.opinion) == ("暂缓公开", "暂缓公开")
    with app.db.read() as session:
        assert session.get(Item, item_id).state == "draft"


def test_reason_and_opinion_together_must_be_one_text(world: World) -> None:
    item_id = _in_review(world)
    svc.transition(world.app, world.reviewer, item_id, "return", {"reason": "请补充法律依据", "opinion": "请补充法律依据"})
    assert _decision(world, item_id, "return").opinion == "请补充法律依据"
    svc.submit(world.app, world.drafter, item_id)
    before = _snapshot(world, item_id)
    with pytest.raises(ValidationFailed) as caught:
        svc.transition(world.app, world.reviewer, item_id, "return", {"reason": "请补充法律依据", "opinion": "同意公开"})
    assert caught.value.code == "conflicting_fields" and "审查意见" in caught.value.message
    assert _snapshot(world, item_id) == before


@pytest.mark.parametrize(("trigger", "stage"), [("return", "review"), ("reject", "approval")])
@pytest.mark.parametrize("payload", [{}, {"reason": "   "}, {"opinion": " \n "}, {"reason": None, "opinion": ""}])
def test_a_return_and_a_rejection_need_an_opinion(world: World, trigger: str, stage: str,
                                                   payload: dict[str, Any]) -> None:
    item_id = _in_review(world) if stage == "review" else _in_approval(world)
    who = world.reviewer if stage == "review" else world.approver
    before = _snapshot(world, item_id)
    with pytest.raises(ValidationFailed) as caught:
        svc.transition(world.app, who, item_id, trigger, payload)
    assert caught.value.code == "reason_required"
    assert caught.value.message == ("请填写审查意见" if stage == "review" else "请填写审批意见")
    assert _snapshot(world, item_id) == before


HOSTILE = [("\x07同意", "invalid_value", "控制字符"), ("同意\x00公开", "invalid_value", "控制字符"),
           ("\x1b[31m同意", "invalid_value", "控制字符"), ("意" * 2001, "too_long", "最多 2000 个字符"),
           (" " + "意" * 2000, "too_long", "最多 2000 个字符"), (["同意"], "invalid_type", "必须是文本"),
           (42, "invalid_type", "必须是文本")]


@pytest.mark.parametrize(("text", "code", "words"), HOSTILE)
@pytest.mark.parametrize("trigger", ["pass_review", "return", "approve", "reject"])
def test_a_hostile_opinion_is_refused_and_changes_nothing(world: World, trigger: str, text: Any, code: str,
                                                          words: str) -> None:
    in_review = trigger in ("pass_review", "return")
    item_id = _in_review(world) if in_review else _in_approval(world)
    who = world.reviewer if in_review else world.approver
    payload: dict[str, Any] = {"opinion": text, **({"checklist": CLEAR} if trigger == "pass_review" else {})}
    before = _snapshot(world, item_id)
    with pytest.raises(ValidationFailed) as caught:
        svc.transition(world.app, who, item_id, trigger, payload)
    assert caught.value.code == code and words in caught.value.message
    assert ("审查意见" if in_review else "审批意见") in caught.value.message
    assert _snapshot(world, item_id) == before


def test_an_opinion_of_exactly_2000_characters_with_line_breaks_is_kept(world: World) -> None:
    item_id = _in_review(world)
    text = ("同意公开。\n\t" * 400)[:2000].rstrip()
    svc.transition(world.app, world.reviewer, item_id, "pass_review", {"checklist": CLEAR, "opinion": text})
    assert _decision(world, item_id, "pass_review").opinion == text


def test_no_opinion_on_a_trigger_that_decides_nothing(world: World) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload())
    with pytest.raises(ValidationFailed) as caught:
        svc.transition(world.app, world.drafter, item.id, "submit", {"opinion": "请审查"})
    assert caught.value.code == "unexpected_field"


# -- route votes ---------------------------------------------------------------------------------------------

def test_each_route_vote_keeps_its_opinion(people: World) -> None:  # noqa: F811
    world, app = people, people.app
    _route(world, [*SECRECY_TWO_STEPS, APPROVAL_ALL])
    item_id = _in_review(world)
    svc.transition(app, world.reviewer, item_id, "pass_review", {"checklist": CLEAR, "opinion": "部门审核：同意"})
    svc.transition(app, world.actor("bmb1"), item_id, "pass_review", {"checklist": CLEAR})
    svc.transition(app, world.approver, item_id, "approve", {"opinion": "同意，按期发布"})
    with app.db.read() as session:
        item = session.get(Item, item_id)
        route = route_votes.route_json(spec_of(app), session, item)  # before the last vote: still in approval
    votes = [(v["user"], v["opinion"]) for step in route["steps"] for v in step["votes"]]
    assert votes == [("reviewer", "部门审核：同意"), ("bmb1", None), ("approver", "同意，按期发布")]
    svc.transition(app, world.actor("approver2"), item_id, "approve", {"opinion": "同意"})
    with app.db.read() as session:
        stored = session.execute(select(StepVote.step_position, StepVote.opinion).where(StepVote.item_id == item_id)
                                 .order_by(StepVote.id)).all()
    assert [tuple(row) for row in stored] == [(1, "部门审核：同意"), (2, None), (3, "同意，按期发布"), (3, "同意")]
    history = queries.item_history(app, world.admin, item_id)
    assert [(e["data"].get("step"), e["data"].get("opinion")) for e in history if e["trigger"] == "approve"] == \
        [("校领导会签", "同意，按期发布"), ("校领导会签", "同意")]


def test_a_hostile_route_vote_is_refused_and_leaves_no_vote(people: World) -> None:  # noqa: F811
    world, app = people, people.app
    _route(world, [*SECRECY_TWO_STEPS, APPROVAL_ALL])
    item_id = _in_review(world)
    before = _snapshot(world, item_id)
    with pytest.raises(ValidationFailed):
        svc.transition(app, world.reviewer, item_id, "pass_review", {"checklist": CLEAR, "opinion": "同\x0b意"})
    assert _snapshot(world, item_id) == before


def test_the_default_route_shows_the_decisions_opinions_as_votes(world: World) -> None:
    app = world.app
    item_id = _in_review(world)
    svc.transition(app, world.reviewer, item_id, "pass_review", {"checklist": CLEAR, "opinion": "同意公开"})
    with app.db.read() as session:
        route = route_votes.route_json(spec_of(app), session, session.get(Item, item_id))
    review, approval = route["steps"]
    assert [(v["user"], v["opinion"]) for v in review["votes"]] == [("reviewer", "同意公开")]
    assert approval["votes"] == []
