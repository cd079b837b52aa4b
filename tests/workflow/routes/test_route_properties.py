"""Property test of review routes, on both databases (issue 13, docs/routes.md "Phase 2").

Random people (roles, department scope), a random route (1–3 steps per stage; deciders: the item's
department, a named department or named users; quorum any/all/N within who is eligible) and random
sequences of votes by random people, returns, rejections, withdrawals, edits and resubmissions.

Property, judged from the database rows alone (``step_votes``, ``item_route_snapshots``, ``revisions``,
``decisions``, the users' roles), never from the code under test: an item is never published or
scheduled unless every step of its published revision's route snapshot reached its quorum with distinct
people, each eligible for that step and none of them the revision's author, submitter or a contributor;
nobody votes twice on one revision; a stage is left only when all its steps are complete. Every refused
action leaves the item exactly as it was.
"""
from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select, update

from db.models import AuditEvent, Decision, Department, Item, ItemContributor, Revision, User
from db.models.org import UserRole, user_departments
from db.models.routes import ItemRouteSnapshot, ReviewRoute, StepVote
from tests.conftest import CLEAR, World, item_payload
from workflow.access import Actor
from workflow.clock import SHANGHAI
from workflow.errors import DomainError
from workflow.services import items as svc
from workflow.services import routes as route_service
from workflow.services.users import add_department, add_user

POOL = 8                      # the people drawn at random for each example: p0 … p7
ITEM_DEPARTMENT = "xsc"       # the items' department (the routes' scope)
NAMED_DEPARTMENTS = ("bmb", "jwc")
SCOPES = (("xsc",), ("xsc",), ("xsc",), ("bmb",), ("jwc",), ("xsc", "bmb"), ("xsc", "jwc"), ("*",))
ROLE_SETS = tuple(frozenset(r.split()) for r in (
    "reviewer", "approver", "reviewer approver", "drafter reviewer", "drafter approver", "drafter",
    "drafter reviewer approver", "reviewer", "approver", "reviewer", "approver", ""))
STAGE_ROLE = {"secrecy_review": "reviewer", "approval": "approver"}
STAGE_VOTE = {"secrecy_review": "pass_review", "approval": "approve"}
STAGE_SEND_BACK = {"secrecy_review": "return", "approval": "reject"}
VOTES = tuple(STAGE_VOTE.values())
DONE = ("published", "scheduled")
LATER = datetime(2025, 10, 10, 9, 0, tzinfo=SHANGHAI)  # an approval naming it schedules the item


@dataclass(frozen=True)
class Person:
    """One pool user's roles and scope for one example."""

    roles: frozenset[str]
    scope: tuple[str, ...]

    def acts_for(self, role: str, department: str) -> bool:
        return role in self.roles and ("*" in self.scope or department in self.scope)


def _enlist(people: list[Person], n: int, step: dict[str, Any]) -> None:
    """Make pool user ``n`` eligible for ``step``."""
    person = people[n]
    scope = person.scope
    if "users" in step:
        step["users"].append(f"p{n}")
    elif "*" not in scope and step.get("department", ITEM_DEPARTMENT) not in scope:
        scope = (*scope, step.get("department", ITEM_DEPARTMENT))
    people[n] = Person(person.roles | {step["role"]}, scope)


def _would_join_an_all(people: list[Person], n: int, step: dict[str, Any], earlier: list[dict[str, Any]]) -> bool:
    """Enlisting ``n`` for ``step`` would make them one more of an earlier ``all`` step (which then needs them)."""
    trial = list(people)
    _enlist(trial, n, {**step, "users": list(step["users"])} if "users" in step else step)
    return any(s["quorum"] == "all" and n in _eligible(s, trial) - _eligible(s, people) for s in earlier)


def _eligible(step: dict[str, Any], people: list[Person]) -> set[int]:
    """The pool users who may decide ``step`` for an item of 学生处."""
    role = step["role"]
    if "department" in step:
        return {i for i, p in enumerate(people) if p.acts_for(role, step["department"])}
    if "users" in step:
        return {int(u[1:]) for u in step["users"] if role in people[int(u[1:])].roles}
    return {i for i, p in enumerate(people) if p.acts_for(role, ITEM_DEPARTMENT)}


@st.composite
def route_steps(draw: st.DrawFn, people: list[Person], author: int | None) -> list[dict[str, Any]]:
    """1–3 steps per stage. The quorum is drawn within the people still free for the step (``reserved``:
    one way of staffing the earlier steps), so most routes can be saved. When nobody is free for a step,
    mostly someone not yet reserved is given what the step asks (role, scope or a place among its named
    users: ``people`` is changed in place); otherwise the step keeps a quorum of one and the route is
    refused when saved (then the default route applies: also worth checking). A pool ``author`` is never
    counted on: they may not vote on their item, though they may well be among a step's deciders."""
    steps: list[dict[str, Any]] = []
    reserved: set[int] = {author} if author is not None else set()
    for stage, label in (("secrecy_review", "保密审查"), ("approval", "审批")):
        for n in range(1, draw(st.sampled_from((1, 1, 2, 2, 3))) + 1):
            # mostly the stage's own role; now and then the other one (an approver in a secrecy step)
            other = STAGE_ROLE["approval" if stage == "secrecy_review" else "secrecy_review"]
            role = draw(st.sampled_from((STAGE_ROLE[stage],) * 4 + (other,)))
            step: dict[str, Any] = {"stage": stage, "name": f"{label}{n}", "role": role}
            kind = draw(st.sampled_from(("item_department", "item_department", "department", "users")))
            holders = [f"p{i}" for i, p in enumerate(people) if role in p.roles]
            if kind == "department":
                step["department"] = draw(st.sampled_from(NAMED_DEPARTMENTS))
            elif kind == "users" and holders:
                step["users"] = draw(st.lists(st.sampled_from(holders), min_size=1, max_size=3, unique=True))
            eligible = _eligible(step, people)
            spare = [i for i in range(POOL) if i not in reserved and i not in eligible
                     and not _would_join_an_all(people, i, step, steps)]
            if not eligible - reserved and spare and draw(st.integers(0, 9)):
                _enlist(people, draw(st.sampled_from(spare)), step)
                eligible = _eligible(step, people)
            free = sorted(eligible - reserved)
            quorum = draw(st.sampled_from(("any", "any", "all", "count")))
            if quorum == "all" and eligible and len(free) == len(eligible):
                taken = free
            elif quorum == "count" and free:
                taken = free[:draw(st.integers(1, len(free)))]
                quorum = len(taken)
            else:
                quorum = "any" if quorum != "all" or free else "all"
                taken = [draw(st.sampled_from(free))] if free else []
            reserved.update(taken)
            step["quorum"] = quorum
            steps.append(step)
    return steps


# Who acts: a pool user (0…POOL-1) or one of the world's drafters.
SOMEONE = st.integers(0, POOL - 1)
DRAFTING = st.sampled_from(("drafter", "drafter2")) | SOMEONE
ACTION = st.one_of(
    # most of the time the decision the item awaits: a vote on its stage by someone the test's own model
    # counts as a decider of the active step (so that items get far; the guards still judge), or a draft's
    # resubmission; approvals now and then name a later publication time (scheduled). Now and then such a
    # decider sends the item back instead (return, reject). Otherwise any of the triggers by anyone, to
    # probe the refusals.
    st.tuples(st.just("vote"), SOMEONE, st.booleans()),
    st.tuples(st.just("vote"), SOMEONE, st.just(False)),
    st.tuples(st.just("vote"), SOMEONE, st.just(False)),
    st.tuples(st.just("vote"), SOMEONE, st.just(False)),
    st.tuples(st.sampled_from(("send_back", "send_back", "pass_review", "approve", "return", "reject")), SOMEONE,
              st.just(False)),
    st.tuples(st.sampled_from(("withdraw", "submit", "edit")), DRAFTING, st.just(False)),
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[Person], Any, list[dict[str, Any]], list[tuple[str, Any, bool]]]:
    """This example's people, the item's author (the world's drafter or a pool user who then drafts for
    学生处 besides whatever else they do), the route's steps and the actions."""
    people = [Person(draw(st.sampled_from(ROLE_SETS)), draw(st.sampled_from(SCOPES))) for _ in range(POOL)]
    author = draw(st.none() | SOMEONE)
    if author is not None:
        person = people[author]
        people[author] = Person(person.roles | {"drafter"},
                                person.scope if {"*", ITEM_DEPARTMENT} & set(person.scope) else
                                (*person.scope, ITEM_DEPARTMENT))
    steps = draw(route_steps(people, author))  # may enlist people for its steps
    return people, "drafter" if author is None else author, steps, draw(st.lists(ACTION, min_size=4, max_size=20))


@pytest.fixture
def pool(world: World) -> World:
    """The world with the 保密办 and the pool users, whose roles and scopes each example sets. The world's own deciders
    are deactivated: only the pool decides, so every example's eligible people are the ones it drew."""
    add_department(world.app, "bmb", "保密办")
    for n in range(POOL):
        add_user(world.app, f"p{n}", roles=["reviewer"], departments=["xsc"])
    with world.app.db.write() as session:
        session.execute(update(User).where(User.username.in_(
            ("reviewer", "approver", "all_rounder", "other_reviewer"))).values(active=False))
    return world


def _set_people(world: World, people: list[Person]) -> None:
    """Give the pool users this example's roles and scopes; deactivate every route."""
    with world.app.db.write() as session:
        names = [f"p{n}" for n in range(POOL)]
        ids = dict(session.execute(select(User.username, User.id).where(User.username.in_(names))).all())
        departments = dict(session.execute(select(Department.code, Department.id)).all())
        pool_ids = [ids[name] for name in names]
        session.execute(delete(UserRole).where(UserRole.user_id.in_(pool_ids)))
        session.execute(delete(user_departments).where(user_departments.c.user_id.in_(pool_ids)))
        for user_id, person in zip(pool_ids, people):
            session.execute(update(User).where(User.id == user_id).values(all_departments="*" in person.scope))
            for role in person.roles:
                session.execute(insert(UserRole).values(user_id=user_id, role=role))
            for code in person.scope:
                if code != "*":
                    session.execute(insert(user_departments).values(user_id=user_id, department_id=departments[code]))
        session.execute(update(ReviewRoute).values(active=False))


def _fingerprint(world: World, item_id: int) -> tuple[Any, ...]:
    """What a refused action must not change: state, version, votes, decisions, audit events."""
    counts = [select(func.count()).select_from(model).where(model.item_id == item_id).scalar_subquery()
              for model in (StepVote, Decision, AuditEvent)]
    with world.app.db.read() as session:
        return tuple(session.execute(select(Item.state, Item.version, Item.revision, *counts)
                                     .where(Item.id == item_id)).one())


def _acts_as(user: User, role: str, department_id: int) -> bool:
    """``user`` holds ``role`` for the department, read from the user's rows (not ``Actor.acts_as``)."""
    return user.active and role in user.roles and (user.all_departments or department_id in user.department_ids)


def _check(world: World, item_id: int, route: list[dict[str, Any]] | None) -> None:
    """The property, on the item's rows. ``route``: the steps of the route it was submitted with (None:
    the route was refused when saved, so the default route applies)."""
    with world.app.db.read() as session:
        item = session.get(Item, item_id)
        votes = session.execute(select(StepVote.revision_id, StepVote.user_id, StepVote.step_position,
                                       StepVote.decision).where(StepVote.item_id == item_id)).all()
        decisions = session.execute(select(Decision.revision_id, Decision.actor_id, Decision.kind).where(
            Decision.item_id == item_id, Decision.kind.in_(VOTES))).all()
        # nobody votes twice on one revision, on the same step or another, as a vote row or a decision
        assert not [k for k, n in Counter((v.revision_id, v.user_id) for v in votes).items() if n > 1], votes
        assert not [k for k, n in Counter((d.revision_id, d.actor_id) for d in decisions).items() if n > 1], decisions
        # each vote row is a decision of the same person and trigger on the same revision
        assert {(v.revision_id, v.user_id, v.decision) for v in votes} <= set(decisions)
        if item.state not in ("secrecy_review", "approval", *DONE):
            return
        revision = session.scalar(select(Revision).where(Revision.item_id == item_id,
                                                         Revision.number == item.revision))
        snapshot = session.scalar(select(ItemRouteSnapshot.route).where(ItemRouteSnapshot.revision_id == revision.id))
        users = {u.id: u for u in session.scalars(select(User))}
        by_name = {u.username: u.id for u in users.values()}
        departments = dict(session.execute(select(Department.code, Department.id)).all())
        contributors = set(session.scalars(select(ItemContributor.user_id).where(ItemContributor.item_id == item_id)))
        excluded = {item.author_id, revision.submitted_by_id, *contributors}
        on_revision = [v for v in votes if v.revision_id == revision.id]
        cast = [d for d in decisions if d.revision_id == revision.id]
        # the stages the item has left: all of them once it is published or scheduled
        passed = {"secrecy_review": (), "approval": ("secrecy_review",)}.get(item.state, ("secrecy_review", "approval"))
        if route is None:  # the default route: one decision per stage, of the role in the item's department
            assert snapshot is None and not on_revision
            for stage in passed:
                deciders = [d.actor_id for d in cast if d.kind == STAGE_VOTE[stage]]
                assert len(deciders) == 1, (stage, cast)
                assert _acts_as(users[deciders[0]], STAGE_ROLE[stage], item.department_id)
                assert deciders[0] not in excluded
            return
        assert snapshot is not None, "a routed item in review without its route snapshot"
        assert [(s["stage"], s["name"], s["role"], s["quorum"]) for s in snapshot["steps"]] == \
            [(s["stage"], s["name"], s["role"], s["quorum"]) for s in route], "the snapshot is not the route"
        assert {(v.revision_id, v.user_id, v.decision) for v in on_revision} == set(cast)  # no vote without a row
        assert {v.step_position for v in on_revision} <= set(range(1, len(route) + 1))
        for position, step in enumerate(snapshot["steps"], 1):
            role = step["role"]
            if "department" in step:
                eligible = {u for u in users if _acts_as(users[u], role, departments[step["department"]])}
            elif "users" in step:  # named users holding the role, whatever their department
                eligible = {by_name[name] for name in step["users"]
                            if users[by_name[name]].active and role in users[by_name[name]].roles}
            else:
                eligible = {u for u in users if _acts_as(users[u], role, item.department_id)}
            needed = 1 if step["quorum"] == "any" else max(len(eligible), 1) if step["quorum"] == "all" \
                else int(step["quorum"])
            assert step["needed"] == needed, (step, eligible)
            voters = [v.user_id for v in on_revision if v.step_position == position]
            assert len(voters) <= needed, ("a step got more votes than it needs", step, voters)
            assert {v.decision for v in on_revision if v.step_position == position} <= {STAGE_VOTE[step["stage"]]}
            for voter in voters:
                assert voter in eligible, ("a vote by someone not eligible for the step", step, users[voter].username)
                assert voter not in excluded, ("the author, submitter or a contributor voted", step)
            if step["stage"] in passed:
                assert len(set(voters)) >= needed, (f"{item.state} before step {step['name']} reached its quorum",
                                                    step, voters)


def _actor(world: World, who: Any) -> Actor:
    return getattr(world, who) if isinstance(who, str) else world.actor(f"p{who}")


def _voter(world: World, item_id: int, people: list[Person], state: str, n: int) -> int:
    """The ``n``-th (cyclically) pool user who may decide the active step (by this example's people and the
    current revision's snapshot and votes; three times in four only those who have not voted on it yet); on
    the default route, those holding the stage's role. Any pool user when there is nobody: the guards
    decide either way."""
    step: dict[str, Any] = {"role": STAGE_ROLE.get(state, "reviewer")}
    with world.app.db.read() as session:
        revision_id = session.scalar(select(Revision.id).join(Item, Item.id == Revision.item_id).where(
            Revision.item_id == item_id, Revision.number == Item.revision))
        snapshot = session.scalar(select(ItemRouteSnapshot.route).where(ItemRouteSnapshot.revision_id == revision_id))
        votes = session.execute(select(StepVote.step_position, User.username).join(User, User.id == StepVote.user_id)
                                .where(StepVote.revision_id == revision_id)).all()
    cast = Counter(v.step_position for v in votes)
    if snapshot is not None:
        step = next((s for position, s in enumerate(snapshot["steps"], 1)
                     if s["stage"] == state and cast[position] < s["needed"]), step)
    deciders = sorted(_eligible(step, people))
    if n % 4:
        deciders = [i for i in deciders if f"p{i}" not in {v.username for v in votes}]
    return deciders[n % len(deciders)] if deciders else n


def test_no_item_is_published_before_every_step_reached_its_quorum(pool: World) -> None:
    world, app = pool, pool.app
    names = itertools.count(1)

    @settings(max_examples=30, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(scenario=scenarios())
    def check(scenario: tuple[list[Person], Any, list[dict[str, Any]], list[tuple[str, Any, bool]]]) -> None:
        people, author, steps, actions = scenario
        _set_people(world, people)
        body = {"name": f"路线{next(names)}", "departments": [ITEM_DEPARTMENT], "steps": steps}
        route: list[dict[str, Any]] | None = steps
        try:
            route_service.create_route(app, world.admin, body)
        except DomainError as refused:  # the drawn people cannot staff it: the default route applies
            event(f"route refused: {refused.code}")
            route = None
        actors = {who: _actor(world, who) for who in ("drafter", "drafter2", *range(POOL))}  # as set above
        item_id = svc.create_item(app, actors[author], item_payload()).id
        after = _fingerprint(world, item_id)
        for kind, who, later in [("submit", author, False), *actions]:
            before = after  # nothing else changes the item between two actions
            trigger = kind
            if before[0] in DONE:
                break  # nothing drawn here moves a published or scheduled item any more
            if kind == "vote" and before[0] == "draft":  # the decision a draft awaits: its resubmission
                trigger, who = "submit", author
            elif kind in ("vote", "send_back") and before[0] in STAGE_VOTE:
                trigger = (STAGE_VOTE if kind == "vote" else STAGE_SEND_BACK)[before[0]]
                who = _voter(world, item_id, people, before[0], who)
            elif kind == "send_back":
                trigger = "return"
            actor = actors[who]
            try:
                if trigger == "edit":
                    svc.update_item(app, actor, item_id, {"body": f"由 {actor.username} 修改"})
                elif trigger == "pass_review":
                    svc.pass_review(app, actor, item_id, checklist=CLEAR)
                elif trigger == "approve":
                    svc.approve(app, actor, item_id, publish_at=LATER if later else None)
                elif trigger in ("return", "reject"):
                    svc.transition(app, actor, item_id, trigger, {"reason": "请修改"})
                else:
                    svc.transition(app, actor, item_id, trigger)
            except DomainError:
                after = _fingerprint(world, item_id)
                assert after == before, f"a refused {trigger} changed the item"
            else:
                after = _fingerprint(world, item_id)
                assert after[1] == before[1] + 1  # one write of the item per action
                if trigger in VOTES and route is not None:
                    assert after[3] == before[3] + 1  # a vote on a routed revision is one step_votes row
            _check(world, item_id, route)
        event(f"final state: {after[0]}{'' if route else ' (default route)'}")

    check()
