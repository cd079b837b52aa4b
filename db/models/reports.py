"""Narrative templates of the yearly report, stored per academic year and section."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime


class ReportNarrative(Base):
    """An admin's text (a sandboxed Jinja template) for one section of one year's report.

    A year without a row for a section starts from the previous year's row, else from the
    configured default (``config/report_templates/narrative.toml``).
    """

    __tablename__ = "report_narratives"

    year: Mapped[str] = mapped_column(String(16), primary_key=True)  # "2022-2023"
    section: Mapped[str] = mapped_column(String(32), primary_key=True)  # workflow.report NARRATIVE_KEYS
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
