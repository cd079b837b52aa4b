"""Scheduler liveness: who is running the jobs, when it last beat, and what it last did.

Every scheduler process owns one :class:`Instance`. It writes its heartbeat row at start and
then from the fixed ``heartbeat`` job (every ``liveness.heartbeat_seconds``); the row also
carries the last job's name, result and time. :func:`status` tells the overdue page whether
any scheduler beat within ``liveness.overdue_minutes``. Beats prune rows silent for longer
than ``liveness.prune_after_days`` (processes that died long ago).
"""
from __future__ import annotations

import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, update

from db.models.liveness import SchedulerHeartbeat

if TYPE_CHECKING:
    from workflow.context import Gongkai

RESULT_MAX = 500


def process_prefix() -> str:
    """``host:pid:`` — the start of every claim name this process writes (see ``reminders.default_claimer``)."""
    return f"{socket.gethostname()}:{os.getpid()}:"


@dataclass
class Instance:
    """One running scheduler: its identity, its last job and how many jobs run right now."""

    started_at: datetime
    instance_id: str = field(default_factory=lambda: process_prefix() + uuid.uuid4().hex[:8])
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    last_job: str | None = None
    last_job_ok: bool | None = None
    last_job_result: str | None = None
    last_job_at: datetime | None = None
    _running: int = 0
    _idle: threading.Condition = field(default_factory=threading.Condition)

    def job_started(self) -> None:
        """Count a job as running (the graceful stop waits for it)."""
        with self._idle:
            self._running += 1

    def job_finished(self, name: str, ok: bool, result: str, at: datetime) -> None:
        """Remember the job's outcome for the next beat and wake a waiting stop."""
        with self._idle:
            self._running -= 1
            self.last_job, self.last_job_ok, self.last_job_at = name, ok, at
            self.last_job_result = result[:RESULT_MAX]
            self._idle.notify_all()

    @property
    def running(self) -> int:
        return self._running

    def wait_idle(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the running jobs to end; True when none is left."""
        with self._idle:
            return self._idle.wait_for(lambda: self._running <= 0, timeout=timeout)


def beat(app: "Gongkai", instance: Instance, *, stopped: bool = False) -> None:
    """Write (insert or update) this instance's heartbeat row, and prune rows silent for too long."""
    now = app.now()
    values = {"host": instance.host[:255], "pid": instance.pid, "last_beat_at": now,
              "last_job": instance.last_job, "last_job_ok": instance.last_job_ok,
              "last_job_result": instance.last_job_result, "last_job_at": instance.last_job_at,
              "stopped_at": now if stopped else None}
    prune_before = now - timedelta(days=float(app.settings.get("liveness.prune_after_days", 7)))
    with app.db.write() as session:
        done = session.execute(update(SchedulerHeartbeat)
                               .where(SchedulerHeartbeat.instance_id == instance.instance_id)
                               .values(**values)).rowcount
        if not done:
            session.add(SchedulerHeartbeat(instance_id=instance.instance_id, started_at=instance.started_at,
                                           **values))
        session.execute(delete(SchedulerHeartbeat).where(SchedulerHeartbeat.last_beat_at < prune_before))


@dataclass(frozen=True)
class Liveness:
    """What the overdue page shows about the schedulers."""

    alive: bool
    last_beat_at: datetime | None
    overdue_minutes: int
    running: int
    last_job: str | None = None
    last_job_ok: bool | None = None
    last_job_at: datetime | None = None


def status(app: "Gongkai") -> Liveness:
    """Whether some scheduler beat within ``liveness.overdue_minutes`` (and when the last beat was)."""
    minutes = int(app.settings.get("liveness.overdue_minutes", 10))
    now = app.now()
    recent = now - timedelta(minutes=minutes)
    with app.db.read() as session:
        newest = session.execute(select(SchedulerHeartbeat).order_by(SchedulerHeartbeat.last_beat_at.desc())
                                 .limit(1)).scalar_one_or_none()
        running = session.scalar(select(func.count()).select_from(SchedulerHeartbeat).where(
            SchedulerHeartbeat.last_beat_at >= recent, SchedulerHeartbeat.stopped_at.is_(None))) or 0
    if newest is None:
        return Liveness(False, None, minutes, 0)
    return Liveness(running > 0, newest.last_beat_at, minutes, running, newest.last_job, newest.last_job_ok,
                    newest.last_job_at)
