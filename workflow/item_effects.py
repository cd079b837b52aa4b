"""What an item trigger writes beyond the state: the effects the item spec names.

Each effect takes one ``Step`` (the item, its current revision, the actor, the resolved context and
the open write session) and returns extra transition events (items archived as superseded), which
the service hands to the after-transition hooks like its own event. Effects stage the item's new
column values on the step (``Step.set``), and the decision row; the service writes them, with the
state, in one UPDATE. The revision and its findings are Core inserts of statements built once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Mapping

from sqlalchemy import insert
from sqlalchemy.orm import Session

from db.models import Item, Revision, User
from workflow import audit
from workflow.access import Actor
from workflow.assessments import record_assessment
from workflow.calendar import deadlines
from workflow.revision_findings import accept_findings, record_scan
from workflow.hooks import TransitionEvent
from workflow.item_context import ItemContext
from workflow.item_store import USER_LOAD_OPTIONS
from workflow.opinions import opinion_of
from workflow.revisions import content_hash, snapshot

if TYPE_CHECKING:
    from workflow.context import Gongkai
    from workflow.spec import TriggerSpec

SUPERSEDED = "superseded"
_INSERT_REVISION = insert(Revision.__table__).returning(Revision.__table__.c.id)


@dataclass
class Step:
    """One trigger being applied to one item inside the write transaction."""

    app: Gongkai
    session: Session
    item: Item
    revision_id: int | None
    actor: Actor
    context: ItemContext
    trigger: TriggerSpec
    now: datetime
    payload: Mapping[str, Any]
    changes: dict[str, Any] = field(default_factory=dict)
    decision: dict[str, Any] | None = None  # the trigger's decision row (record_decision), written with the item
    decision_extra: dict[str, Any] = field(default_factory=dict)  # an effect's own columns of the decision row
    after_write: list[Callable[[Session], None]] = field(default_factory=list)  # rows naming the decision row
    audit_data: dict[str, Any] = field(default_factory=dict)  # what the trigger's audit event records besides
    # False for a vote on a review route that leaves the stage waiting for more votes (docs/routes.md): the
    # stage's outcome (who approved, when to publish) is the completing vote's to record
    completes: bool = True
    # the delegate acting for ``actor`` (乙 代 甲, workflow/delegation.py): ``actor`` stays the decider of record
    acted_by: Actor | None = None

    def set(self, **values: Any) -> None:
        """Stage new values of the item's columns (or of a many-to-one relationship, ``submitted_by=user``):
        the service writes every staged value and the new state in one UPDATE that checks the version."""
        self.changes.update(values)


Effect = Callable[[Step], list[TransitionEvent]]


def take_revision(step: Step) -> list[TransitionEvent]:
    """submit: freeze the content as a numbered revision, bind the decisions to it, scan it."""
    item, now, session, actor_id = step.item, step.now, step.session, step.actor.id
    content = snapshot(item)
    number = (item.revision or 0) + 1
    digest = content_hash(content)
    step.revision_id = session.connection().execute(_INSERT_REVISION, {
        "item_id": item.id, "number": number, "content": content, "content_hash": digest,
        "submitted_by_id": actor_id, "submitted_at": now}).scalar_one()
    # usually the author, already in the session's identity map: no query
    submitter = session.get(User, actor_id, options=USER_LOAD_OPTIONS) if actor_id is not None else None
    step.set(revision=number, content_hash=digest, submitted_by=submitter, reviewed_by_id=None, approved_by_id=None)
    record_scan(step.app, session, item, step.revision_id)
    return []


def record_review(step: Step) -> list[TransitionEvent]:
    """pass_review: the findings accepted with their legal basis; who reviewed this revision; the
    particulars the checklist's "yes" answers required (on the decision row and in the audit event), the
    questions not asked, and the impact assessment kept three years when sensitive personal information
    is published (个人信息保护法 Art. 55, 56)."""
    accept_findings(step.session, step.revision_id, step.actor, step.now, step.payload, step.context.legal_basis)
    if step.completes:
        step.set(reviewed_by_id=step.actor.id)
    review = step.context.checklist_review
    step.decision_extra["justifications"] = review.justifications or None
    step.audit_data.update({**({"justifications": review.justifications} if review.justifications else {}),
                            **({"not_asked": list(review.not_asked)} if review.not_asked else {})})
    assessment = review.assessment
    if assessment is not None and step.revision_id is not None:
        item_id, revision_id, actor_id, now = step.item.id, step.revision_id, step.actor.id, step.now
        step.after_write.append(lambda session: record_assessment(
            session, item_id=item_id, revision_id=revision_id, actor_id=actor_id, now=now, assessment=assessment))
    return []


def record_approval(step: Step) -> list[TransitionEvent]:
    """approve: who approved; the publication time if one was given. On a review route only the vote
    that completes the approval stage says so (an earlier step's vote is recorded as a vote)."""
    if not step.completes:
        return []
    step.set(approved_by_id=step.actor.id)
    if "publish_at" in step.context.inputs:
        step.set(publish_at=step.context.inputs["publish_at"])
    return []


def record_decision(step: Step) -> None:
    """The decision row of a deciding trigger, bound to the revision decided on, with its inputs: staged
    on the step, written with the item's UPDATE (``item_store.write``). Its opinion (``workflow.opinions``:
    a return's is its reason) also goes into the audit event, which the history shows."""
    inputs = step.context.inputs
    checklist = inputs.get("checklist")
    opinion = opinion_of(step.trigger, inputs)
    step.decision = {
        "item_id": step.item.id, "revision_id": step.revision_id, "kind": step.trigger.name,
        "actor_id": step.actor.id, "at": step.now, "reason": inputs.get("reason"),
        "checklist": dict(checklist) if isinstance(checklist, dict) else None,
        "legal_basis": inputs.get("legal_basis"), "justifications": None, "opinion": opinion,
        "acted_by_id": step.acted_by.id if step.acted_by is not None else None, **step.decision_extra}
    if opinion is not None:
        step.audit_data["opinion"] = opinion


def enter_published(step: Step) -> list[TransitionEvent]:
    """Published now: stamp it, and archive the item this one supersedes."""
    step.set(published_at=step.now)
    return archive_superseded(step)


def enter_archived(step: Step) -> list[TransitionEvent]:
    """Archived now: stamp it with the reason."""
    step.set(archived_at=step.now,
             archive_reason=step.context.reason or step.payload.get("archive_reason") or "archived")
    return []


def entering_state(app: Gongkai, item: Item, state: str, now: datetime) -> dict[str, Any]:
    """The columns that move ``item`` into ``state``: a new stage entry with its working-day due date."""
    return {"state": state, "stage_entered_at": now, "stage_entry": (item.stage_entry or 0) + 1,
            "stage_due": deadlines.stage_due(app.calendar, state, now, item.publish_deadline, app.settings),
            "updated_at": now}


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
    for key, value in entering_state(step.app, old, "archived", now).items():
        setattr(old, key, value)  # an ORM change: flushed, version-checked, with the transaction
    old.archived_at, old.archive_reason = now, SUPERSEDED
    audit.defer(step.session, at=now, actor=actor, subject=f"item:{old.id}", item_id=old.id, action="archive",
                from_state=from_state, to_state="archived", reason=SUPERSEDED, revision_hash=old.content_hash,
                data={"superseded_by": item.id})
    return [TransitionEvent(old, "archive", from_state, "archived", actor, SUPERSEDED, now)]
