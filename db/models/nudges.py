"""催办 (nudges): a reminder sent by a person — the 信息公开办公室 or the submitter — to those holding an item.

One row per (item, person nudged, working day): the UNIQUE key makes "once per handler per item per
working day" a fact of the database, so two clicks, two tabs or two web workers at the same moment
still send one message (``workflow/services/nudges.py``).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime


class Nudge(Base):
    """One nudge of one person about one item on one working day."""

    __tablename__ = "nudges"
    __table_args__ = (
        UniqueConstraint("item_id", "user_id", "workday", name="uq_nudges_item_user_workday"),
        Index("ix_nudges_by_id_at", "by_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)  # who was nudged
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)  # who nudged
    workday: Mapped[date] = mapped_column(Date)  # the working day it counts for (a rest day: the next one)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
