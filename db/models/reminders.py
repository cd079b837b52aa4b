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
# How an outbox row is delivered: e-mail, an application message to one person, or a department's group robot.
CHANNELS = ("email", "wecom", "wecom_robot", "dingtalk", "dingtalk_robot")
IM_STATUSES = ("pending", "digest", "queued", "none")


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
        Index("ix_notifications_im_status", "im_status", "user_id"),
        CheckConstraint("im_status IN ('pending','digest','queued','none')", name="im_status_known"),
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
    # 企业微信 / 钉钉 (workflow.messaging): pending: still to be messaged; digest: held for the daily digest;
    # queued: in an outbox row; none: not messaged (no IM id, IM off, or no channel enabled).
    im_status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")


class OutboxMail(Base):
    """One e-mail or IM message to send; retried with back-off, never lost.

    ``channel`` says how: ``email`` (``to_addr`` is an address), ``wecom`` / ``dingtalk`` (``to_addr`` is the
    person's userid there), ``wecom_robot`` / ``dingtalk_robot`` (``to_addr`` is a department code whose
    group robot is configured). ``link`` is the deep link an IM card opens.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("state IN ('queued','sending','sent','failed')", name="state_known"),
        CheckConstraint("channel IN ('email','wecom','wecom_robot','dingtalk','dingtalk_robot')", name="channel_known"),
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
    channel: Mapped[str] = mapped_column(String(16), default="email", server_default="email")
    link: Mapped[str | None] = mapped_column(String(1000), nullable=True)


class ImToken(Base):
    """An access token of 企业微信 / 钉钉, shared by every scheduler process until shortly before it expires."""

    __tablename__ = "im_tokens"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # platform:app (corp id + agent / app key)
    token: Mapped[str] = mapped_column(String(1000))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)


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
