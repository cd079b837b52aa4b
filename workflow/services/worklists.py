"""已办 and 我发起的: the items a user decided or voted on, and those they drafted or submitted, each with its
current stage and who holds it now; and the 已退回 mark of a draft sent back (docs/daily-work.md).

Both lists show only items the user may open now — the rule of ``items.load_visible`` as SQL: their
department scope (all of it for admins), published disclosure items, and items of whose review route they
decide a step. Someone who moved to another department keeps in 已办 what they decided there only once it
is published (or while they decide a step of it); the rest is the old department's now. Newest activity
first (``items.updated_at``: every transition, vote and edit moves it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import ColumnElement, and_, or_, select, union
from sqlalchemy.orm import Session, aliased

from db.models import Decision, Item, Revision, User
from db.models.items import DECISION_KINDS
from db.models.routes import ItemRouteStep, StepVote
from workflow.access import Actor, public_items_filter
from workflow.context import Gongkai
from workflow.holders import Holding
from workflow.services.queries import Page, _paginate, holders_seen_by, page_args, scope_filter
from workflow.task_filters import step_decider_condition
from workflow.views import iso

# The decisions that put an item in someone's 已办: every deciding trigger but the submitter's own withdrawal
# (their item is in 我发起的).
DONE_KINDS: tuple[str, ...] = tuple(kind for kind in DECISION_KINDS if kind != "withdraw")
# The decisions that send a draft back to its drafter (已退回).
RETURNING_KINDS = ("return", "reject")


@dataclass(frozen=True)
class Returned:
    """A draft sent back: who sent it (login and display name), when, why, and how (``return``: from the
    secrecy review; ``reject``: not approved)."""

    kind: str
    by: str | None
    by_name: str
    at: datetime
    reason: str | None

    def to_json(self) -> dict[str, Any]:
        """The task row's ``returned`` (docs/api.md)."""
        return {"by": self.by, "at": iso(self.at), "reason": self.reason}


@dataclass(frozen=True)
class Handled:
    """The user's latest decision or vote on an item (已办's 「我的办理」)."""

    decision: str
    at: datetime

    def to_json(self) -> dict[str, Any]:
        """The 已办 row's ``handled``."""
        return {"decision": self.decision, "at": iso(self.at)}


@dataclass(frozen=True)
class WorkRow:
    """One row of 已办 or 我发起的. ``internal``: the user sees the item's internals (its department, admins,
    a decider of its route); otherwise only what the public sees of it, without holders or return marks."""

    item: Item
    internal: bool
    holding: Holding | None = None
    returned: Returned | None = None
    handled: Handled | None = None


def visible_filter(actor: Actor) -> ColumnElement[bool]:
    """``items.load_visible`` as SQL: the actor's department scope, public items, items whose route has a
    step the actor decides (``route_votes.decides_on``)."""
    decides = select(ItemRouteStep.id).where(ItemRouteStep.item_id == Item.id,
                                             step_decider_condition(actor)).exists()
    return or_(scope_filter(actor), public_items_filter(), decides)


def done_items(app: Gongkai, actor: Actor, *, page: Any = None, per_page: Any = None) -> Page:
    """已办: the items ``actor`` decided on (passed, returned, approved, rejected, took down) or voted on, that
    they may see now, newest activity first; rows are ``WorkRow`` with ``handled`` (their latest decision)."""
    page_no, size = page_args(app, page, per_page)
    if actor.id is None:
        return Page([], page_no, size, 0)
    mine = union(select(Decision.item_id).where(Decision.actor_id == actor.id, Decision.kind.in_(DONE_KINDS)),
                 select(StepVote.item_id).where(StepVote.user_id == actor.id),
                 # 委托: what they decided or voted on for someone (乙 代 甲)
                 select(Decision.item_id).where(Decision.acted_by_id == actor.id, Decision.kind.in_(DONE_KINDS)),
                 select(StepVote.item_id).where(StepVote.acted_by_id == actor.id))
    with app.db.read() as session:
        found = _paginate(session, _listed(mine, actor), page_no, size)
        handled = _handled(session, actor, [item.id for item in found.items])
    return _rows(app, actor, found, handled)


def submitted_items(app: Gongkai, actor: Actor, *, page: Any = None, per_page: Any = None) -> Page:
    """我发起的: the items ``actor`` drafted (author) or submitted (any revision), that they may see now, newest
    activity first; rows are ``WorkRow``."""
    page_no, size = page_args(app, page, per_page)
    if actor.id is None:
        return Page([], page_no, size, 0)
    authored = aliased(Item)  # the outer query's Item must not be correlated into the union
    mine = union(select(authored.id).where(authored.author_id == actor.id),
                 select(Revision.item_id).where(Revision.submitted_by_id == actor.id))
    with app.db.read() as session:
        found = _paginate(session, _listed(mine, actor), page_no, size)
    return _rows(app, actor, found, {})


def _listed(mine: Any, actor: Actor) -> Any:
    # ids from the indexes on (person, item), then the items by primary key: never a scan of all items
    return select(Item).where(Item.id.in_(mine), visible_filter(actor)) \
        .order_by(Item.updated_at.desc(), Item.id.desc())


def _rows(app: Gongkai, actor: Actor, found: Page, handled: dict[int, Handled]) -> Page:
    held = holders_seen_by(app, actor, found.items)  # those whose internals the actor sees, with their holders
    marks = returned_marks(app, [item for item in found.items if item.id in held])
    rows = [WorkRow(item, item.id in held, held.get(item.id), marks.get(item.id), handled.get(item.id))
            for item in found.items]
    return Page(rows, found.page, found.per_page, found.total)


def _handled(session: Session, actor: Actor, item_ids: Sequence[int]) -> dict[int, Handled]:
    """The actor's latest decision or vote on each of ``item_ids`` (two queries for the page)."""
    if not item_ids:
        return {}
    latest: dict[int, Handled] = {}
    decisions = session.execute(select(Decision.item_id, Decision.kind, Decision.at).where(
        or_(Decision.actor_id == actor.id, Decision.acted_by_id == actor.id), Decision.item_id.in_(item_ids),
        Decision.kind.in_(DONE_KINDS)).order_by(Decision.at, Decision.id))
    votes = session.execute(select(StepVote.item_id, StepVote.decision, StepVote.at).where(
        or_(StepVote.user_id == actor.id, StepVote.acted_by_id == actor.id), StepVote.item_id.in_(item_ids))
        .order_by(StepVote.at, StepVote.id))
    # in order, so that of two decisions in the same instant the later-written one wins (a vote repeats its
    # decision row's kind)
    for item_id, decision, at in [*decisions, *votes]:
        if item_id not in latest or at >= latest[item_id].at:
            latest[item_id] = Handled(decision, at)
    return latest


def returned_marks(app: Gongkai, items: Sequence[Item]) -> dict[int, Returned]:
    """Item id → how it was sent back, for the drafts among ``items`` whose latest revision's last decision is
    a return or a rejection (a resubmitted draft has a newer revision, a withdrawn one ends on its withdrawal).
    One query for the page; call it for items whose internals the caller sees (the reason is internal)."""
    drafts = [item.id for item in items if item.state == "draft" and item.revision]
    if not drafts:
        return {}
    with app.db.read() as session:
        rows = session.execute(
            select(Decision.item_id, Decision.kind, Decision.at, Decision.reason, User.username, User.display_name)
            .join(Revision, Revision.id == Decision.revision_id)
            .join(Item, and_(Item.id == Revision.item_id, Item.revision == Revision.number))
            .outerjoin(User, User.id == Decision.actor_id)
            .where(Item.id.in_(drafts)).order_by(Decision.item_id, Decision.at, Decision.id)).all()
    last = {row.item_id: row for row in rows}  # ordered: the last row of each item is its latest decision
    return {item_id: Returned(row.kind, row.username, row.display_name or row.username or "", row.at, row.reason)
            for item_id, row in last.items() if row.kind in RETURNING_KINDS}


__all__ = ["DONE_KINDS", "Handled", "Returned", "WorkRow", "done_items", "returned_marks", "submitted_items",
           "visible_filter"]
