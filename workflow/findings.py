"""Secrecy-scan findings of revisions: recording, blocking, reviewer acceptance.

The scanner itself (``workflow.scan``) is pure; this module stores its findings on the
submitted revision and answers the questions the guards ask.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Item, Revision, ScanFinding
from workflow.access import Actor
from workflow.errors import ValidationFailed

if TYPE_CHECKING:
    from workflow.context import Gongkai


def record_scan(app: "Gongkai", session: Session, item: Item, revision: Revision) -> list[ScanFinding]:
    """Scan the submitted content and store the findings on ``revision``."""
    from workflow.scan import scan_item
    attachments = [(a.filename, a.data) for a in item.attachments]
    found = scan_item(item.title, item.body, attachments, is_list=item.is_list or None, settings=app.settings)
    rows: dict[str, ScanFinding] = {}
    for finding in found:
        if finding.key in rows:
            continue
        rows[finding.key] = ScanFinding(
            item_id=item.id, revision_id=revision.id, key=finding.key, detector=finding.detector,
            severity=finding.severity, location=finding.location[:255], sublocation=finding.sublocation[:100],
            offset=finding.offset, length=finding.length, excerpt=finding.excerpt,
            match_masked=finding.match_masked[:255], message=finding.message, acceptable=finding.acceptable)
    session.add_all(rows.values())
    session.flush()
    return list(rows.values())


def findings_of_current_revision(session: Session, item: Item) -> list[ScanFinding]:
    """The findings stored on the item's latest submitted revision."""
    revision_id = session.scalar(select(Revision.id).where(Revision.item_id == item.id,
                                                          Revision.number == item.revision))
    if revision_id is None:
        return []
    return list(session.scalars(select(ScanFinding).where(ScanFinding.revision_id == revision_id)
                                .order_by(ScanFinding.id)))


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


def open_blocking_findings(session: Session, item: Item, payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Blocking findings not accepted (nor about to be accepted by this pass_review)."""
    accepting = _accepted_keys(payload)
    has_basis = bool(str(payload.get("legal_basis") or "").strip())
    blocking = []
    for row in findings_of_current_revision(session, item):
        if row.severity != "blocking" or row.accepted_at is not None:
            continue
        if row.acceptable and row.key in accepting and has_basis:
            continue
        blocking.append(finding_to_dict(row))
    return blocking


def accept_findings(session: Session, item: Item, actor: Actor, now: datetime, payload: Mapping[str, Any],
                    legal_basis: str | None) -> list[ScanFinding]:
    """Record the reviewer's acceptance of personal-information findings (needs a legal basis)."""
    accepting = _accepted_keys(payload)
    if not accepting:
        return []
    if not (legal_basis or "").strip():
        raise ValidationFailed("确认个人信息类发现项须填写法律依据", code="legal_basis_required", field="legal_basis")
    rows = [row for row in findings_of_current_revision(session, item) if row.key in accepting]
    unknown = accepting - {row.key for row in rows}
    if unknown:
        raise ValidationFailed("未知的发现项：%(keys)s", code="unknown_finding", field="accept_findings",
                               keys="、".join(sorted(unknown)[:3]))
    not_acceptable = [row.key for row in rows if not row.acceptable]
    if not_acceptable:
        raise ValidationFailed("密级标志等发现项不能确认放行，只能退回修改", code="finding_not_acceptable",
                               field="accept_findings", details={"keys": not_acceptable})
    for row in rows:
        row.accepted_by_id, row.accepted_at, row.legal_basis = actor.id, now, legal_basis
    return rows
