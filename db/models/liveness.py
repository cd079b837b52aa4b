"""Scheduler liveness: one heartbeat row per running scheduler process."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime


class SchedulerHeartbeat(Base):
    """A scheduler process (``gongkai scheduler`` or the one inside ``gongkai run``) and its last beat.

    The row is written at start and by the fixed ``heartbeat`` job every minute; admins are warned
    when no row has beaten for ``liveness.overdue_minutes``. Rows silent for longer than
    ``liveness.prune_after_days`` are deleted by the beat of any live scheduler.
    """

    __tablename__ = "scheduler_heartbeats"

    instance_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_beat_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_job: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_job_ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    last_job_result: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_job_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
