"""Requests for disclosure (依申请公开): applications, notices to applicants, fees, remedies.

The statutory clock of an application is kept as a list of dated events (``clock_events``:
start, pause, resume, stop, restart, extend); ``workflow.applications.statutory_clock`` derives the due
date and its explanation from them, and ``due_on`` caches the result for indexed queries.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, LargeBinary, Numeric, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base
from db.models.org import Department
from db.types import UTCDateTime

# The values the CHECK constraints allow. They are defined with their labels in the workflow
# (states: workflow/applications/spec.py; code sets: workflow/applications/vocabulary.py), which this
# layer does not import; building the spec and tests/workflow/applications/test_vocabulary.py check
# that both lists agree.
APPLICANT_KINDS = ("natural", "business", "research", "public_interest", "legal_service", "other")
APPLICATION_CHANNELS = ("in_person", "post", "online", "fax", "email")
DELIVERY_FORMS = ("paper", "email", "disc", "other")
APPLICATION_STATES = ("received", "consulting", "clarifying", "replying", "replied", "abandoned")
REMEDY_KINDS = ("report", "reconsideration", "lawsuit")
REMEDY_OUTCOMES = ("maintained", "corrected", "other", "pending")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({','.join(repr(v) for v in values)})"


class Application(Base):
    """One request for disclosure, from intake to reply (or abandonment)."""

    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint(_in("state", APPLICATION_STATES), name="state_known"),
        CheckConstraint(_in("applicant_kind", APPLICANT_KINDS), name="applicant_kind_known"),
        CheckConstraint(_in("channel", APPLICATION_CHANNELS), name="channel_known"),
        CheckConstraint(_in("delivery_form", DELIVERY_FORMS), name="delivery_form_known"),
        Index("ix_applications_state_due", "state", "due_on"),
        Index("ix_applications_received_on", "received_on"),
        Index("ix_applications_closed_on", "closed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(32), unique=True)
    applicant_kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(254))
    contact_key: Mapped[str] = mapped_column(String(254))  # normalised contact for the status lookup
    request_text: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivery_form: Mapped[str] = mapped_column(String(16))
    # where a paper reply is posted; required when delivery_form is paper (migration 0029)
    postal_address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_on: Mapped[date] = mapped_column(Date)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True, index=True)
    state: Mapped[str] = mapped_column(String(16), default="received")
    clock_events: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    clarify_by: Mapped[date | None] = mapped_column(Date, nullable=True)  # applicant's supplement deadline
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    outcome_reason: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reply_item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), nullable=True, unique=True)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    fee_charged: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    fee_waived: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    fee_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    fee_recorded_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    department: Mapped[Department | None] = relationship(lazy="joined")
    notices: Mapped[list["ApplicationNotice"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", lazy="selectin",
        order_by="ApplicationNotice.id")

    __mapper_args__ = {"version_id_col": version}


class ApplicationNotice(Base):
    """A notice sent (or to be sent) to the applicant: extension, clarification request, reply."""

    __tablename__ = "application_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="notices")


DOCUMENT_KINDS = ("identity",)


class ApplicationDocument(Base):
    """A document the applicant handed in with the application: the identity document (身份证明).

    Never public and never part of a reply; only the 信息公开办公室 reads it
    (``workflow.applications.documents``). Deleted with its application.
    """

    __tablename__ = "application_documents"
    __table_args__ = (
        CheckConstraint(_in("kind", DOCUMENT_KINDS), name="kind_known"),
        UniqueConstraint("application_id", "kind", name="uq_application_documents_application_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Deferred: the detail page shows the name and size; the bytes are read for the office's download only.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApplicationAttempt(Base):
    """One public-form request (submit or status lookup) by a hashed client address: the rate limit."""

    __tablename__ = "application_attempts"
    __table_args__ = (Index("ix_application_attempts_client_at", "kind", "client_hash", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    client_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class RemedyCase(Base):
    """A 举报/投诉, 行政复议 or 行政诉讼 case against disclosure work, and its outcome."""

    __tablename__ = "remedy_cases"
    __table_args__ = (
        CheckConstraint(_in("kind", REMEDY_KINDS), name="kind_known"),
        CheckConstraint(_in("outcome", REMEDY_OUTCOMES), name="outcome_known"),
        Index("ix_remedy_cases_filed_on", "filed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    after_reconsideration: Mapped[bool] = mapped_column(Boolean, default=False)  # lawsuits: 复议后起诉
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), nullable=True, index=True)
    filed_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
