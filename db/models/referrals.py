"""Referrals to the secrecy authority (转保密审定), leak incidents (泄密事件) and their reminder ledger.

A ``Referral`` is a reviewer's question to the 保密办 / 保密行政管理部门 about one revision of an item in
secrecy review; at most one is open per item (partial unique index). An ``Incident`` is recorded when an
admin takes an item down because of a leak; its 24-hour report is filed once. ``CaseReminder`` is their
exactly-once reminder ledger: one row per (referral or incident, rung), unique.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime

DETERMINATIONS = ("secret", "not_secret", "partly")
LEAK_KINDS = ("state_secret", "work_secret", "personal_info")
CASE_REMINDER_STATES = ("pending", "sent", "cancelled")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({','.join(repr(value) for value in values)})"


class Referral(Base):
    """A question put to the secrecy authority about one revision, and its answer once recorded."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint(f"determination IS NULL OR {_in('determination', DETERMINATIONS)}",
                        name="determination_known"),
        CheckConstraint("(answered_at IS NULL) = (determination IS NULL)", name="answered_with_determination"),
        # one open referral per item: a second question waits for the first answer
        Index("uq_referrals_open_item", "item_id", unique=True, sqlite_where=text("answered_at IS NULL"),
              postgresql_where=text("answered_at IS NULL")),
        Index("ix_referrals_open_due", "answered_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"), nullable=True)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    authority: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    determination: Mapped[str | None] = mapped_column(String(16), nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    document_no: Mapped[str | None] = mapped_column(String(100), nullable=True)


class Incident(Base):
    """A leak found on an item taken down, with its report to the authorities (filed once)."""

    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint(_in("kind", LEAK_KINDS), name="kind_known"),
        CheckConstraint("(reported_at IS NULL) = (reported_by_id IS NULL)", name="reported_with_reporter"),
        Index("ix_incidents_open_due", "reported_at", "report_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    report_due: Mapped[datetime] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reported_to: Mapped[str | None] = mapped_column(String(200), nullable=True)
    report_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class CaseReminder(Base):
    """One reminder rung of one referral or incident: sent exactly once (unique key, conditional UPDATE)."""

    __tablename__ = "case_reminders"
    __table_args__ = (
        UniqueConstraint("referral_id", "rung", name="uq_case_reminders_referral_rung"),
        UniqueConstraint("incident_id", "rung", name="uq_case_reminders_incident_rung"),
        CheckConstraint("(referral_id IS NULL) <> (incident_id IS NULL)", name="one_subject"),
        CheckConstraint(_in("state", CASE_REMINDER_STATES), name="state_known"),
        Index("ix_case_reminders_state_due_at", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), nullable=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), nullable=True)
    rung: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
