"""Secrecy-scan findings of revisions: recording, blocking, reviewer acceptance.

The scanner itself (``workflow.scan``) is pure; this module stores its findings on the
submitted revision and answers the questions the guards ask.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Mapping

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from db.models import Item, Revision, ScanFinding
from workflow.access import Actor
from workflow.errors import ValidationFailed

if TYPE_CHECKING:
    from workflow.context import Gongkai
    from workflow.scan import Finding


def content_findings(app: "Gongkai", session: Session, item: Item) -> list["Finding"]:
    """The findings of the item's current content: title and body scanned now, attachments read
    from their stored scans (:mod:`workflow.attachment_scans`; never extracted here).

    Title and body are bounded by ``limits.title_max``/``limits.body_max`` and need no parser;
    attachments without a stored scan give a blocking 「无法完成自检」 finding.
    """
    from workflow.attachment_scans import attachment_findings
    from workflow.scan import looks_like_list, scan_text
    listed = True if item.is_list else looks_like_list(item.title or "", item.body or "")
    found = scan_text(item.title or "", location="title", is_list=listed, settings=app.settings, clock=app.clock)
    found += scan_text(item.body or "", location="body", is_list=listed, settings=app.settings, clock=app.clock)
    return found + attachment_findings(app, session, item, listed)


_INSERT_FINDINGS = insert(ScanFinding.__table__)


def record_scan(app: "Gongkai", session: Session, item: Item, revision_id: int) -> int:
    """Store the findings of the submitted content on revision ``revision_id`` (attachments: their
    stored scans), one Core INSERT for all of them; returns how many were stored."""
    found = content_findings(app, session, item)
    rows: dict[str, dict[str, Any]] = {}
    for finding in found:
        if finding.key in rows:
            continue
        rows[finding.key] = {
            "item_id": item.id, "revision_id": revision_id, "key": finding.key, "detector": finding.detector,
            "severity": finding.severity, "location": finding.location[:255],
            "sublocation": finding.sublocation[:100], "offset": finding.offset, "length": finding.length,
            "excerpt": finding.excerpt, "match_masked": finding.match_masked[:255], "message": finding.message,
            "acceptable": finding.acceptable, "accepted_by_id": None, "accepted_at": None, "legal_basis": None}
    if rows:
        session.connection().execute(_INSERT_FINDINGS, list(rows.values()))
    return len(rows)


def findings_of_revision(session: Session, revision_id: int | None) -> list[ScanFinding]:
    """The findings stored on revision ``revision_id`` (none for a draft never submitted)."""
    if revision_id is None:
        return []
    # One transition may ask twice (guard context, then acceptance): read once per session.
    cache = session.info.setdefault("gongkai_findings", {})
    if revision_id not in cache:
        cache[revision_id] = list(session.scalars(select(ScanFinding).where(ScanFinding.revision_id == revision_id)
                                                  .order_by(ScanFinding.id)))
    return cache[revision_id]


def current_revision(session: Session, item: Item) -> Revision | None:
    """The item's latest submitted revision."""
    return session.scalar(select(Revision).where(Revision.item_id == item.id, Revision.number == item.revision))


def findings_of_current_revision(session: Session, item: Item) -> list[ScanFinding]:
    """The findings stored on the item's latest submitted revision."""
    revision = current_revision(session, item)
    return findings_of_revision(session, revision.id if revision else None)


def finding_to_dict(row: ScanFinding) -> dict[str, Any]:
    """API shape of one stored finding."""
    return {
        "key": row.key, "detector": row.detector, "severity": row.severity, "location": row.location,
        "sublocation": row.sublocation, "offset": row.offset, "length": row.length, "excerpt": row.excerpt,
        "match_masked": row.match_masked, "message": row.message, "acceptable": row.acceptable,
        "accepted": row.accepted_at is not None, "legal_basis": row.legal_basis,
    }


def _accepted_keys(payload: Mapping[str, Any]) -> set[str]:
    keys = payload.get("accept_findings") or []
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ValidationFailed("accept_findings 必须是发现项编号的列表", code="invalid_type", field="accept_findings")
    return set(keys)


def _rows_to_accept(rows: list[ScanFinding], payload: Mapping[str, Any]) -> list[ScanFinding]:
    """The findings this pass_review asks to accept; 422 when the request cannot be honoured."""
    accepting = _accepted_keys(payload)
    if not accepting:
        return []
    if not str(payload.get("legal_basis") or "").strip():
        raise ValidationFailed("确认个人信息类发现项须填写法律依据", code="legal_basis_required", field="legal_basis")
    chosen = [row for row in rows if row.key in accepting]
    unknown = accepting - {row.key for row in chosen}
    if unknown:
        raise ValidationFailed("未知的发现项：%(keys)s", code="unknown_finding", field="accept_findings",
                               keys="、".join(sorted(unknown)[:3]))
    not_acceptable = [row.key for row in chosen if not row.acceptable]
    if not_acceptable:
        raise ValidationFailed("密级标志等发现项不能确认放行，只能退回修改", code="finding_not_acceptable",
                               field="accept_findings", details={"keys": not_acceptable})
    return chosen


def _accepting(payload: Mapping[str, Any]) -> bool:
    """Whether the request asks to accept findings (an empty list or none asks nothing)."""
    return bool(payload.get("accept_findings"))


def open_blocking_findings(session: Session, revision_id: int | None, payload: Mapping[str, Any],
                           any_open: bool = True) -> list[dict[str, Any]]:
    """Blocking findings neither accepted before nor validly accepted by this pass_review.

    ``any_open=False``: the caller already read that the revision has no open blocking finding; then
    nothing is read unless the request accepts findings (checked against the stored rows).
    """
    if not any_open and not _accepting(payload):
        return []
    rows = findings_of_revision(session, revision_id)
    accepting = {row.key for row in _rows_to_accept(rows, payload)}
    return [finding_to_dict(row) for row in rows
            if row.severity == "blocking" and row.accepted_at is None and row.key not in accepting]


def accept_findings(session: Session, revision_id: int | None, actor: Actor, now: datetime,
                    payload: Mapping[str, Any], legal_basis: str | None) -> list[ScanFinding]:
    """Record the reviewer's acceptance of personal-information findings, with the legal basis."""
    if not _accepting(payload):
        return []
    rows = _rows_to_accept(findings_of_revision(session, revision_id), payload)
    for row in rows:
        row.accepted_by_id, row.accepted_at, row.legal_basis = actor.id, now, legal_basis
    return rows
