"""The reminder ledger and the sweep.

Ledger: one row per (item, stage entry, rung), created in the transaction that puts the item
into ``draft``/``secrecy_review``/``approval`` and cancelled when it leaves that stage entry.

Sweep: reads only rows that are ``pending`` and due (index ``(state, due_at)``), claims them
in batches in a short transaction of its own (PostgreSQL ``FOR UPDATE SKIP LOCKED``; SQLite a
conditional UPDATE under the write lock), then, in a second transaction, writes the inbox rows
(idempotent keys) and marks the ledger rows ``sent``. A claimer that dies between the two
leaves rows ``claimed``; after ``LEASE`` they are claimed again, and the idempotent inbox
keys make the re-run harmless.
"""
from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from db.models import Item, Reminder
from workflow import deadlines
from workflow.hooks import TransitionEvent, after_transition, deadlines_changed
from workflow.notifications import Directory, ItemFacts, insert_ignore, notify, rung_message, rung_recipients

if TYPE_CHECKING:
    from workflow.context import Gongkai

OPEN_STAGES = ("draft", "secrecy_review", "approval")
LEASE = timedelta(minutes=5)
BATCH = 500


# --------------------------------------------------------------------------- the ledger

def _rows(item_id: int, stage: str, entry: int, due: datetime, calendar: Any, settings: Any) -> list[dict[str, Any]]:
    times = deadlines.rung_times(calendar, due, settings)
    return [{"item_id": item_id, "stage": stage, "stage_entry": entry, "rung": rung, "due_at": at,
             "state": "pending"} for rung, at in times.items()]


def schedule_stage(session: Session, item_id: int, stage: str, entry: int, due: datetime | None,
                   calendar: Any, settings: Any) -> None:
    """Create (or re-date, while still pending) the rungs of one stage entry."""
    if stage not in OPEN_STAGES:
        return
    if due is None:
        session.execute(update(Reminder).where(Reminder.item_id == item_id, Reminder.stage_entry == entry,
                                               Reminder.state == "pending").values(state="cancelled"))
        return
    rows = _rows(item_id, stage, entry, due, calendar, settings)
    session.execute(insert_ignore(session, Reminder.__table__), rows)
    for row in rows:  # re-dating: only rows nobody has been told about yet
        session.execute(update(Reminder).where(
            Reminder.item_id == item_id, Reminder.stage_entry == entry, Reminder.rung == row["rung"],
            Reminder.state == "pending", Reminder.due_at != row["due_at"]).values(due_at=row["due_at"]))


def cancel_previous(session: Session, item_id: int, current_entry: int) -> None:
    """Cancel the rungs of earlier stage entries that were not yet notified."""
    session.execute(update(Reminder).where(
        Reminder.item_id == item_id, Reminder.stage_entry < current_entry,
        Reminder.state.in_(("pending", "claimed"))).values(state="cancelled"))


@after_transition
def follow_transition(app: "Gongkai", session: Session, event: TransitionEvent) -> None:
    """Leaving a stage cancels its rungs; entering an open stage schedules the new ones."""
    item = event.item
    cancel_previous(session, item.id, item.stage_entry)
    if item.state in OPEN_STAGES:
        schedule_stage(session, item.id, item.state, item.stage_entry, item.stage_due,
                       app.calendar, app.settings)


@deadlines_changed
def follow_deadlines(app: "Gongkai", session: Session, item: Item) -> None:
    """A draft created or revised, or a formed_on edit: schedule or re-date its rungs."""
    schedule_stage(session, item.id, item.state, item.stage_entry or 1, item.stage_due, app.calendar, app.settings)


# --------------------------------------------------------------------------- the sweep

@dataclass(frozen=True)
class Notice:
    """One reminder that was notified: rung, item and who was told."""

    rung: str
    item_id: int
    title: str
    recipients: tuple[str, ...]

    def line(self) -> str:
        """One printable line (``gongkai sweep``)."""
        return f"{self.rung}\t#{self.item_id}\t{self.title}\t{', '.join(self.recipients)}"


@dataclass
class SweepResult:
    """What one sweep did."""

    notices: list[Notice] = field(default_factory=list)
    claimed: int = 0
    skipped: int = 0
    mails_queued: int = 0

    @property
    def notified(self) -> int:
        return sum(len(n.recipients) for n in self.notices)


def default_claimer() -> str:
    """A name unique to this process and call."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim_batch(app: "Gongkai", now: datetime, claimer: str, size: int = BATCH) -> list[int]:
    """Atomically claim up to ``size`` due rows (and rows whose claimer's lease expired)."""
    expired = now - LEASE
    with app.db.write() as session:
        claimed: list[int] = []
        for condition in (and_(Reminder.state == "claimed", Reminder.claimed_at < expired),
                          and_(Reminder.state == "pending", Reminder.due_at <= now)):
            room = size - len(claimed)
            if room <= 0:
                break
            pick = select(Reminder.id).where(condition).order_by(Reminder.due_at).limit(room)
            if app.db.is_postgres:
                pick = pick.with_for_update(skip_locked=True)
            ids = session.scalars(pick).all()
            if not ids:
                continue
            # The state condition is repeated so that a row claimed meanwhile (SQLite readers) is not taken.
            result = session.execute(update(Reminder).where(Reminder.id.in_(ids), condition)
                                     .values(state="claimed", claimed_by=claimer, claimed_at=now)
                                     .returning(Reminder.id))
            claimed.extend(row[0] for row in result)
        return claimed


def _deliver_batch(app: "Gongkai", ids: list[int], now: datetime, claimer: str, result: SweepResult) -> None:
    calendar = app.calendar
    with app.db.write() as session:
        reminders = session.execute(select(Reminder.id, Reminder.item_id, Reminder.stage, Reminder.stage_entry,
                                           Reminder.rung).where(Reminder.id.in_(ids),
                                                                Reminder.claimed_by == claimer,
                                                                Reminder.state == "claimed")).all()
        item_ids = sorted({r.item_id for r in reminders})
        items = {row.id: ItemFacts(*row) for row in session.execute(select(
            Item.id, Item.title, Item.state, Item.stage_entry, Item.department_id, Item.author_id,
            Item.submitted_by_id, Item.reviewed_by_id, Item.stage_due).where(Item.id.in_(item_ids)))}
        directory = Directory(session)
        sent, cancelled = [], []
        for reminder in reminders:
            item = items.get(reminder.item_id)
            if item is None or item.state != reminder.stage or item.stage_entry != reminder.stage_entry:
                cancelled.append(reminder.id)  # the item has left that stage since
                continue
            late = deadlines.workdays_late(calendar, item.stage_due, now)
            title, body = rung_message(app, item, reminder.stage, reminder.rung, late)
            people = rung_recipients(directory, item, reminder.stage, reminder.rung)
            told = notify(session, people, kind=reminder.rung, key=f"rem:{reminder.id}", title=title, body=body,
                          now=now, item_id=item.id)
            sent.append(reminder.id)
            if told:
                result.notices.append(Notice(reminder.rung, item.id, item.title, tuple(p.username for p in told)))
        mine = (Reminder.claimed_by == claimer, Reminder.state == "claimed")
        if sent:
            session.execute(update(Reminder).where(Reminder.id.in_(sent), *mine).values(state="sent", sent_at=now))
        if cancelled:
            session.execute(update(Reminder).where(Reminder.id.in_(cancelled), *mine).values(state="cancelled"))
        result.skipped += len(cancelled) + len(ids) - len(reminders)  # cancelled meanwhile by a transition


def sweep(app: "Gongkai", now: datetime | None = None, *, batch_size: int = BATCH, claimer: str | None = None,
          queue_mail: bool = True, on_claimed: Callable[[list[int]], None] | None = None) -> SweepResult:
    """Notify every reminder due at ``now`` (default ``app.now()``) exactly once; returns what was new."""
    now = now or app.now()
    claimer = claimer or default_claimer()
    result = SweepResult()
    while True:
        ids = claim_batch(app, now, claimer, batch_size)
        if not ids:
            break
        result.claimed += len(ids)
        if on_claimed is not None:
            on_claimed(ids)
        _deliver_batch(app, ids, now, claimer, result)
    if queue_mail:
        from workflow.mailer import queue_instant
        result.mails_queued = queue_instant(app, now)
    return result


def pending_for_item(app: "Gongkai", item_id: int) -> list[Reminder]:
    """The ledger rows of one item (tests, explanations)."""
    with app.db.read() as session:
        return list(session.scalars(select(Reminder).where(Reminder.item_id == item_id)
                                    .order_by(Reminder.stage_entry, Reminder.due_at)))
