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

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Decision, Department, Item, Revision, User
from db.models.routes import ROUTE_STAGES, ItemRouteSnapshot, StepVote
from workflow.access import Actor
from workflow.errors import Conflict, StaleVersion, ValidationFailed
from workflow.i18n import gettext
from workflow.item_store import LoadedItem
from workflow.routes import store
from workflow.routes.checks import check_route_for_item
from workflow.routes.default import default_route
from workflow.routes.eligibility import ItemFacts, eligible
from workflow.routes.progress import VOTING_TRIGGERS, RouteProgress, Vote, from_snapshot, snapshot_json
from workflow.spec import WorkflowSpec
from workflow.views import iso

_INSERT_SNAPSHOT = insert(ItemRouteSnapshot.__table__)
_INSERT_VOTE = insert(StepVote.__table__)


def route_at_submit(spec: WorkflowSpec[Any], session: Session, loaded: LoadedItem,
                    actor: Actor) -> tuple[int, dict[str, Any]] | None:
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
    return route.id, snapshot_json(route, needed, department_ids, user_ids)


def store_snapshot(session: Session, item_id: int, revision_id: int, route_id: int, snapshot: dict[str, Any],
                   now: datetime) -> None:
    """The revision's route, as submitted (later edits of the route do not touch it)."""
    session.connection().execute(_INSERT_SNAPSHOT, {"item_id": item_id, "revision_id": revision_id,
                                                    "route_id": route_id, "route": snapshot, "taken_at": now})


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
    query = select(StepVote.step_position, StepVote.user_id, User.username, StepVote.decision, StepVote.at,
                   StepVote.opinion).join(User, User.id == StepVote.user_id)
    if loaded is not None:
        query = query.add_columns(select(Item.version).where(Item.id == loaded.id).scalar_subquery().label("now"))
    rows = session.execute(query.where(StepVote.revision_id == revision_id).order_by(StepVote.at, StepVote.id)).all()
    if loaded is not None and any(r.now != loaded.version for r in rows):
        raise StaleVersion("该事项已被他人修改，请刷新后重试", details={"item_id": loaded.id})
    return [(r.step_position, Vote(r.user_id, r.username, r.decision, r.at, r.opinion)) for r in rows]


def _default_progress(spec: WorkflowSpec[Any], session: Session, revision_id: int | None) -> RouteProgress:
    """The default route as progress: its one vote per stage is the stage's decision row."""
    route = default_route(spec)
    rows = session.execute(select(Decision.kind, Decision.actor_id, User.username, Decision.at)
                           .join(User, User.id == Decision.actor_id)
                           .where(Decision.revision_id == revision_id, Decision.kind.in_(VOTING_TRIGGERS))
                           .order_by(Decision.at, Decision.id)).all() if revision_id is not None else []
    votes = [(VOTING_TRIGGERS.index(r.kind) + 1, Vote(r.actor_id, r.username, r.kind, r.at)) for r in rows]
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
    votes it needs and has (person, time, decision; ``opinion`` null for now) and its status."""
    revision_id, stored = _stored(session, item)
    progress_ = stored or _default_progress(spec, session, revision_id)
    body = progress_.to_json(item.state, ROUTE_STAGES)
    body["name"] = gettext(body["name"])
    for step in body["steps"]:
        step["name"] = gettext(step["name"])
        for vote in step["votes"]:
            vote["at"] = iso(vote["at"])
    return body


def record_vote(session: Session, *, item_id: int, revision_id: int, position: int, actor: Actor, decision: str,
                opinion: str | None, now: datetime) -> None:
    """One vote on step ``position``; 409 when this person voted on this revision already (a race the
    guard could not see: the UNIQUE (revision, user) decides)."""
    try:
        with session.begin_nested():
            session.connection().execute(_INSERT_VOTE, {
                "item_id": item_id, "revision_id": revision_id, "step_position": position, "user_id": actor.id,
                "decision": decision, "opinion": opinion, "at": now})
    except IntegrityError as error:
        raise Conflict("职责分离：您已对本稿投过票，同一稿件每人只能决定一次", code="already_voted") from error


__all__ = ["progress", "progress_of", "record_vote", "route_at_submit", "route_json", "store_snapshot"]
