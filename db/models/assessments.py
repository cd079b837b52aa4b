"""个人信息保护影响评估 (personal-information protection impact assessments), kept at least three years.

个人信息保护法 Art. 55 requires an assessment before sensitive personal information is processed (and
publishing is processing, Art. 4); Art. 56 fixes its content (purpose and necessity, impact and risks,
protective measures) and that the report is kept at least three years. One row is written with the
``pass_review`` decision that recorded it (workflow/assessments.py) and is never changed.

Kept in three places, so no single path can lose it: the database refuses an UPDATE of a row, a DELETE
before ``retain_until`` and the DELETE of an item that owns a row (triggers and RESTRICT foreign keys,
migration 0018; ``retain_until`` ≥ ``created_at`` + 3 years is a CHECK there); the ORM refuses the same
deletes (``RetainedRecord``, below); the service refuses them with a 409 (workflow/services/assessments.py).
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import ForeignKey, Text, event, exists, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from db.models.base import Base
from db.models.items import Item
from db.types import UTCDateTime

RETENTION_YEARS = 3  # 个人信息保护法 Art. 56: 至少保存三年


class RetainedRecord(Exception):
    """A delete the retention rule forbids (an assessment before ``retain_until``, or its item)."""


class PersonalInfoAssessment(Base):
    """One impact assessment, bound to the item, revision and decision it was recorded with."""

    __tablename__ = "personal_info_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id", ondelete="RESTRICT"))
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="RESTRICT"), unique=True)
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    purpose_necessity: Mapped[str] = mapped_column(Text)
    impact_risks: Mapped[str] = mapped_column(Text)
    protective_measures: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retain_until: Mapped[datetime] = mapped_column(UTCDateTime)


def retain_until(created_at: datetime) -> datetime:
    """``created_at`` + three years; 29 February moves to 1 March (at least three years, never less)."""
    try:
        return created_at.replace(year=created_at.year + RETENTION_YEARS)
    except ValueError:
        return created_at.replace(year=created_at.year + RETENTION_YEARS, month=3, day=1)


@event.listens_for(PersonalInfoAssessment, "before_update")
def _refuse_update(_mapper: Mapper[PersonalInfoAssessment], _connection: Connection,
                   target: PersonalInfoAssessment) -> None:
    raise RetainedRecord(f"personal_info_assessments row {target.id} is never changed")


@event.listens_for(PersonalInfoAssessment, "before_delete")
def _refuse_early_delete(_mapper: Mapper[PersonalInfoAssessment], _connection: Connection,
                         target: PersonalInfoAssessment) -> None:
    # the database's own clock decides in the trigger; here the real time does (never an injected one)
    if target.retain_until > datetime.now(timezone.utc):
        raise RetainedRecord(f"personal_info_assessments row {target.id} is kept until {target.retain_until}")


@event.listens_for(Item, "before_delete")
def _refuse_item_delete(_mapper: Mapper[Item], connection: Connection, target: Item) -> None:
    owned = connection.scalar(select(exists().where(PersonalInfoAssessment.item_id == target.id)))
    if owned:
        raise RetainedRecord(f"item {target.id} owns a personal-information impact assessment")
