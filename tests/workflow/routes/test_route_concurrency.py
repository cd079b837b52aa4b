"""Concurrent votes on a route, on both databases (docs/routes.md, "Concurrent votes").

Two people cast the last two votes an ``all`` step (会签) needs at the same moment: both votes count,
the stage advances exactly once, and the audit trail has one event per vote. A vote (not pinned to a
version) that another vote overtook is judged again on what is committed, so the second voter completes
the stage rather than losing their vote to a 409; a retried vote that is no longer allowed gets the
refusal it would have got had it come a moment later; a vote pinned to the version its voter saw is not
retried. Threads released by a barrier race as they may (PostgreSQL: both read before either commits,
SQLite: the write lock queues them); one test forces the interleaving with a pause between reading the
item and reading its votes.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from db.models import AuditEvent, Decision, Item
from db.models.routes import StepVote
from tests.conftest import CLEAR, World, item_payload
from workflow import audit
from workflow.access import Actor
from workflow.errors import DomainError, InvalidState, StaleVersion
from workflow.services import items as svc
from workflow.services import routes as route_service
from workflow.services.users import add_department, add_user

ROUNDS = 3  # races per test: each is a fresh item, so a lost vote shows up in any of them


def _step(stage: str, name: str, role: str, quorum: Any = "any", **who: Any) -> dict[str, Any]:
    return {"stage": stage, "name": name, "role": role, "quorum": quorum, **who}


# The 会签 under test, in either stage; the other stage is one plain step.
COUNTERSIGN = {
    "secrecy_review": [_step("secrecy_review", "保密会签", "reviewer", "all", users=["reviewer", "reviewer2"]),
                       _step("approval", "审批", "approver")],
    "approval": [_step("secrecy_review", "保密审查", "reviewer"),
                 _step("approval", "校领导会签", "approver", "all", users=["approver", "approver2"])],
}


@pytest.fixture
def people(world: World) -> World:
    """Besides the world: a second reviewer and a second approver in 学生处."""
    add_user(world.app, "reviewer2", roles=["reviewer"], departments=["xsc"], password="password-123")
    add_user(world.app, "approver2", roles=["approver"], departments=["xsc"], password="password-123")
    return world


def _race(calls: list[Callable[[], Any]]) -> list[str]:
    """Run ``calls`` in threads released together; each outcome is ``ok`` or the domain error's class."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            call()
            result = "ok"
        except DomainError as error:
            result = f"{type(error).__name__}:{error.code}"
        except Exception as error:  # anything else is a bug worth seeing
            result = f"error: {error!r}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def _vote(world: World, stage: str, actor: Actor, item_id: int) -> Callable[[], Any]:
    if stage == "secrecy_review":
        return lambda: svc.pass_review(world.app, actor, item_id, checklist=CLEAR)
    return lambda: svc.approve(world.app, actor, item_id)


def _in_stage(world: World, stage: str) -> int:
    item = svc.create_item(world.app, world.drafter, item_payload())
    svc.submit(world.app, world.drafter, item.id)
    if stage == "approval":
        svc.pass_review(world.app, world.all_rounder, item.id, checklist=CLEAR)
    return item.id


def _facts(world: World, item_id: int, trigger: str) -> tuple[str, int, int, int, list[str | None]]:
    """State, version, vote rows, decision rows of ``trigger``, and the ``trigger`` audit events' target
    states (in order)."""
    with world.app.db.read() as session:
        item = session.get(Item, item_id)
        votes = session.scalar(select(func.count(StepVote.id)).where(StepVote.item_id == item_id))
        decisions = session.scalar(select(func.count(Decision.id)).where(Decision.item_id == item_id,
                                                                         Decision.kind == trigger))
        events = list(session.scalars(select(AuditEvent.to_state).where(
            AuditEvent.item_id == item_id, AuditEvent.action == trigger).order_by(AuditEvent.seq)))
        assert audit.verify(session).ok
        return item.state, item.version, votes, decisions, events


@pytest.mark.parametrize("stage", ["secrecy_review", "approval"])
def test_two_last_votes_at_once_both_count_and_the_stage_advances_once(people: World, stage: str) -> None:
    world = people
    route_service.create_route(world.app, world.admin, {"name": "会签路线", "departments": ["xsc"],
                                                        "steps": COUNTERSIGN[stage]})
    trigger, next_state = ("pass_review", "approval") if stage == "secrecy_review" else ("approve", "published")
    voters = [world.reviewer, world.actor("reviewer2")] if stage == "secrecy_review" \
        else [world.approver, world.actor("approver2")]
    for _ in range(ROUNDS):
        item_id = _in_stage(world, stage)
        before = _facts(world, item_id, trigger)
        outcomes = _race([_vote(world, stage, voter, item_id) for voter in voters])
        assert outcomes == ["ok", "ok"], outcomes
        state, version, votes, decisions, events = _facts(world, item_id, trigger)
        assert state == next_state
        assert votes - before[2] == 2  # both votes recorded
        assert decisions - before[3] == 2
        # one audit event per vote: the first keeps the stage, the second moves it on (exactly once)
        assert events[len(before[4]):] == [stage, next_state]
        assert version == before[1] + 2  # each vote one write of the item, none lost


def test_a_retried_vote_that_is_no_longer_allowed_is_refused_as_such(people: World) -> None:
    """Two reviewers race for a one-vote step: one moves the item on, the other is told the item has left
    secrecy review (InvalidState), not asked to retry (StaleVersion); nothing of theirs is recorded."""
    world = people
    route_service.create_route(world.app, world.admin, {"name": "单人路线", "departments": ["xsc"], "steps": [
        _step("secrecy_review", "保密审查", "reviewer"), _step("approval", "审批", "approver")]})
    for _ in range(ROUNDS):
        item_id = _in_stage(world, "secrecy_review")
        before = _facts(world, item_id, "pass_review")
        outcomes = _race([_vote(world, "secrecy_review", voter, item_id)
                          for voter in (world.reviewer, world.actor("reviewer2"))])
        assert sorted(outcomes) == sorted(["ok", f"{InvalidState.__name__}:invalid_state"]), outcomes
        state, version, votes, decisions, events = _facts(world, item_id, "pass_review")
        assert (state, version, votes - before[2], decisions - before[3]) == ("approval", before[1] + 1, 1, 1)
        assert events[len(before[4]):] == ["approval"]


def test_a_vote_committed_while_another_is_being_judged(people: World) -> None:
    """The interleaving forced: B has read the item and is about to read the votes when A votes.

    PostgreSQL: A commits meanwhile, and each statement sees what is committed when it starts, so B must
    not judge A's vote against the item as it was before it (that said "not a decider of the active step"
    of a step already complete): B is judged again on both and told the item has left secrecy review.
    SQLite: B's transaction holds the write lock from its first read (BEGIN IMMEDIATE), so A cannot commit
    until B has; then A is the one told."""
    world = people
    route_service.create_route(world.app, world.admin, {"name": "单人路线", "departments": ["xsc"], "steps": [
        _step("secrecy_review", "保密审查", "reviewer"), _step("approval", "审批", "approver")]})
    item_id = _in_stage(world, "secrecy_review")
    judging, go_on = threading.Event(), threading.Event()
    b_thread: list[int] = []
    outcomes: dict[str, str] = {}

    def pause_before_reading_votes(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if threading.get_ident() in b_thread and "step_votes" in statement and not judging.is_set():
            judging.set()
            go_on.wait(30)

    def vote(name: str, actor: Actor) -> None:
        if name == "B":
            b_thread.append(threading.get_ident())
        try:
            svc.pass_review(world.app, actor, item_id, checklist=CLEAR)
            outcomes[name] = "ok"
        except DomainError as error:
            outcomes[name] = f"{type(error).__name__}:{error.code}"

    engine = world.app.db.engine
    sa_event.listen(engine, "before_cursor_execute", pause_before_reading_votes)
    try:
        b = threading.Thread(target=vote, args=("B", world.actor("reviewer2")))
        b.start()
        assert judging.wait(30), "B never read the votes"
        a = threading.Thread(target=vote, args=("A", world.reviewer))
        a.start()
        # PostgreSQL: A commits now; SQLite: A waits for B's write lock (busy timeout 30 s)
        a.join(30 if world.app.db.is_postgres else 1.0)
        assert a.is_alive() is not world.app.db.is_postgres
        go_on.set()
        a.join(60)
        b.join(60)
    finally:
        sa_event.remove(engine, "before_cursor_execute", pause_before_reading_votes)
    first, second = ("A", "B") if world.app.db.is_postgres else ("B", "A")
    assert outcomes == {first: "ok", second: f"{InvalidState.__name__}:invalid_state"}
    state, _version, votes, _decisions, events = _facts(world, item_id, "pass_review")
    assert (state, votes, events) == ("approval", 1, ["approval"])


def test_a_retried_vote_on_a_step_that_is_no_longer_theirs_is_refused(people: World) -> None:
    """Two reviewers of 学生处 race for its one-vote step; the next step is the 保密办's. The loser is told they
    do not decide the step now active (403) — their vote does not land on the 保密办's step."""
    world = people
    add_department(world.app, "bmb", "保密办")
    add_user(world.app, "bmb1", roles=["reviewer"], departments=["bmb"], password="password-123")
    route_service.create_route(world.app, world.admin, {"name": "两级审查", "departments": ["xsc"], "steps": [
        _step("secrecy_review", "部门负责人审核", "reviewer"), _step("secrecy_review", "保密办复审", "reviewer",
                                                                 department="bmb"),
        _step("approval", "审批", "approver")]})
    for _ in range(ROUNDS):
        item_id = _in_stage(world, "secrecy_review")
        outcomes = _race([_vote(world, "secrecy_review", voter, item_id)
                          for voter in (world.reviewer, world.actor("reviewer2"))])
        assert sorted(outcomes) == ["Forbidden:not_a_step_decider", "ok"], outcomes
        state, _version, votes, _decisions, events = _facts(world, item_id, "pass_review")
        assert (state, votes, events) == ("secrecy_review", 1, ["secrecy_review"])


def test_the_same_person_voting_twice_at_once_is_told_they_voted(people: World) -> None:
    """A double submission: one vote counts, the other is refused for separation of duties (403), never a
    second vote and never a bare "retry" (409 stale)."""
    world = people
    route_service.create_route(world.app, world.admin, {"name": "会签路线", "departments": ["xsc"],
                                                        "steps": COUNTERSIGN["secrecy_review"]})
    for _ in range(ROUNDS):
        item_id = _in_stage(world, "secrecy_review")
        outcomes = _race([_vote(world, "secrecy_review", world.reviewer, item_id) for _ in range(2)])
        assert sorted(outcomes) == ["Forbidden:separation_of_duties", "ok"], outcomes
        assert not any(StaleVersion.__name__ in outcome for outcome in outcomes)
        state, _version, votes, decisions, _events = _facts(world, item_id, "pass_review")
        assert (state, votes, decisions) == ("secrecy_review", 1, 1)


def test_votes_pinned_to_the_version_they_saw_are_not_retried(people: World) -> None:
    """With the version the voter saw (the item page's buttons, an API ``If-Match``) the vote means "on what I
    saw": the one overtaken is refused as stale (409) on both databases, and only the other is recorded."""
    world = people
    route_service.create_route(world.app, world.admin, {"name": "会签路线", "departments": ["xsc"],
                                                        "steps": COUNTERSIGN["approval"]})
    item_id = _in_stage(world, "approval")
    seen = _facts(world, item_id, "approve")
    outcomes = _race([lambda voter=voter: svc.approve(world.app, voter, item_id, expected_version=seen[1])
                      for voter in (world.approver, world.actor("approver2"))])
    assert sorted(outcomes) == ["StaleVersion:stale_version", "ok"], outcomes
    state, version, votes, decisions, events = _facts(world, item_id, "approve")
    assert (state, version, votes - seen[2], decisions - seen[3]) == ("approval", seen[1] + 1, 1, 1)
