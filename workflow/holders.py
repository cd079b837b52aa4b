"""当前处理人: who must act on an item now, with the active step of its review route.

One rule for every screen and the API (``holders`` in the item JSON, 我的待办, 部门待办, 超期预警 and its
export) and for the reminders (the same ``Directory`` lookups): a draft is its author's; in secrecy
review or approval on the default route, everyone holding the stage's role for the item's department
except its author, submitter (and, in approval, its reviewer); on a stored route, the deciders of the
active step who have not voted on the revision and did not shape it. Other states have nobody.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Item, User
from workflow.notifications import Directory, ItemFacts, Recipient
from workflow.route_steps import ActiveStep, active_steps

REVIEW_STAGES = ("secrecy_review", "approval")


@dataclass(frozen=True)
class Holder:
    """A person who must act: login name and display name."""

    username: str
    name: str
    user_id: int = 0

    def to_json(self) -> dict[str, str]:
        """The item JSON's ``holders`` entry (DESIGN.md §7a)."""
        return {"username": self.username, "name": self.name}


@dataclass(frozen=True)
class Holding:
    """Who holds one item now; on a stored route also its active step and the votes it still needs."""

    people: tuple[Holder, ...] = ()
    step: str | None = None      # the active step's name, as the route named it (translate for display)
    missing: int | None = None   # votes the active step still needs

    @property
    def names(self) -> str:
        """The holders' names for a screen or a sheet (「、」-separated)."""
        return "、".join(p.name for p in self.people)


def holdings(session: Session, items: Sequence[Item]) -> dict[int, Holding]:
    """Item id → who holds it now, for many items at once (a few queries, not a few per item)."""
    steps = active_steps(session, [i.id for i in items if i.route_step is not None and i.state in REVIEW_STAGES])
    directory = Directory(session)
    people: dict[int, list[Recipient] | list[int]] = {}
    for item in items:
        people[item.id] = _who(directory, item, steps.get(item.id))
    names = _names(session, {p if isinstance(p, int) else p.id for found in people.values() for p in found})
    result: dict[int, Holding] = {}
    for item in items:
        holders = tuple(names[i] for i in (p if isinstance(p, int) else p.id for p in people[item.id]) if i in names)
        step = steps.get(item.id)
        result[item.id] = Holding(holders, step.name if step else None, step.missing if step else None)
    return result


def _who(directory: Directory, item: Item, step: ActiveStep | None) -> list[Recipient] | list[int]:
    if item.state == "draft":
        return [item.author_id] if item.author_id is not None else []
    if item.state not in REVIEW_STAGES:
        return []
    return directory.stage_candidates(ItemFacts.of(item), item.state, step)


def _names(session: Session, ids: Iterable[int]) -> dict[int, Holder]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username, User.display_name)
                           .where(User.id.in_(wanted), User.active.is_(True)))
    return {r.id: Holder(r.username, r.display_name or r.username, r.id) for r in rows}


__all__ = ["Holder", "Holding", "holdings"]
