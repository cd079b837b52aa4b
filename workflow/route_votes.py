"""Routes in the item workflow: the snapshot taken at ``submit``, the votes of ``pass_review``/``approve``.

At submission the item's route is resolved (``workflow.routes.resolution``); the default route keeps
today's behaviour exactly (no snapshot, no vote rows: the decision row is the one vote a default
stage needs, and the statements per transition do not change). Any other route is checked for this
item (``check_route_for_item``: its author, submitter and contributors excluded, nobody deciding
twice): an unreachable step refuses the submission (422, nothing changes); otherwise the route is
stored as the revision's snapshot (``item_route_snapshots``). Each ``pass_review``/``approve`` on
such a revision is then a vote (``step_votes``) on the active step of its stage; the database's
UNIQUE (revision, user) makes "nobody votes twice on one revision" a fact even under a race (409).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Iterable

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from db.models import Decision, Department, Item, Revision, User
from db.models.routes import ROUTE_STAGES, ItemRouteSnapshot, ItemRouteStep, ItemRouteStepUser, StepVote
from workflow.access import Actor
from workflow.errors import Conflict, StaleVersion, ValidationFailed
from workflow.i18n import gettext
from workflow.item_store import LoadedItem
from workflow.notifications import step_opened_notice
from workflow.route_steps import active_steps
from workflow import reminders
from workflow.calendar import deadlines
from workflow.calendar.deadlines import Calendar
from workflow.routes import store
from workflow.routes.budget import step_workdays
from workflow.routes.checks import check_route_for_item
from workflow.routes.default import default_route
from workflow.routes.eligibility import ItemFacts, eligible
from workflow.routes.model import Route
from workflow.routes.progress import (VOTING_TRIGGERS, RouteProgress, StepProgress, Vote, from_snapshot,
                                      route_of_snapshot, snapshot_json)
from workflow.settings import Settings
from workflow.task_filters import step_decider_condition
from workflow.spec import WorkflowSpec
from workflow.views import iso

if TYPE_CHECKING:
    from workflow.context import Gongkai

_ACTED_BY = aliased(User, name="acted_by_user")  # the delegate of a vote or decision cast for someone
_INSERT_SNAPSHOT = insert(ItemRouteSnapshot.__table__)
_INSERT_VOTE = insert(StepVote.__table__)
_INSERT_STEP = insert(ItemRouteStep.__table__).returning(ItemRouteStep.__table__.c.id)
_INSERT_STEP_USER = insert(ItemRouteStepUser.__table__)


def route_at_submit(spec: WorkflowSpec[Any], session: Session, loaded: LoadedItem, actor: Actor,
                    settings: Settings) -> tuple[int, dict[str, Any]] | None:
    """The route this submission takes, as ``(route id, snapshot)``; None for the default route.

    ValidationFailed ``route_unreachable`` (422) when a step cannot reach its quorum for this item,
    naming the step and the reason; ``details.problems`` lists every problem."""
    item = loaded.item
    department, category = store.item_scope(session, item.department_id, item.catalog_code)
    route = store.route_for(session, department, category, default_route(spec))
    if route.is_default or route.id is None:
        return None
    directory = store.load_directory(session)
    names = dict(session.execute(select(User.id, User.username).where(
        User.id.in_({*loaded.contributor_ids, item.author_id or 0}))).all())
    facts = ItemFacts(department, category, author=names.get(item.author_id or 0), submitter=actor.username,
                      contributors=frozenset(names[i] for i in loaded.contributor_ids if i in names))
    problems = check_route_for_item(route, facts, directory)
    if problems:
        first = problems[0]
        raise ValidationFailed("无法提交：审批路线“%(route)s”中%(problem)s", code="route_unreachable",
                               route=route.name, problem=first.text,
                               details={"problems": [p.to_dict() for p in problems]})
    needed = {n: step.quorum.needed(len(eligible(step, department, directory)))
              for n, step in enumerate(route.steps, 1)}
    codes = {s.deciders.department for s in route.steps if s.deciders.department}
    department_ids = dict(session.execute(select(Department.code, Department.id)
                                          .where(Department.code.in_(codes))).all()) if codes else {}
    usernames = {u for s in route.steps for u in s.deciders.users}
    user_ids = dict(session.execute(select(User.username, User.id).where(User.username.in_(usernames))).all()) \
        if usernames else {}
    workdays = step_workdays(route, {stage: deadlines.stage_workdays(stage, settings) for stage in ROUTE_STAGES})
    return route.id, snapshot_json(route, needed, department_ids, user_ids, workdays)


def store_snapshot(session: Session, item_id: int, revision: tuple[int, int], route_id: int,
                   snapshot: dict[str, Any], now: datetime) -> None:
    """The revision's route, as submitted (later edits of the route do not touch it), and its steps as
    rows (``item_route_steps``: who decides each, for the task lists, holders and reminders).
    ``revision``: the revision's (id, number)."""
    revision_id, number = revision
    connection = session.connection()
    connection.execute(_INSERT_SNAPSHOT, {"item_id": item_id, "revision_id": revision_id,
                                          "route_id": route_id, "route": snapshot, "taken_at": now})
    for position, step in enumerate(snapshot["steps"], 1):
        step_id = connection.execute(_INSERT_STEP, {
            "item_id": item_id, "revision_id": revision_id, "revision": number, "position": position,
            "stage": step["stage"], "name": step["name"], "kind": step["kind"], "role": step["role"],
            "department_id": step.get("department_id"), "needed": int(step["needed"]),
            "workdays": step.get("workdays")}).scalar_one()
        if step.get("user_ids"):
            connection.execute(_INSERT_STEP_USER, [{"step_id": step_id, "user_id": user_id}
                                                   for user_id in step["user_ids"]])


def step_due(calendar: Calendar, step: StepProgress, activated_at: datetime, publish_deadline: date | None) -> datetime | None:
    """When ``step``, active from ``activated_at``, is due: its working days, capped by the publish deadline."""
    return deadlines.workdays_due(calendar, step.workdays, activated_at, publish_deadline)


def moves(calendar: Calendar, item: Item, now: datetime, *, route: RouteProgress | None, taken: dict[str, Any] | None,
          vote: Vote | None, voted_on: int | None, from_state: str, new_state: str) -> dict[str, Any]:
    """The item's columns a transition changes on its route: the active step (``route_step``), and when a
    step becomes active, its due date (``stage_due``: the step's working days from now, capped by the
    publish deadline); a step that follows another inside a stage opens a new stage entry too, so that
    the earlier step's unsent reminders are cancelled and the new step's are scheduled.

    ``taken``: the snapshot a submission just took; ``vote`` cast on step ``voted_on`` (None: no vote)."""
    if taken is not None:
        return _activate(calendar, item, from_snapshot(taken, [], None).first(new_state), now)
    if route is None:
        return {"route_step": None} if item.route_step is not None else {}
    if vote is not None and voted_on is not None and new_state == from_state:
        after = route.with_vote(voted_on, vote).active(from_state)
        if after is None or after.position == voted_on:
            return {}
        return {**_activate(calendar, item, after, now), "stage_entry": (item.stage_entry or 0) + 1}
    if new_state == from_state:
        return {}
    if new_state in ROUTE_STAGES:
        return _activate(calendar, item, route.first(new_state), now)
    return {"route_step": None}


def _activate(calendar: Calendar, item: Item, step: StepProgress | None, at: datetime) -> dict[str, Any]:
    if step is None:
        return {"route_step": None}
    return {"route_step": step.position, "stage_due": step_due(calendar, step, at, item.publish_deadline)}


def step_opened(app: Gongkai, session: Session, item: Item, now: datetime, *, schedule: bool) -> None:
    """A step of the item's stored route became active (after the item's UPDATE): its deciders are told;
    ``schedule``: its reminder rungs are created here (a vote that keeps the stage opens a new stage entry
    without a transition event; a transition's own hook schedules the rungs of the stage it enters)."""
    if schedule:
        reminders.schedule_stage(session, item.id, item.state, item.stage_entry, item.stage_due, app.calendar,
                                 app.settings)
    step = active_steps(session, [item.id]).get(item.id)
    if step is not None:
        step_opened_notice(app, session, item, step, now)


def decides_on(session: Session, actor: Actor, item_id: int) -> bool:
    """``actor`` decides a step of one of the item's submitted routes (the 保密办, a 会签 department, a
    named leader): they see the item's internals as its department does, though it is not theirs."""
    return bool(session.scalar(select(
        select(ItemRouteStep.id).join(Item, Item.id == ItemRouteStep.item_id)
        .where(ItemRouteStep.item_id == item_id, step_decider_condition(actor)).exists())))


def decided_among(session: Session, actor: Actor, item_ids: Iterable[int]) -> set[int]:
    """Those of ``item_ids`` the actor ``decides_on``, in one query (a list page, not one query per row)."""
    wanted = sorted(set(item_ids))
    if not wanted:
        return set()
    return set(session.scalars(select(ItemRouteStep.item_id).join(Item, Item.id == ItemRouteStep.item_id)
                               .where(ItemRouteStep.item_id.in_(wanted), step_decider_condition(actor))
                               .distinct()))


def progress(session: Session, loaded: LoadedItem) -> RouteProgress | None:
    """The current revision's route and votes, as of the item loaded; None when it took the default route
    (no snapshot). StaleVersion when a vote committed after the item was loaded (see ``_votes``)."""
    if loaded.route_snapshot is None or loaded.revision_id is None:
        return None
    return from_snapshot(loaded.route_snapshot, _votes(session, loaded.revision_id, loaded.item), loaded.route_id)


def _votes(session: Session, revision_id: int, loaded: Item | None = None) -> list[tuple[int, Vote]]:
    """The revision's votes. With ``loaded`` (a transition's item), the item's version is read in the same
    statement: on PostgreSQL (READ COMMITTED) each statement sees what is committed when it starts, so a
    vote committed between the item's load and this read would otherwise be judged against the item as it
    was before that vote (a concurrent 会签 vote refused as "not a decider" of a step already complete).
    Every vote writes the item, so an unchanged version means these votes are the loaded item's."""
    query = select(StepVote.step_position, StepVote.user_id, User.username, User.display_name, StepVote.decision,
                   StepVote.at, StepVote.opinion, StepVote.acted_by_id, _ACTED_BY.username.label("acted_by"),
                   _ACTED_BY.display_name.label("acted_by_name")).join(User, User.id == StepVote.user_id) \
        .outerjoin(_ACTED_BY, _ACTED_BY.id == StepVote.acted_by_id)
    if loaded is not None:
        query = query.add_columns(select(Item.version).where(Item.id == loaded.id).scalar_subquery().label("now"))
    rows = session.execute(query.where(StepVote.revision_id == revision_id).order_by(StepVote.at, StepVote.id)).all()
    if loaded is not None and any(r.now != loaded.version for r in rows):
        raise StaleVersion("该事项已被他人修改，请刷新后重试", details={"item_id": loaded.id})
    return [(r.step_position, Vote(r.user_id, r.username, r.decision, r.at, r.opinion, r.display_name,
                                    r.acted_by_id, r.acted_by, r.acted_by_name)) for r in rows]


def _default_progress(spec: WorkflowSpec[Any], session: Session, revision_id: int | None) -> RouteProgress:
    """The default route as progress: its one vote per stage is the stage's decision row."""
    route = default_route(spec)
    rows = session.execute(select(Decision.kind, Decision.actor_id, User.username, User.display_name, Decision.at,
                                  Decision.opinion, Decision.acted_by_id, _ACTED_BY.username.label("acted_by"),
                                  _ACTED_BY.display_name.label("acted_by_name"))
                           .join(User, User.id == Decision.actor_id)
                           .outerjoin(_ACTED_BY, _ACTED_BY.id == Decision.acted_by_id)
                           .where(Decision.revision_id == revision_id, Decision.kind.in_(VOTING_TRIGGERS))
                           .order_by(Decision.at, Decision.id)).all() if revision_id is not None else []
    votes = [(VOTING_TRIGGERS.index(r.kind) + 1, Vote(r.actor_id, r.username, r.kind, r.at, r.opinion, r.display_name,
                                                      r.acted_by_id, r.acted_by, r.acted_by_name))
             for r in rows]
    snapshot = snapshot_json(route, {n: 1 for n in range(1, len(route.steps) + 1)}, {}, {})
    return from_snapshot(snapshot, votes, None)


def _stored(session: Session, item: Item) -> tuple[int | None, RouteProgress | None]:
    """The current revision's id and its stored route's progress (None: the default route)."""
    revision_id = session.scalar(select(Revision.id).where(Revision.item_id == item.id,
                                                           Revision.number == item.revision)) \
        if item.revision else None
    found = session.execute(select(ItemRouteSnapshot.route, ItemRouteSnapshot.route_id)
                            .where(ItemRouteSnapshot.revision_id == revision_id)).first() \
        if revision_id is not None else None
    if found is None or revision_id is None:
        return revision_id, None
    return revision_id, from_snapshot(found.route, _votes(session, revision_id), found.route_id)


def progress_of(session: Session, item: Item) -> RouteProgress | None:
    """The progress of ``item``'s stored route (None: the default route); for the screens' buttons."""
    return _stored(session, item)[1]


def route_json(spec: WorkflowSpec[Any], session: Session, item: Item) -> dict[str, Any]:
    """The item JSON's ``route`` (DESIGN.md §7a): the current revision's route, each step's quorum, the
    votes it needs and has (person, time, decision and the opinion written with it, or null) and its status."""
    revision_id, stored = _stored(session, item)
    progress_ = stored or _default_progress(spec, session, revision_id)
    body = progress_.to_json(item.state, ROUTE_STAGES)
    body["name"] = gettext(body["name"])
    for step in body["steps"]:
        step["name"] = gettext(step["name"])
        for vote in step["votes"]:
            vote["at"] = iso(vote["at"])
    return body


def route_taken(spec: WorkflowSpec[Any], session: Session, item: Item) -> Route:
    """The route of ``item``'s current revision as a ``Route`` value, who decides each step included:
    its snapshot, or the default route (not submitted yet, or submitted on the default route). The
    steps are in the order, and as many, as ``route_json``'s."""
    revision_id = session.scalar(select(Revision.id).where(Revision.item_id == item.id,
                                                           Revision.number == item.revision)) \
        if item.revision else None
    data = session.scalar(select(ItemRouteSnapshot.route).where(ItemRouteSnapshot.revision_id == revision_id)) \
        if revision_id is not None else None
    return route_of_snapshot(data) if data is not None else default_route(spec)


def record_vote(session: Session, *, item_id: int, revision_id: int, position: int, actor: Actor, decision: str,
                opinion: str | None, now: datetime, acted_by: Actor | None = None) -> None:
    """One vote of ``actor`` on step ``position`` (``acted_by``: the delegate who cast it for them, 乙 代 甲);
    409 when this person voted on this revision already (a race the guard could not see: the UNIQUE
    (revision, user) decides)."""
    try:
        with session.begin_nested():
            session.connection().execute(_INSERT_VOTE, {
                "item_id": item_id, "revision_id": revision_id, "step_position": position, "user_id": actor.id,
                "decision": decision, "opinion": opinion, "at": now,
                "acted_by_id": acted_by.id if acted_by is not None else None})
    except IntegrityError as error:
        raise Conflict("职责分离：您已对本稿投过票，同一稿件每人只能决定一次", code="already_voted") from error


__all__ = ["decided_among", "decides_on", "moves", "progress", "progress_of", "record_vote", "route_at_submit",
           "route_json", "route_taken", "step_due", "step_opened", "store_snapshot"]
