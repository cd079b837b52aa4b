"""The reminder ledger and the sweep.

Ledger: one row per (item, stage entry, rung), created in the transaction that puts the item
into ``draft``/``secrecy_review``/``approval`` and cancelled when it leaves that stage entry — by the
database, in the item's own UPDATE (trigger ``items_stage_left_cancels_rungs``, migration 0016).
Requests for disclosure (applications) use the same ledger: one row per (application, clock
entry, rung), kept in step by ``follow_application`` inside every application verb.

Sweep: reads only rows that are ``pending`` and due (index ``(state, due_at)``), claims them
in batches in a short transaction of its own (PostgreSQL ``FOR UPDATE SKIP LOCKED``; SQLite a
conditional UPDATE under the write lock), then, in a second transaction, writes the inbox rows
(idempotent keys) and marks the ledger rows ``sent``. A claimer that dies between the two
leaves rows ``claimed``; after ``LEASE`` they are claimed again, and the idempotent inbox
keys make the re-run harmless.
"""
from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable

from sqlalchemy import and_, bindparam, case, literal, select, update
from sqlalchemy.orm import Session

from db.models import Item, Reminder
from db.models.applications import Application
from workflow.calendar import deadlines
from workflow.hooks import TransitionEvent
from workflow.notifications import (ApplicationFacts, Directory, ItemFacts, application_recipients,
                                    application_rung_message, insert_ignore, notify, rung_message, rung_recipients)
from workflow.route_steps import active_steps
from workflow.shutdown import stop_requested

if TYPE_CHECKING:
    from workflow.context import Gongkai

OPEN_STAGES = ("draft", "secrecy_review", "approval")
LEASE = timedelta(minutes=5)
BATCH = 500
log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- the ledger

def _rows(item_id: int, stage: str, entry: int, due: datetime, calendar: Any, settings: Any) -> list[dict[str, Any]]:
    times = deadlines.rung_times(calendar, due, settings)
    return [{"item_id": item_id, "stage": stage, "stage_entry": entry, "rung": rung, "due_at": at,
             "state": "pending"} for rung, at in times.items()]


def _insert_or_redate(session: Session, subject: Any, entry: int, rows: list[dict[str, Any]]) -> None:
    """Insert the rungs of one entry; re-date them (one UPDATE) only when they already existed.

    ``subject`` is the condition naming the ledger subject (``Reminder.item_id == 7``). Fresh rows
    need no UPDATE at all; existing ones are re-dated in a single statement with a CASE on the
    rung, touching only rows nobody has been told about yet whose time actually changed.
    """
    inserted = session.execute(insert_ignore(session, Reminder.__table__, returning=("id",)), rows).all()
    if len(inserted) == len(rows):
        return
    # typed binds: the UTC normalisation of UTCDateTime must apply inside the CASE too
    new_due = case({row["rung"]: literal(row["due_at"], Reminder.due_at.type) for row in rows}, value=Reminder.rung)
    session.execute(update(Reminder).where(
        subject, Reminder.stage_entry == entry, Reminder.rung.in_([row["rung"] for row in rows]),
        Reminder.state == "pending", Reminder.due_at != new_due).values(due_at=new_due)
        .execution_options(synchronize_session=False))


_reminders = Reminder.__table__
_CANCEL_ENTRY = (update(_reminders).where(_reminders.c.item_id == bindparam("of_item"),
                                          _reminders.c.stage_entry == bindparam("entry"),
                                          _reminders.c.state == "pending").values(state="cancelled"))


def schedule_stage(session: Session, item_id: int, stage: str, entry: int, due: datetime | None,
                   calendar: Any, settings: Any) -> None:
    """Create (or re-date, while still pending) the rungs of one stage entry."""
    if stage not in OPEN_STAGES:
        return
    if due is None:
        session.connection().execute(_CANCEL_ENTRY, {"of_item": item_id, "entry": entry})
        return
    _insert_or_redate(session, Reminder.item_id == item_id, entry, _rows(item_id, stage, entry, due, calendar, settings))


def follow_transition(app: "Gongkai", session: Session, event: TransitionEvent) -> None:
    """Entering an open stage schedules the new entry's rungs. (Leaving a stage entry cancels its unsent
    rungs inside the item's own UPDATE: trigger ``items_stage_left_cancels_rungs``, migration 0016.)

    The entry a transition opens is new (entries only grow), so none of its rungs exist yet: a plain
    insert, without the look for existing rows to re-date that ``schedule_stage`` makes.
    """
    item = event.item
    if item.state in OPEN_STAGES and item.stage_due is not None:
        rows = _rows(item.id, item.state, item.stage_entry, item.stage_due, app.calendar, app.settings)
        session.connection().execute(insert_ignore(session, _reminders), rows)


def follow_deadlines(app: "Gongkai", session: Session, item: Item, calendar: Any) -> None:
    """A draft created or revised, a formed_on edit or a calendar override: schedule or re-date
    its rungs on ``calendar``."""
    schedule_stage(session, item.id, item.state, item.stage_entry or 1, item.stage_due, calendar, app.settings)


# --------------------------------------------------------------------------- applications (依申请公开)

APPLICATION_STAGE = "application"
APPLICATION_RUNNING = ("received", "replying")  # the reply clock runs (not paused, stopped or closed)


def application_entry(application: Application) -> int:
    """An application's current "stage entry": the number of its clock events.

    Every event (start, pause, resume, stop, restart, extend) re-computes the reply due date, so
    every event opens a new entry; the list only grows, so the number never repeats.
    """
    return len(application.clock_events or [])


def follow_application(app: "Gongkai", session: Session, application: Application, calendar: Any = None) -> None:
    """Keep an application's rungs in step with its clock, inside the verb's transaction.

    Rungs of earlier entries that nobody was told about are cancelled; while the clock runs, the
    current entry's rungs hang off the end of the reply due day (Asia/Shanghai); while it is paused
    (third party), stopped (补正) or the application is closed, nothing is pending.
    """
    entry = application_entry(application)
    unsent = Reminder.state.in_(("pending", "claimed"))
    mine = Reminder.application_id == application.id
    if application.state not in APPLICATION_RUNNING or application.due_on is None:
        session.execute(update(Reminder).where(mine, unsent).values(state="cancelled")
                        .execution_options(synchronize_session=False))
        return
    session.execute(update(Reminder).where(mine, Reminder.stage_entry < entry, unsent).values(state="cancelled")
                    .execution_options(synchronize_session=False))
    times = deadlines.rung_times(calendar or app.calendar, deadlines.end_of_day(application.due_on), app.settings)
    rows = [{"item_id": None, "application_id": application.id, "stage": APPLICATION_STAGE, "stage_entry": entry,
             "rung": rung, "due_at": at, "state": "pending"} for rung, at in times.items()]
    _insert_or_redate(session, mine, entry, rows)


def _application_facts(session: Session, ids: list[int]) -> dict[int, ApplicationFacts]:
    if not ids:
        return {}
    rows = session.execute(select(Application.id, Application.tracking_no, Application.state,
                                  Application.clock_events, Application.department_id, Application.due_on)
                           .where(Application.id.in_(ids)))
    return {r.id: ApplicationFacts(r.id, r.tracking_no, r.state, len(r.clock_events or []), r.department_id,
                                   r.due_on) for r in rows}


def _still_running(facts: ApplicationFacts | None, entry: int) -> bool:
    return (facts is not None and facts.state in APPLICATION_RUNNING and facts.entry == entry
            and facts.due_on is not None)


def pending_for_application(app: "Gongkai", application_id: int) -> list[Reminder]:
    """The ledger rows of one application (tests, explanations)."""
    with app.db.read() as session:
        return list(session.scalars(select(Reminder).where(Reminder.application_id == application_id)
                                    .order_by(Reminder.stage_entry, Reminder.due_at)))


# --------------------------------------------------------------------------- the sweep

@dataclass(frozen=True)
class Notice:
    """One reminder that was notified: rung, item (or application) and who was told."""

    rung: str
    item_id: int | None
    title: str
    recipients: tuple[str, ...]
    application_id: int | None = None

    def line(self) -> str:
        """One printable line (``gongkai sweep``)."""
        subject = f"#{self.item_id}" if self.item_id is not None else f"application#{self.application_id}"
        return f"{self.rung}\t{subject}\t{self.title}\t{', '.join(self.recipients)}"


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
        reclaim = and_(Reminder.state == "claimed", Reminder.claimed_at < expired)
        for condition in (reclaim, and_(Reminder.state == "pending", Reminder.due_at <= now)):
            room = size - len(claimed)
            if room <= 0:
                break
            pick = select(Reminder.id).where(condition).order_by(Reminder.due_at).limit(room)
            if app.db.is_postgres:
                pick = pick.with_for_update(skip_locked=True)
            ids = session.scalars(pick).all()
            if not ids:
                continue
            if condition is reclaim:
                _log_reclaim(session, ids, now)
            # The state condition is repeated so that a row claimed meanwhile (SQLite readers) is not taken.
            result = session.execute(update(Reminder).where(Reminder.id.in_(ids), condition)
                                     .values(state="claimed", claimed_by=claimer, claimed_at=now)
                                     .returning(Reminder.id))
            claimed.extend(row[0] for row in result)
        return claimed


def _log_reclaim(session: Session, ids: list[int], now: datetime) -> None:
    """A claim abandoned past its lease (its claimer died or hung) is taken over: say whose and which."""
    rows = session.execute(select(Reminder.id, Reminder.claimed_by, Reminder.claimed_at)
                           .where(Reminder.id.in_(ids))).all()
    by_claimer: dict[str, list[int]] = {}
    for row in rows:
        by_claimer.setdefault(f"{row.claimed_by} (claimed at {row.claimed_at:%Y-%m-%d %H:%M:%S}Z)", []).append(row.id)
    for claimer, taken in by_claimer.items():
        log.warning("lease reclaim: %d reminder(s) abandoned by %s taken over at %s: ids %s",
                    len(taken), claimer, f"{now:%Y-%m-%d %H:%M:%S%z}", taken[:50])


def _deliver_batch(app: "Gongkai", ids: list[int], now: datetime, claimer: str, result: SweepResult) -> None:
    calendar = app.calendar
    with app.db.write() as session:
        reminders = session.execute(select(Reminder.id, Reminder.item_id, Reminder.application_id, Reminder.stage,
                                           Reminder.stage_entry, Reminder.rung)
                                    .where(Reminder.id.in_(ids), Reminder.claimed_by == claimer,
                                           Reminder.state == "claimed")).all()
        item_ids = sorted({r.item_id for r in reminders if r.item_id is not None})
        items = {row.id: ItemFacts(*row) for row in session.execute(select(
            Item.id, Item.title, Item.state, Item.stage_entry, Item.department_id, Item.author_id,
            Item.submitted_by_id, Item.reviewed_by_id, Item.stage_due, Item.route_step)
            .where(Item.id.in_(item_ids)))} if item_ids else {}
        steps = active_steps(session, [i.id for i in items.values() if i.route_step is not None])
        applications = _application_facts(session, sorted({r.application_id for r in reminders
                                                           if r.application_id is not None}))
        directory = Directory(session)
        sent, cancelled = [], []
        for reminder in reminders:
            if reminder.application_id is not None:
                facts = applications.get(reminder.application_id)
                if not _still_running(facts, reminder.stage_entry):
                    cancelled.append(reminder.id)  # paused, stopped, re-dated or closed since
                    continue
                assert facts is not None and facts.due_on is not None
                late = deadlines.workdays_late(calendar, deadlines.end_of_day(facts.due_on), now)
                title, body = application_rung_message(app, facts, reminder.rung, late)
                people = application_recipients(directory, facts, reminder.rung)
                told = notify(session, people, kind=reminder.rung, key=f"rem:{reminder.id}", title=title, body=body,
                              now=now, application_id=facts.id)
                sent.append(reminder.id)
                if told:
                    result.notices.append(Notice(reminder.rung, None, facts.tracking_no,
                                                 tuple(p.username for p in told), application_id=facts.id))
                continue
            item = items.get(reminder.item_id)
            if item is None or item.state != reminder.stage or item.stage_entry != reminder.stage_entry:
                cancelled.append(reminder.id)  # the item has left that stage since
                continue
            late = deadlines.workdays_late(calendar, item.stage_due, now)
            title, body = rung_message(app, item, reminder.stage, reminder.rung, late)
            people = rung_recipients(directory, item, reminder.stage, reminder.rung, steps.get(item.id))
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
    while not stop_requested():  # a stopping process takes no new batch; the current one is finished
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
