"""Scheduler liveness (heartbeat rows), job logging, lease reclaim warnings and the release of claims on stop."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select

from db.models import OutboxMail, Reminder
from db.models.liveness import SchedulerHeartbeat
from tests.conftest import World, item_payload
from workflow import shutdown
from workflow.clock import SHANGHAI
from workflow.liveness import Instance, beat, process_prefix, status
from workflow.mailer import deliver
from workflow.reminders import LEASE, claim_batch, default_claimer
from workflow.scheduler import _guarded
from workflow.services import items as svc
from workflow.wiring import build_gongkai

DUE = datetime(2025, 10, 9, 9, 0, tzinfo=SHANGHAI)  # a working day after the item's review is overdue


def _due_reminders(world: World) -> int:
    """An item in secrecy review whose first rungs are due by ``DUE``; returns how many are due."""
    item = svc.create_item(world.app, world.drafter, item_payload())
    svc.submit(world.app, world.drafter, item.id)
    with world.app.db.read() as session:
        return session.scalar(select(func.count()).select_from(Reminder).where(
            Reminder.state == "pending", Reminder.due_at <= DUE)) or 0


def test_no_heartbeat_then_a_live_scheduler_then_a_silent_one(world: World, clock) -> None:
    app = world.app
    assert status(app).alive is False and status(app).last_beat_at is None
    instance = Instance(started_at=app.now())
    beat(app, instance)
    assert status(app).alive and status(app).running == 1
    clock.advance(minutes=11)  # past liveness.overdue_minutes (10)
    silent = status(app)
    assert not silent.alive and silent.last_beat_at == instance.started_at
    beat(app, instance)
    assert status(app).alive
    beat(app, instance, stopped=True)  # a clean stop: the process no longer runs jobs
    assert not status(app).alive


def test_beat_records_the_last_job_and_prunes_long_silent_rows(world: World, clock) -> None:
    app = world.app
    dead = Instance(started_at=app.now())
    beat(app, dead)
    clock.advance(days=8)  # past liveness.prune_after_days (7)
    live = Instance(started_at=app.now())
    _guarded(app, "publish", live)()
    beat(app, live)
    with app.db.read() as session:
        rows = session.scalars(select(SchedulerHeartbeat)).all()
    assert [row.instance_id for row in rows] == [live.instance_id]
    assert rows[0].instance_id.startswith(process_prefix())
    assert (rows[0].last_job, rows[0].last_job_ok, rows[0].last_job_result) == ("publish", True, "items=0")


def test_every_job_run_is_logged_with_its_figures(world: World, clock, caplog) -> None:
    due = _due_reminders(world)
    assert due > 0
    clock.set(DUE)
    caplog.set_level(logging.INFO, logger="workflow.scheduler")
    _guarded(world.app, "sweep")()
    _guarded(world.app, "publish")()
    lines = [r.getMessage() for r in caplog.records if r.name == "workflow.scheduler" and r.levelno == logging.INFO]
    assert any(line.startswith("job sweep done in ") and f"claimed={due} reminders={due}" in line
               and "mails_sent=" in line for line in lines), lines
    assert any(line.startswith("job publish done in ") and "items=0" in line for line in lines), lines


def test_a_reclaimed_reminder_lease_is_logged_as_a_warning(world: World, clock, caplog) -> None:
    due = _due_reminders(world)
    clock.set(DUE)
    assert len(claim_batch(world.app, DUE, "deadhost:4242:abcd")) == due  # a claimer that then died
    caplog.set_level(logging.WARNING, logger="workflow.reminders")
    assert claim_batch(world.app, DUE + timedelta(minutes=1), "other") == []  # lease still running: nothing
    assert not caplog.records
    taken = claim_batch(world.app, DUE + LEASE + timedelta(minutes=1), "other")
    assert len(taken) == due
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "lease reclaim" in warnings[0] and "deadhost:4242:abcd" in warnings[0]


def _queued_mail(world: World, n: int, state: str = "queued", claimed_at: datetime | None = None) -> None:
    with world.app.db.write() as session:
        session.execute(insert(OutboxMail), [
            {"idempotency_key": f"test:{i}", "to_addr": f"u{i}@example.edu.cn", "subject": "提醒", "body": "正文",
             "kind": "instant", "state": state, "attempts": 0, "next_attempt_at": DUE - timedelta(hours=1),
             "claimed_at": claimed_at, "created_at": DUE - timedelta(hours=1)} for i in range(n)])


def test_a_reclaimed_mail_lease_is_logged_as_a_warning(world: World, clock, caplog) -> None:
    _queued_mail(world, 2, state="sending", claimed_at=DUE - timedelta(minutes=30))
    caplog.set_level(logging.WARNING, logger="workflow.mailer")
    settings = world.app.settings.with_overrides({"mail": {"port": 1, "max_attempts": 6}})  # nothing listens
    app = build_gongkai(db=world.app.db, settings=settings, clock=clock)
    result = deliver(app, DUE)
    assert result.retried == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "lease reclaim: 2 mail(s)" in warnings[0]


def test_stopping_hands_back_this_process_claims_at_once(world: World, clock) -> None:
    app = world.app
    due = _due_reminders(world)
    clock.set(DUE)
    mine = claim_batch(app, DUE, default_claimer())
    theirs_claimer = "otherhost:1:ffff"
    _queued_mail(world, 3)
    with app.db.write() as session:  # this process is sending these three mails
        session.execute(OutboxMail.__table__.update().values(state="sending", claimed_at=DUE))
        held = list(session.scalars(select(OutboxMail.id)))
    shutdown.hold_mail(held)
    try:
        released = shutdown.release_leases(app)
    finally:
        shutdown.settle_mail(held)
    assert released == {"reminders": len(mine), "mails": 3} and len(mine) == due
    # another scheduler takes them over at the same minute: no waiting for the lease to expire
    assert len(claim_batch(app, DUE, theirs_claimer)) == due
    with app.db.read() as session:
        states = session.scalars(select(OutboxMail.state)).all()
    assert states == ["queued"] * 3
    # claims of other processes are never touched
    assert shutdown.release_leases(app) == {"reminders": 0, "mails": 0}


def test_graceful_stop_waits_for_a_running_job_but_not_forever(world: World, clock) -> None:
    import threading
    import time
    app = world.app
    due = _due_reminders(world)
    clock.set(DUE)
    instance = Instance(started_at=app.now())
    beat(app, instance)
    try:
        instance.job_started()  # a job that finishes within the grace period
        threading.Timer(0.3, instance.job_finished, args=("sweep", True, "claimed=0", DUE)).start()
        assert shutdown.graceful_stop(app, None, instance, 10) is True
        assert shutdown.stop_requested()

        shutdown.reset()
        assert len(claim_batch(app, DUE, default_claimer())) == due
        instance.job_started()  # a job that hangs (a mail server that never answers)
        started = time.monotonic()
        assert shutdown.graceful_stop(app, None, instance, 0.5) is False
        assert time.monotonic() - started < 5
    finally:
        shutdown.reset()
    with app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Reminder).where(Reminder.state == "claimed")) == 0
        row = session.scalars(select(SchedulerHeartbeat)).one()
    assert row.stopped_at is not None and not status(app).alive
    assert len(claim_batch(app, DUE, "otherhost:2:eeee")) == due  # taken over at once
