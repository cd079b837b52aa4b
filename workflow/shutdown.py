"""Graceful stop of a scheduler process (SIGTERM to ``gongkai run`` / ``gongkai scheduler``).

Order: stop taking new jobs (and new batches inside a running sweep or delivery), wait a bounded
time for a running job to finish, hand back the claims this process still holds (reminders it
claimed, outbox mail it marked ``sending``) so another scheduler takes them at once instead of
after the lease, mark the heartbeat stopped, checkpoint SQLite's WAL into the main file and
close every connection. A copy of the SQLite file taken afterwards is complete on its own.
"""
from __future__ import annotations

import logging
import signal
import threading
from typing import TYPE_CHECKING, Any, Callable, Iterable

from sqlalchemy import update

from db.models import OutboxMail, Reminder
from workflow.liveness import Instance, beat, process_prefix

if TYPE_CHECKING:
    from workflow.context import Gongkai

log = logging.getLogger(__name__)

_stopping = threading.Event()
_held_mail: set[int] = set()
_held_lock = threading.Lock()


def stop_requested() -> bool:
    """True once this process was asked to stop: jobs and loops take no new work."""
    return _stopping.is_set()


def request_stop() -> None:
    """Ask every job of this process to stop taking new work."""
    _stopping.set()


def reset() -> None:
    """Forget a stop request (a new scheduler in the same process: tests)."""
    _stopping.clear()


def hold_mail(ids: Iterable[int]) -> None:
    """Remember outbox rows this process claimed (state ``sending``) until they are settled."""
    with _held_lock:
        _held_mail.update(ids)


def settle_mail(ids: Iterable[int]) -> None:
    """Outbox rows no longer held (sent, re-queued, failed or released)."""
    with _held_lock:
        _held_mail.difference_update(ids)


def release_mail(app: "Gongkai", ids: list[int]) -> int:
    """Put claimed mail back in the queue, due at once; returns how many were released."""
    if not ids:
        return 0
    with app.db.write() as session:
        released = session.execute(update(OutboxMail).where(OutboxMail.id.in_(ids), OutboxMail.state == "sending")
                                   .values(state="queued", claimed_at=None, next_attempt_at=app.now())).rowcount
    settle_mail(ids)
    return int(released or 0)


def release_leases(app: "Gongkai") -> dict[str, int]:
    """Hand back every reminder and outbox claim this process holds; returns the counts."""
    with _held_lock:
        mail = sorted(_held_mail)
    with app.db.write() as session:
        reminders = session.execute(
            update(Reminder).where(Reminder.state == "claimed",
                                   Reminder.claimed_by.startswith(process_prefix(), autoescape=True))
            .values(state="pending", claimed_by=None, claimed_at=None)
            .execution_options(synchronize_session=False)).rowcount
    released = {"reminders": int(reminders or 0), "mails": release_mail(app, mail)}
    if released["reminders"] or released["mails"]:
        log.warning("released claims held by this process: %(reminders)s reminder(s), %(mails)s mail(s)", released)
    return released


def close_database(app: "Gongkai") -> None:
    """Checkpoint SQLite's WAL into the database file (TRUNCATE) and close every pooled connection."""
    if app.db.is_sqlite:
        raw = app.db.engine.raw_connection()
        try:
            # the driver connection is in autocommit (isolation_level None): no open transaction blocks it
            busy, _frames, _done = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy:
                log.warning("SQLite WAL checkpoint incomplete (database busy)")
        finally:
            raw.close()
    app.db.dispose()


def graceful_stop(app: "Gongkai", scheduler: Any, instance: Instance | None, grace_seconds: float) -> bool:
    """Stop ``scheduler`` as described in the module docstring; True when no job was left running."""
    request_stop()
    if scheduler is not None and getattr(scheduler, "running", False):
        scheduler.shutdown(wait=False)
    idle = True
    if instance is not None:
        idle = instance.wait_idle(grace_seconds)
        if not idle:
            log.warning("a scheduler job was still running after %.0f s; its claims are handed back", grace_seconds)
    try:
        release_leases(app)
        if instance is not None:
            beat(app, instance, stopped=True)
    except Exception:  # stopping must go on: a lease left behind expires anyway
        log.exception("could not release claims or mark the heartbeat stopped")
    close_database(app)
    log.info("scheduler stopped%s", "" if idle else " (a job was abandoned)")
    return idle


def on_termination(handler: Callable[[], None]) -> None:
    """Call ``handler`` on the first SIGTERM or SIGINT (main thread); later ones are ignored during the stop."""
    def handle(signum: int, _frame: Any) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        log.info("received %s: stopping", signal.Signals(signum).name)
        request_stop()
        handler()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handle)
