"""What an item trigger writes beyond the state: the effects the item spec names.

Each effect takes one ``Step`` (the item, its current revision, the actor, the resolved context and
the open write session) and returns extra transition events (items archived as superseded), which
the service hands to the after-transition hooks like its own event.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Mapping

from sqlalchemy.orm import Session, lazyload

from db.models import Decision, Item, Revision, User
from workflow import audit
from workflow.access import Actor
from workflow.calendar import deadlines
from workflow.revision_findings import accept_findings, record_scan
from workflow.hooks import TransitionEvent
from workflow.item_context import ItemContext
from workflow.revisions import content_hash, snapshot

if TYPE_CHECKING:
    from workflow.context import Gongkai
    from workflow.spec import TriggerSpec

SUPERSEDED = "superseded"


@dataclass
class Step:
    """One trigger being applied to one item inside the write transaction."""

    app: Gongkai
    session: Session
    item: Item
    revision: Revision | None
    actor: Actor
    context: ItemContext
    trigger: TriggerSpec
    now: datetime
    payload: Mapping[str, Any]


Effect = Callable[[Step], list[TransitionEvent]]


def take_revision(step: Step) -> list[TransitionEvent]:
    """submit: freeze the content as a numbered revision, bind the decisions to it, scan it."""
    item, now = step.item, step.now
    content = snapshot(item)
    item.revision = (item.revision or 0) + 1
    item.content_hash = content_hash(content)
    item.submitted_by = step.session.get(User, step.actor.id, options=(lazyload(User.role_rows), lazyload(
        User.departments))) if step.actor.id is not None else None
    item.reviewed_by_id = None
    item.approved_by_id = None
    revision = Revision(item_id=item.id, number=item.revision, content=content, content_hash=item.content_hash,
                        submitted_by_id=step.actor.id, submitted_at=now)
    step.session.add(revision)
    step.session.flush()
    record_scan(step.app, step.session, item, revision)
    return []


def record_review(step: Step) -> list[TransitionEvent]:
    """pass_review: the findings accepted with their legal basis; who reviewed this revision."""
    accept_findings(step.session, step.revision, step.actor, step.now, step.payload, step.context.legal_basis)
    step.item.reviewed_by_id = step.actor.id
    return []


def record_approval(step: Step) -> list[TransitionEvent]:
    """approve: who approved; the publication time if one was given."""
    step.item.approved_by_id = step.actor.id
    if "publish_at" in step.context.inputs:
        step.item.publish_at = step.context.inputs["publish_at"]
    return []


def record_decision(step: Step) -> None:
    """The decision row of a deciding trigger, bound to the revision decided on, with its inputs."""
    inputs = step.context.inputs
    checklist = inputs.get("checklist")
    step.session.add(Decision(
        item_id=step.item.id, revision_id=step.revision.id if step.revision else None, kind=step.trigger.name,
        actor_id=step.actor.id, at=step.now, reason=inputs.get("reason"),
        checklist=dict(checklist) if isinstance(checklist, dict) else None, legal_basis=inputs.get("legal_basis")))


def enter_published(step: Step) -> list[TransitionEvent]:
    """Published now: stamp it, and archive the item this one supersedes."""
    step.item.published_at = step.now
    return archive_superseded(step)


def enter_archived(step: Step) -> list[TransitionEvent]:
    """Archived now: stamp it with the reason."""
    step.item.archived_at = step.now
    step.item.archive_reason = step.context.reason or step.payload.get("archive_reason") or "archived"
    return []


def enter_state(app: Gongkai, item: Item, state: str, now: datetime) -> None:
    """Move ``item`` into ``state``: a new stage entry with its working-day due date."""
    item.state = state
    item.stage_entered_at = now
    item.stage_entry = (item.stage_entry or 0) + 1
    item.stage_due = deadlines.stage_due(app.calendar, state, now, item.publish_deadline, app.settings)
    item.updated_at = now


def archive_superseded(step: Step) -> list[TransitionEvent]:
    """The published item this revision supersedes goes to ``archived`` (reason ``superseded``)."""
    item, now, actor = step.item, step.now, step.actor
    if item.supersedes_id is None:
        return []
    old = step.session.get(Item, item.supersedes_id)
    if old is None or old.state not in ("published", "scheduled"):
        return []
    from_state = old.state
    old.superseded_by_id = item.id
    enter_state(step.app, old, "archived", now)
    old.archived_at, old.archive_reason = now, SUPERSEDED
    audit.defer(step.session, at=now, actor=actor, subject=f"item:{old.id}", item_id=old.id, action="archive",
                from_state=from_state, to_state="archived", reason=SUPERSEDED, revision_hash=old.content_hash,
                data={"superseded_by": item.id})
    return [TransitionEvent(old, "archive", from_state, "archived", actor, SUPERSEDED, now)]
