"""Narrative templates of the yearly report, stored per academic year and section."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime


class ReportNarrative(Base):
    """An admin's text for one section of one year's report: plain text with 〔placeholders〕 (compiled to a
    sandboxed Jinja template), or an older Jinja template (docs/report.md §4).

    A year without a row for a section starts from the previous year's row, else from the
    configured default (``config/report_templates/narrative.toml``).
    """

    __tablename__ = "report_narratives"

    year: Mapped[str] = mapped_column(String(16), primary_key=True)  # "2022-2023"
    section: Mapped[str] = mapped_column(String(32), primary_key=True)  # workflow.report NARRATIVE_KEYS
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class PublishedReport(Base):
    """A yearly report as published on the 信息公开专栏: frozen HTML and DOCX, plus its figures.

    Publishing again (a correction) replaces the files and bumps ``version``; the audit trail
    keeps who published which version when.
    """

    __tablename__ = "published_reports"

    year: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    html: Mapped[str] = mapped_column(Text)
    docx: Mapped[bytes] = mapped_column(LargeBinary)
    figures: Mapped[dict] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
