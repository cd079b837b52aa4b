"""Reminder ledger, inbox notifications, the e-mail outbox and admin calendar overrides.

The ledger holds one row per (subject, stage entry, rung), where the subject is either an item
or a request for disclosure (an application): exactly one of ``item_id`` / ``application_id``
is set. The unique keys make each reminder happen at most once, and the (state, due_at) index
lets a sweep read only what is due.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime

REMINDER_STATES = ("pending", "claimed", "sent", "cancelled")
MAIL_STATUSES = ("pending", "queued", "none")
OUTBOX_STATES = ("queued", "sending", "sent", "failed")


class Reminder(Base):
    """One rung of one stage entry of one item (or application); notified exactly once.

    For an application the "stage" is ``application`` and the stage entry is the number of its
    clock events: every event that re-computes the reply due date opens a new entry.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("item_id", "stage_entry", "rung", name="uq_reminders_item_entry_rung"),
        UniqueConstraint("application_id", "stage_entry", "rung", name="uq_reminders_application_entry_rung"),
        CheckConstraint("state IN ('pending','claimed','sent','cancelled')", name="state_known"),
        CheckConstraint("(item_id IS NULL) <> (application_id IS NULL)", name="one_subject"),
        Index("ix_reminders_state_due_at", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), nullable=True,
                                                index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"),
                                                       nullable=True, index=True)
    stage: Mapped[str] = mapped_column(String(16))
    stage_entry: Mapped[int] = mapped_column(Integer)
    rung: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Notification(Base):
    """One inbox entry for one user (the source of truth; e-mail is derived from it)."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_created", "user_id", "created_at"),
        Index("ix_notifications_mail_status", "mail_status", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), nullable=True,
                                                index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"),
                                                       nullable=True, index=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # pending: still to be mailed (instant or digest); queued: in an outbox mail; none: not mailed.
    mail_status: Mapped[str] = mapped_column(String(16), default="pending")


class OutboxMail(Base):
    """One e-mail to send; retried with back-off, never lost."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("state IN ('queued','sending','sent','failed')", name="state_known"),
        Index("ix_outbox_state_next", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default="instant")
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CalendarOverride(Base):
    """An administrator's rest/work decision for one date; wins over every other source."""

    __tablename__ = "calendar_overrides"
    __table_args__ = (CheckConstraint("kind IN ('rest','work')", name="kind_known"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(300))
    source: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
