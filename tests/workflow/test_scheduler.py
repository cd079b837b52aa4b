"""Scheduler jobs, ``gongkai sweep``, and exactly-once sweeps across processes and crashes."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from db.models import Item, Notification, Reminder
from tests.conftest import CLEAR, World, item_payload
from workflow.clock import SHANGHAI
from workflow.scheduler import (archive_expired, check_calendar_coverage, publish_scheduled, start_embedded,
                                stop_embedded)
from workflow.services import items as svc

SWEEP_AT = "2025-12-31T09:00+08:00"
PER_ITEM = 7  # due_soon → reviewer, all_rounder; overdue → same (reviewer is the head); very_overdue → + admin


def _approved(world: World, **payload: object) -> Item:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload(**payload))
    svc.submit(app, world.drafter, item.id)
    svc.pass_review(app, world.reviewer, item.id, checklist=CLEAR)
    return item


def test_scheduled_publish_and_display_end(world: World, clock) -> None:
    app = world.app
    item = _approved(world)
    svc.approve(app, world.approver, item.id, publish_at="2025-09-27T08:00:00+08:00")
    assert publish_scheduled(app) == []
    clock.set(datetime(2025, 9, 27, 8, 1, tzinfo=SHANGHAI))
    assert publish_scheduled(app) == [item.id]
    assert publish_scheduled(app) == []  # a second scheduler finds nothing to do
    other = _approved(world, display_until="2025-10-10T00:00:00+08:00")
    svc.approve(app, world.approver, other.id)
    clock.set(datetime(2025, 10, 10, 0, 1, tzinfo=SHANGHAI))
    assert archive_expired(app) == [other.id]
    archived = svc.get_item(app, world.admin, other.id)
    assert archived.state == "archived" and archived.archive_reason == "公示期满"


def test_calendar_coverage_warns_admins_once_a_year(world: World, clock) -> None:
    app = world.app
    clock.set(datetime(2026, 10, 31, 9, tzinfo=SHANGHAI))
    assert check_calendar_coverage(app) == 0  # before 1 November
    clock.set(datetime(2026, 11, 1, 9, tzinfo=SHANGHAI))
    assert check_calendar_coverage(app) == 1  # 2027 has no official data: the admin is told
    clock.set(datetime(2026, 11, 2, 9, tzinfo=SHANGHAI))
    assert check_calendar_coverage(app) == 0


def test_embedded_scheduler_is_started_once(world: World) -> None:
    try:
        first = start_embedded(world.app)
        assert start_embedded(world.app) is first and first.running
        assert {job.id for job in first.get_jobs()} == {"sweep", "digest", "publish", "display_end",
                                                         "calendar_coverage", "heartbeat", "audit_anchor",
                                                         "scan"}
    finally:
        stop_embedded()


# --------------------------------------------------------------------------- processes (PostgreSQL)

def _cli(url: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "GONGKAI_DATABASE_URL": url}
    return subprocess.Popen([sys.executable, "-m", "gongkai", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _bulk_due(world: World, items: int) -> int:
    """``items`` copies of one item in secrecy review, with three due rungs each (bulk SQL)."""
    app = world.app
    template = svc.create_item(app, world.drafter, item_payload(title="批量事项"))
    svc.submit(app, world.drafter, template.id)
    with app.db.write() as session:
        columns = [c.name for c in Item.__table__.columns if c.name != "id"]
        names = ", ".join(columns)
        session.execute(text(f"INSERT INTO items ({names}) SELECT {names} FROM items, generate_series(2, :n) "
                             f"WHERE id = :t"), {"n": items, "t": template.id})
        session.execute(text(
            "INSERT INTO reminders (item_id, stage, stage_entry, rung, due_at, state) "
            "SELECT i.id, 'secrecy_review', i.stage_entry, r.rung, TIMESTAMPTZ '2025-12-01 09:00+08', 'pending' "
            "FROM items i CROSS JOIN (VALUES ('due_soon'), ('overdue'), ('very_overdue')) AS r(rung) "
            "WHERE i.id <> :t ON CONFLICT DO NOTHING"), {"t": template.id})
    with app.db.read() as session:
        return session.scalar(select(func.count()).select_from(Reminder).where(Reminder.state == "pending"))


def _require_pg(world: World) -> None:
    if not world.app.db.is_postgres:
        pytest.skip("multi-process sweeps run on PostgreSQL")


@pytest.mark.postgres_only
@pytest.mark.slow
def test_four_processes_notify_each_reminder_once(world: World) -> None:
    _require_pg(world)
    due = _bulk_due(world, 3334)
    assert due >= 10_000
    processes = [_cli(world.app.db.url, "sweep", "--now", SWEEP_AT, "--batch", "200") for _ in range(4)]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert all(p.returncode == 0 for p in processes), [o[1][-2000:] for o in outputs]
    lines = [line for out, _err in outputs for line in out.splitlines() if line.strip()]
    keys = [tuple(line.split("\t")[:2]) for line in lines]
    assert len(keys) == len(set(keys)) == due  # every reminder reported by exactly one process
    assert sum(1 for out, _ in outputs if out.strip()) >= 2  # the work was really shared
    with world.app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Reminder).where(Reminder.state.in_(("pending", "claimed")))) == 0
        assert session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind.in_(("due_soon", "overdue", "very_overdue")))) == due // 3 * PER_ITEM


@pytest.mark.postgres_only
@pytest.mark.slow
def test_killed_sweep_loses_nothing_and_repeats_nothing(world: World) -> None:
    _require_pg(world)
    due = _bulk_due(world, 3334)
    victim = _cli(world.app.db.url, "sweep", "--now", SWEEP_AT, "--batch", "20")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with world.app.db.read() as session:
            done = session.scalar(select(func.count()).select_from(Reminder).where(Reminder.state == "sent"))
        if done >= 300:
            break
        time.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    with world.app.db.read() as session:
        left = session.scalar(select(func.count()).select_from(Reminder).where(Reminder.state.in_(("pending", "claimed"))))
    assert 0 < left < due  # really killed in the middle
    later = (datetime.fromisoformat(SWEEP_AT) + timedelta(minutes=10)).isoformat()  # past the claim lease
    survivor = _cli(world.app.db.url, "sweep", "--now", later)
    out, err = survivor.communicate(timeout=300)
    assert survivor.returncode == 0, err[-2000:]
    with world.app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Reminder).where(Reminder.state.in_(("pending", "claimed")))) == 0
        told = session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind.in_(("due_soon", "overdue", "very_overdue"))))
        keys = session.scalar(select(func.count(func.distinct(Notification.idempotency_key))))
    assert told == due // 3 * PER_ITEM and keys == session_total(world)


def session_total(world: World) -> int:
    with world.app.db.read() as session:
        return session.scalar(select(func.count()).select_from(Notification))


def test_sweep_command_prints_new_notifications_once(world: World) -> None:
    from click.testing import CliRunner

    from gongkai.cli import main
    item = svc.create_item(world.app, world.drafter, item_payload())
    svc.submit(world.app, world.drafter, item.id)
    runner = CliRunner()
    env = {"GONGKAI_DATABASE_URL": world.app.db.url}
    first = runner.invoke(main, ["sweep", "--now", "2025-10-31T09:00+08:00"], env=env)
    assert first.exit_code == 0, first.output
    lines = [line for line in first.stdout.splitlines() if line.startswith(("due_soon", "overdue", "very"))]
    assert [line.split("\t")[:2] for line in lines] == [["due_soon", f"#{item.id}"], ["overdue", f"#{item.id}"],
                                                        ["very_overdue", f"#{item.id}"]]
    assert "admin" in lines[-1] and "2025年国家奖学金评审结果" in lines[0]
    again = runner.invoke(main, ["sweep", "--now", "2025-10-31T09:00+08:00"], env=env)
    assert again.exit_code == 0 and not [l for l in again.stdout.splitlines() if l.startswith(("due", "over", "very"))]
