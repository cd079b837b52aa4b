"""Disclosure items, their submitted revisions, review decisions, attachments, findings.

The item row carries the workflow state; the database refuses unknown states (CHECK) so
that no code path, SQL console included, can put an item into a state the machine lacks.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, LargeBinary, String,
                        Text, UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from db.models.base import Base
from db.models.org import Department, User
from db.types import UTCDateTime

# The stored state values, which the CHECK constraint (and its migration) allows. The workflow
# declares the states with their meaning in workflow/item_spec.py and refuses to start if they differ.
STATES = ("draft", "secrecy_review", "approval", "scheduled", "published", "archived")
_STATE_LIST = ",".join(f"'{s}'" for s in STATES)
# What an item is: a ``disclosure`` (主动公开) goes to the public once published; a ``reply``
# (依申请公开答复书) is addressed to one applicant and no public read may ever return it.
# Triggers that write a decision row (workflow/item_spec.py declares which; checked at start-up).
DECISION_KINDS = ("pass_review", "return", "approve", "reject", "withdraw", "take_down")
DISCLOSURE, REPLY = "disclosure", "reply"
KINDS = (DISCLOSURE, REPLY)
_KIND_LIST = ",".join(f"'{k}'" for k in KINDS)


class CatalogCategory(Base):
    """One of the 清单's categories (基本信息 …)."""

    __tablename__ = "catalog_categories"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)


class CatalogEntry(Base):
    """One 清单 entry that items are tagged with; editable data, never hard-coded."""

    __tablename__ = "catalog_entries"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    category_code: Mapped[str] = mapped_column(ForeignKey("catalog_categories.code"))
    department_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    rhythm: Mapped[str] = mapped_column(String(100), default="")
    documents: Mapped[str] = mapped_column(Text, default="")
    number_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    local: Mapped[bool] = mapped_column(Boolean, default=False)
    column_url: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # 「不适用」 for this institution (e.g. no 研究生/学位 items at a 高职 college), with the admin's reason:
    # coverage then says "not applicable" instead of "missing" (migration 0020).
    not_applicable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    not_applicable_reason: Mapped[str] = mapped_column(Text, default="", server_default="")


class Item(Base):
    """A disclosure item moving through draft → review → approval → published → archived."""

    __tablename__ = "items"
    __table_args__ = (
        CheckConstraint(f"state IN ({_STATE_LIST})", name="state_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(f"kind IN ({_KIND_LIST})", name="kind_known"),
        # a reply never carries a 清单 entry; a disclosure item always does
        CheckConstraint("(kind = 'reply' AND catalog_code IS NULL) OR (kind <> 'reply' AND catalog_code IS NOT NULL)",
                        name="catalog_matches_kind"),
        # id last: department lists order by (stage_due, id), so the index yields the page in order
        Index("ix_items_dept_state_due", "department_id", "state", "stage_due", "id"),
        Index("ix_items_state_due", "state", "stage_due"),
        Index("ix_items_state_published", "state", "published_at"),
        Index("ix_items_state_publish_at", "state", "publish_at"),
        Index("ix_items_state_display_until", "state", "display_until"),
        # 我的待办 on review routes (migration 0023): the items on a stored route's active step — a few
        # percent of the open items — so that the task lists ask "do you decide its active step" of these
        # rows only, not of every open item of every department (bench/route_tasks.py)
        Index("ix_items_routed_state_due", "state", "stage_due", "id", sqlite_where=text("route_step IS NOT NULL"),
              postgresql_where=text("route_step IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    kind: Mapped[str] = mapped_column(String(16), default=DISCLOSURE, server_default=DISCLOSURE)
    catalog_code: Mapped[str | None] = mapped_column(ForeignKey("catalog_entries.code"), nullable=True)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    formed_on: Mapped[date] = mapped_column(Date)
    publish_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    deadline_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stage_due: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    stage_entry: Mapped[int] = mapped_column(Integer, default=1)
    # The position of the active step of the current revision's stored route (docs/routes.md); NULL on the
    # default route and outside the two review stages. A cache of what the votes say, written by the vote
    # that moves it, so that task lists and boards ask "whose step is it" with one indexed comparison.
    route_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    display_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    is_list: Mapped[bool] = mapped_column(Boolean, default=False)
    # 文号: the document number the item was issued under (e.g. 漳理工〔2025〕12号), if any (migration 0029)
    doc_number: Mapped[str | None] = mapped_column(String(100), nullable=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), nullable=True, index=True)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), nullable=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    archive_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    department: Mapped[Department] = relationship(lazy="joined")
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id], lazy="joined")
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="item", cascade="all, delete-orphan", lazy="selectin", order_by="Attachment.id")

    __mapper_args__ = {"version_id_col": version}


class ItemContributor(Base):
    """Someone who changed an item's content (create, edit, attachment, masking, revise).

    Kept for the item's whole life, across later revisions: a contributor may neither pass
    the secrecy review nor approve the item (separation of duties).
    """

    __tablename__ = "item_contributors"
    __table_args__ = (UniqueConstraint("item_id", "user_id", name="item_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_action: Mapped[str] = mapped_column(String(40))


class Revision(Base):
    """The exact content submitted for review; decisions bind to its hash."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("item_id", "number", name="item_number"),
                      # 我发起的: the items a person submitted (migration 0026)
                      Index("ix_revisions_submitter_item", "submitted_by_id", "item_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Decision(Base):
    """A reviewer's or approver's decision on one revision (the 保密审查记录)."""

    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint(f"kind IN ({','.join(repr(kind) for kind in DECISION_KINDS)})", name="kind_known"),
        # 已办: the items a person decided on (migration 0026)
        Index("ix_decisions_actor_item", "actor_id", "item_id"),
        # 已办 of a delegate: the items they decided for someone (migration 0028)
        Index("ix_decisions_acted_by_item", "acted_by_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    checklist: Mapped[dict[str, bool] | None] = mapped_column(JSON, nullable=True)
    legal_basis: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # pass_review: the particulars each "yes" required (workflow/checklist.py), {question_key: {...}}
    justifications: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # 审查意见 / 审批意见 (workflow/opinions.py); a return's or a rejection's is its reason
    opinion: Mapped[str | None] = mapped_column(Text, nullable=True)
    # 乙 代 甲: the delegate who acted for ``actor`` (the decider of record), NULL when the decider acted
    acted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    actor: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[actor_id])


class Attachment(Base):
    """A file attached to a draft; part of the revision snapshot by its SHA-256."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Deferred: item pages and lists show attachment names only; the bytes are read for
    # downloads and scans, inside the session that needs them.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    item: Mapped[Item] = relationship(back_populates="attachments")


class AttachmentScan(Base):
    """The bounded scan of one attachment content, made once and read by every page view.

    Keyed by the content's SHA-256, its extension (``.txt`` and ``.csv`` read the same bytes
    differently) and the fingerprint of the scanner version, options and worker limits: a new
    scanner or new settings mean a new scan (by the scheduler), old rows stay valid for nothing.
    Findings are stored for both list modes (the item may become a list after the upload),
    located at a placeholder name: the attachment's own name is put in when they are read.
    """

    __tablename__ = "attachment_scans"
    __table_args__ = (UniqueConstraint("sha256", "extension", "fingerprint", name="attachment_scan_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    extension: Mapped[str] = mapped_column(String(16), default="")
    fingerprint: Mapped[str] = mapped_column(String(64))
    complete: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")          # why not complete, plain Chinese
    findings_list: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    findings_auto: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    elapsed_ms: Mapped[int] = mapped_column(Integer, default=0)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ScanFinding(Base):
    """One secrecy/personal-information finding on one revision."""

    __tablename__ = "scan_findings"
    __table_args__ = (UniqueConstraint("revision_id", "key", name="revision_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    detector: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(String(255))
    sublocation: Mapped[str] = mapped_column(String(100), default="")
    offset: Mapped[int] = mapped_column(Integer, default=0)
    length: Mapped[int] = mapped_column(Integer, default=0)
    excerpt: Mapped[str] = mapped_column(Text, default="")
    match_masked: Mapped[str] = mapped_column(String(255), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    acceptable: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    legal_basis: Mapped[str | None] = mapped_column(Text, nullable=True)
