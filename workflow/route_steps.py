"""The active step of items on a stored review route, read from its rows (``item_route_steps``).

``items.route_step`` names the position of the active step of the current revision's route (NULL:
the default route, or not in a review stage). This module reads, for many items at once, what the
people who must act now depend on: who the step names (kind, role, department or users), how many
votes it needs, who already voted on the revision, and who shaped the revision (never a decider).
``workflow.notifications.Directory.step_candidates`` turns it into people; the SQL form of the same
question for one actor is ``workflow.task_filters`` (``StepDecider``).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from db.models import Item, ItemContributor
from db.models.routes import ItemRouteStep, ItemRouteStepUser, StepVote


@dataclass(frozen=True)
class ActiveStep:
    """The active step of one item's current revision, and who may no longer vote on it."""

    item_id: int
    revision_id: int
    position: int
    stage: str
    name: str                     # as the route named it (a msgid when it is a default label)
    kind: str
    role: str
    department_id: int | None
    needed: int
    user_ids: frozenset[int]      # the named deciders (kind ``users``)
    voted_ids: frozenset[int]     # voted on this revision (any step): nobody votes twice
    votes_here: int               # votes cast on this step
    contributor_ids: frozenset[int]  # changed the content: never a decider

    @property
    def missing(self) -> int:
        """Votes the step still needs."""
        return max(self.needed - self.votes_here, 0)


def active_steps(session: Session, item_ids: Iterable[int]) -> dict[int, ActiveStep]:
    """Item id → its active route step, for the items (of ``item_ids``) that have one."""
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    rows = session.execute(select(ItemRouteStep).join(Item, and_(
        Item.id == ItemRouteStep.item_id, Item.revision == ItemRouteStep.revision,
        Item.route_step == ItemRouteStep.position)).where(Item.id.in_(ids))).scalars().all()
    if not rows:
        return {}
    users: dict[int, set[int]] = defaultdict(set)
    for step_id, user_id in session.execute(select(ItemRouteStepUser.step_id, ItemRouteStepUser.user_id)
                                            .where(ItemRouteStepUser.step_id.in_([r.id for r in rows]))):
        users[step_id].add(user_id)
    voted: dict[int, set[int]] = defaultdict(set)
    here: dict[tuple[int, int], int] = defaultdict(int)
    for revision_id, position, user_id in session.execute(
            select(StepVote.revision_id, StepVote.step_position, StepVote.user_id)
            .where(StepVote.revision_id.in_([r.revision_id for r in rows]))):
        voted[revision_id].add(user_id)
        here[(revision_id, position)] += 1
    contributors: dict[int, set[int]] = defaultdict(set)
    for item_id, user_id in session.execute(select(ItemContributor.item_id, ItemContributor.user_id)
                                            .where(ItemContributor.item_id.in_([r.item_id for r in rows]))):
        contributors[item_id].add(user_id)
    return {r.item_id: ActiveStep(
        r.item_id, r.revision_id, r.position, r.stage, r.name, r.kind, r.role, r.department_id, r.needed,
        frozenset(users[r.id]), frozenset(voted[r.revision_id]), here[(r.revision_id, r.position)],
        frozenset(contributors[r.item_id])) for r in rows}


__all__ = ["ActiveStep", "active_steps"]
