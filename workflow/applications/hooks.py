"""Links reply items to their applications: approval of the reply item sends the reply.

When an item that is an application's reply reaches ``published`` or ``scheduled`` (approval
passed, after the secrecy review), the application becomes ``replied`` and the item is
archived at once with reason ``application_reply``: a reply letter is addressed to one
applicant and must never appear in the public directory, the feed, or (being ``published``)
to every staff member. Archived items are visible only to their department and admins.

The archive is tidiness, not the protection: a reply is an item of kind ``reply`` and every
public read admits only ``disclosure`` items (``workflow.access.public_items_filter``), so no
state of either record — an application in third-party consultation when the reply is
approved, a link lost in a race — can publish a reply. The reply item is archived whatever
the application's state; an application in a source state of the spec's ``reply_sent`` (still
``replying``, or ``consulting``: the approver decided to answer, the pause ends with the reply)
becomes ``replied``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models.applications import Application
from db.models.items import REPLY
from workflow import audit
from workflow.applications import transition
from workflow.applications.spec import APPLICATION
from workflow.hooks import TransitionEvent

if TYPE_CHECKING:
    from workflow.context import Gongkai

REPLY_ARCHIVE_REASON = "application_reply"


def reply_item_approved(app: "Gongkai", session: Session, event: TransitionEvent) -> None:
    """Fire the application's ``reply_sent`` when its reply item passes approval."""
    if event.to_state not in ("published", "scheduled"):
        return
    item = event.item
    # Only a reply letter belongs to an application: prepare_reply creates it with kind "reply", and
    # migration 0011 gave every item an application names as its reply that kind.
    if item.kind != REPLY:
        return
    application = session.scalar(select(Application).where(Application.reply_item_id == item.id))
    if application is not None and application.state in APPLICATION.triggers["reply_sent"].sources:
        transition.apply(session, app, event.actor, application, "reply_sent", internal=True, at=event.at,
                         values={"item": item})
    _archive(session, event, application)


def _archive(session: Session, event: TransitionEvent, application: Application | None) -> None:
    """Archive the reply item at once (never left ``published``/``scheduled``), audited."""
    item, now = event.item, event.at
    item.state, item.archived_at, item.archive_reason = "archived", now, REPLY_ARCHIVE_REASON
    item.stage_due = None
    session.flush()
    audit.defer(session, at=now, actor=event.actor, subject=f"item:{item.id}", item_id=item.id,
                action="archive", from_state=event.to_state, to_state="archived", reason=REPLY_ARCHIVE_REASON,
                revision_hash=item.content_hash, data={"application": application.id if application else None})
