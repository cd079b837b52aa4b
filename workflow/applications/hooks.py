"""Links reply items to their applications: approval of the reply item sends the reply.

When an item that is an application's reply reaches ``published`` or ``scheduled`` (approval
passed, after the secrecy review), the application becomes ``replied`` and the item is
archived at once with reason ``application_reply``: a reply letter is addressed to one
applicant and must never appear in the public directory, the feed, or (being ``published``)
to every staff member. Archived items are visible only to their department and admins.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models.applications import Application
from workflow import audit
from workflow.clock import local_date
from workflow.hooks import TransitionEvent, after_transition

if TYPE_CHECKING:
    from workflow.context import Gongkai

REPLY_ARCHIVE_REASON = "application_reply"


@after_transition
def reply_item_approved(app: "Gongkai", session: Session, event: TransitionEvent) -> None:
    """Mark the application replied when its reply item passes approval."""
    if event.to_state not in ("published", "scheduled"):
        return
    application = session.scalar(select(Application).where(Application.reply_item_id == event.item.id))
    if application is None or application.state != "replying":
        return
    item, now = event.item, event.at
    from_state = application.state
    application.state = "replied"
    application.replied_at = application.closed_at = now
    application.closed_on = local_date(now)
    application.due_on = None
    application.updated_at = now
    item.state, item.archived_at, item.archive_reason = "archived", now, REPLY_ARCHIVE_REASON
    item.stage_due = None
    session.flush()
    from workflow.reminders import follow_application
    follow_application(app, session, application)  # replied: its pending reminder rungs are cancelled
    audit.defer(session, at=now, actor=event.actor, subject=f"application:{application.id}", action="reply_sent",
                from_state=from_state, to_state="replied", revision_hash=item.content_hash,
                data={"reply_item": item.id, "outcome": application.outcome, "reason": application.outcome_reason})
    audit.defer(session, at=now, actor=event.actor, subject=f"item:{item.id}", item_id=item.id,
                action="archive", from_state=event.to_state, to_state="archived", reason=REPLY_ARCHIVE_REASON,
                revision_hash=item.content_hash, data={"application": application.id})
