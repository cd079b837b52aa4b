"""Referral to the secrecy authority (转保密审定): the effects of ``refer`` and ``record_referral``.

A reviewer who cannot decide whether content is secret refers the item to the 保密办 / the competent
secrecy authority (保守国家秘密法实施条例 Art. 25 ¶2: the 保密行政管理部门 decides within 10 working days
of the report; 政府信息公开条例 Art. 17: if unsure, refer). The item STAYS in ``secrecy_review``:

- ``refer`` writes a ``referrals`` row bound to the current revision, due at the end of the
  ``secrecy.referral.workdays``-th working day (the injectable calendar), schedules its reminders
  (``workflow.case_reminders``) and stops the review stage's clock: a new stage entry without a due
  date, so the reviewers are not reminded of a decision that waits for somebody else (the entry's
  unsent rungs are cancelled by the item's own UPDATE, migration 0016).
- ``record_referral`` records the determination (``secret`` / ``not_secret`` / ``partly``), cancels
  the referral's reminders and restarts the review stage: a new entry with a full stage period, never
  later than the publish deadline. The statutory publish deadline (20 working days from formation)
  does not move: no rule suspends it for a referral.

While a referral is open ``pass_review`` is refused (``guards.referral_settled``) and the item is not
on the reviewers' task lists (``task_filters``); a ``secret`` or ``partly`` determination refuses the
pass for that revision (it is returned and redacted; a new revision is reviewed afresh).
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.insert_ignore import insert_ignore
from db.models import Item
from db.models.referrals import Referral
from workflow import audit, case_reminders
from workflow.calendar.deadlines import end_of_day, workdays_left
from workflow.clock import local_date
from workflow.errors import Conflict
from workflow.hooks import TransitionEvent
from workflow.i18n import N_
from workflow.item_effects import Step, entering_state
from workflow.views import iso

if TYPE_CHECKING:
    from workflow.context import Gongkai

DETERMINATION_LABELS = {"secret": N_("属于国家秘密"), "not_secret": N_("不属于国家秘密"),
                        "partly": N_("部分涉密（须删除或脱敏后方可公开）")}
#: determinations that refuse ``pass_review`` for the revision they were given on
BLOCKING = ("secret", "partly")
DEFAULT_AUTHORITY = "学校保密办公室"

_INSERT = insert_ignore(Referral.__table__).returning(Referral.__table__.c.id)


def default_authority(settings: Any) -> str:
    """Whom a referral goes to when the reviewer names nobody (``secrecy.referral.authority``)."""
    return str(settings.get("secrecy.referral.authority", DEFAULT_AUTHORITY) or DEFAULT_AUTHORITY)


def referral_due(calendar: Any, asked_at: datetime, settings: Any) -> datetime:
    """The end (Asia/Shanghai) of the N-th working day after the day of the referral (N = 10 by default)."""
    workdays = int(settings.get("secrecy.referral.workdays", 10))
    return end_of_day(calendar.add_workdays(local_date(asked_at), workdays))


def open_referral(step: Step) -> list[TransitionEvent]:
    """refer: the question goes to the authority; the review stage's clock stops until the answer."""
    item, now, inputs, app = step.item, step.now, step.context.inputs, step.app
    authority = inputs.get("authority") or default_authority(app.settings)
    due = referral_due(app.calendar, now, app.settings)
    referral_id = step.session.connection().execute(_INSERT, {
        "item_id": item.id, "revision_id": step.revision_id, "asked_by_id": step.actor.id, "asked_at": now,
        "authority": authority[:200], "question": inputs["question"], "due_at": due, "answered_at": None,
        "answered_by_id": None, "determination": None, "answer": None, "document_no": None}).scalar()
    if referral_id is None:  # another reviewer referred it a moment ago (the partial unique index)
        raise Conflict("该事项已转保密办审定，尚未登记审定结果", code="referral_open")
    case_reminders.schedule_referral(step.session, referral_id, due, app.calendar, app.settings)
    step.set(stage_entry=(item.stage_entry or 0) + 1, stage_due=None, updated_at=now)
    audit.defer(step.session, at=now, actor=step.actor, subject=f"referral:{referral_id}", item_id=item.id,
                action="referral_opened", revision_hash=item.content_hash,
                data={"referral": referral_id, "revision": item.revision, "authority": authority,
                      "question": inputs["question"], "due_at": due.isoformat()})
    return []


def record_answer(step: Step) -> list[TransitionEvent]:
    """record_referral: the authority's determination; the review stage starts again."""
    item, now, inputs = step.item, step.now, step.context.inputs
    referral_id = step.context.referral.open_id
    changed = step.session.execute(
        update(Referral).where(Referral.id == referral_id, Referral.answered_at.is_(None))
        .values(answered_at=now, answered_by_id=step.actor.id, determination=inputs["determination"],
                answer=inputs["answer"], document_no=inputs.get("document_no"))
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise Conflict("该转保密审定已登记结果", code="referral_answered")
    case_reminders.cancel_referral(step.session, int(referral_id or 0))
    if item.stage_due is None:  # the review clock stopped by this referral starts again
        step.set(**entering_state(step.app, item, item.state, now))
    audit.defer(step.session, at=now, actor=step.actor, subject=f"referral:{referral_id}", item_id=item.id,
                action="referral_answered", revision_hash=item.content_hash,
                data={"referral": referral_id, "determination": inputs["determination"], "answer": inputs["answer"],
                      "document_no": inputs.get("document_no")})
    return []


# --------------------------------------------------------------------------- reads

def of_item(session: Session, item_id: int) -> list[Referral]:
    """The item's referrals, newest first (the item page)."""
    return list(session.scalars(select(Referral).where(Referral.item_id == item_id)
                                .order_by(Referral.asked_at.desc(), Referral.id.desc())))


def waiting_filter() -> Any:
    """Items with a referral waiting for the authority's answer (SQL, correlated to ``items``)."""
    return select(Referral.id).where(Referral.item_id == Item.id, Referral.answered_at.is_(None)).exists()


def referral_to_dict(referral: Referral, calendar: Any, now: datetime) -> dict[str, Any]:
    """One referral as the API and the item page show it (working days left while open)."""
    return {"id": referral.id, "item_id": referral.item_id, "revision_id": referral.revision_id,
            "authority": referral.authority, "question": referral.question, "asked_at": iso(referral.asked_at),
            "asked_by_id": referral.asked_by_id, "due_at": iso(referral.due_at),
            "open": referral.answered_at is None,
            "workdays_left": workdays_left(calendar, referral.due_at, now) if referral.answered_at is None else None,
            "answered_at": iso(referral.answered_at), "answered_by_id": referral.answered_by_id,
            "determination": referral.determination, "answer": referral.answer, "document_no": referral.document_no}


# --------------------------------------------------------------------------- calendar changes

def redate_open_referrals(app: "Gongkai", session: Session, calendar: Any) -> None:
    """An admin calendar override: open referrals' due dates and their unsent reminders move with it."""
    rows = session.execute(select(Referral.id, Referral.asked_at, Referral.due_at)
                           .where(Referral.answered_at.is_(None))).all()
    for row in rows:
        due = referral_due(calendar, row.asked_at, app.settings)
        if due != row.due_at:
            session.execute(update(Referral).where(Referral.id == row.id).values(due_at=due)
                            .execution_options(synchronize_session=False))
            case_reminders.redate_referral(session, row.id, due, calendar, app.settings)

