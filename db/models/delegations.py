"""委托 (delegation): a person names one colleague to act for them over a range of calendar dates.

A row is never deleted: ending a delegation (DELETE, or a new one replacing it) sets ``ended_at``, so who
could act for whom on any day stays answerable. Whether a row is in force is computed at query time from
its dates and the local (Asia/Shanghai) date: no job starts or ends it (``workflow/delegation.py``).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime


class Delegation(Base):
    """``user`` (甲, the delegator) is represented by ``delegate`` (乙) from ``starts_on`` to ``ends_on``,
    both inclusive, unless ``ended_at`` is set."""

    __tablename__ = "delegations"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="range_ordered"),
        CheckConstraint("user_id <> delegate_id", name="not_self"),
        # "whom do I represent today" (every transition refused as oneself, 我的待办) and "am I away"
        Index("ix_delegations_delegate_ends_on", "delegate_id", "ends_on"),
        Index("ix_delegations_user_ends_on", "user_id", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
