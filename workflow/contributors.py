"""Contributors of an item: everyone who changed its content.

Separation of duties (README.md "Roles"; docs/architecture.md) holds per revision for the author and the submitter, and
just as much for anyone else who shaped the content: a user with several roles who edits the
body of someone else's draft, adds or removes an attachment, applies masking or starts a
revision (which copies the content) may afterwards neither pass the review nor approve it.
The set only grows, for the item's whole life (conservatively, for all its later revisions),
and a revision inherits the contributors of the item it supersedes.

Rows are written in the verb's own transaction with an insert that ignores a duplicate, so
two concurrent edits by the same person never fail on the unique (item, user) key.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.insert_ignore import insert_ignore
from db.models import ItemContributor
from workflow.access import Actor


# any unique key: the only one besides the primary key is (item_id, user_id)
_INSERT = insert_ignore(ItemContributor.__table__)


def record(session: Session, item_id: int, actor: Actor, at: datetime, action: str) -> None:
    """Record ``actor`` as a contributor of the item (the scheduler is nobody's contributor)."""
    if actor.id is None:
        return
    session.execute(_INSERT, [{"item_id": item_id, "user_id": actor.id, "first_at": at,
                                        "first_action": action}])


def carry_over(session: Session, from_item_id: int, to_item_id: int, at: datetime) -> None:
    """Make the contributors of ``from_item_id`` contributors of ``to_item_id`` (revise copies content)."""
    rows = [{"item_id": to_item_id, "user_id": user_id, "first_at": at, "first_action": "revise"}
            for user_id in sorted(of_item(session, from_item_id))]
    if rows:
        session.execute(_INSERT, rows)


def of_item(session: Session, item_id: int | None) -> frozenset[int]:
    """Ids of the users who contributed to the item."""
    if item_id is None:
        return frozenset()
    return frozenset(session.scalars(select(ItemContributor.user_id).where(ItemContributor.item_id == item_id)))
