"""Attachment scans cached by content: scanned once (upload, submit or scheduler), read many times.

A page view or an API read never extracts or scans an attachment: it reads the
``attachment_scans`` row of the attachment's content hash and the current scanner
fingerprint. The scan itself runs in the bounded worker (:mod:`workflow.scan.worker`) at
upload time, at submission for anything still missing, and in the scheduler's ``scan`` job
(after an upgrade of the scanner or a change of its settings).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Attachment, AttachmentScan, Item
from workflow.clock import local_date
from workflow.i18n import DEFAULT_LOCALE, _, locale_context
from workflow.scan.result import Finding, make_finding
from workflow.scan.scanner import LIST_TITLE_RE, incomplete_finding
from workflow.search import index as search_index

if TYPE_CHECKING:
    from workflow.context import Gongkai

log = logging.getLogger("gongkai.scan")


def extension_of(filename: str) -> str:
    """The attachment's lower-case extension (at most 16 characters), '' if none."""
    name = filename.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower()[:16] if "." in name else ""


@dataclass(frozen=True)
class ScanKey:
    """What a cached scan is looked up by."""

    sha256: str
    extension: str
    fingerprint: str


def current_fingerprint(app: "Gongkai") -> str:
    """The fingerprint of the scanner and its settings in this process."""
    from workflow.scan.worker import fingerprint
    return fingerprint(app.settings)


def key_of(attachment: Attachment, fingerprint: str) -> ScanKey:
    """The cache key of an attachment under ``fingerprint``."""
    return ScanKey(attachment.sha256, extension_of(attachment.filename), fingerprint)


def cached(session: Session, keys: Iterable[ScanKey]) -> dict[ScanKey, AttachmentScan]:
    """The stored scans of ``keys`` (missing keys are absent from the result)."""
    wanted = set(keys)
    if not wanted:
        return {}
    fingerprints = {k.fingerprint for k in wanted}
    rows = session.scalars(select(AttachmentScan).where(
        AttachmentScan.sha256.in_({k.sha256 for k in wanted}), AttachmentScan.fingerprint.in_(fingerprints)))
    found = {ScanKey(r.sha256, r.extension, r.fingerprint): r for r in rows}
    return {k: v for k, v in found.items() if k in wanted}


def scan_and_store(app: "Gongkai", data: bytes, key: ScanKey) -> AttachmentScan:
    """Scan ``data`` in the bounded worker and store the result (another process may have won)."""
    from workflow.notifications import insert_ignore
    from workflow.scan.worker import scan_bounded
    # Stored once for every reader: messages in the default locale (Chinese), not the uploader's.
    with locale_context(DEFAULT_LOCALE):
        result = scan_bounded(data, key.extension, settings=app.settings, today=local_date(app.now()))
    row = {"sha256": key.sha256, "extension": key.extension, "fingerprint": key.fingerprint,
           "complete": result.complete, "reason": result.reason,
           "findings_list": [_stored(f) for f in result.as_list],
           "findings_auto": [_stored(f) for f in result.auto],
           "elapsed_ms": int(result.elapsed * 1000), "scanned_at": app.now()}
    with app.db.write() as session:
        session.execute(insert_ignore(session, AttachmentScan.__table__), [row])
        stored = cached(session, [key])[key]
        session.expunge(stored)
        # the text read for the scan serves the full-text search: stored and indexed in the same commit
        search_index.store_text(app, session, key.sha256, key.extension, result.text, result.complete, app.now())
    log.info("attachment scan sha256=%s ext=%s complete=%s elapsed_ms=%s reason=%s", key.sha256[:12],
             key.extension, result.complete, row["elapsed_ms"], result.reason)
    return stored


def _stored(finding: Finding) -> dict[str, Any]:
    data = finding.to_dict()
    data.pop("location", None)
    data.pop("key", None)
    return data


def ensure_scanned(app: "Gongkai", attachment_ids: Iterable[int]) -> int:
    """Scan every attachment of ``attachment_ids`` without a current scan; returns scans made.

    Reads the bytes of one attachment at a time, outside any write transaction (a scan may
    take up to ``scan_worker.wall_seconds``).
    """
    fingerprint = current_fingerprint(app)
    ids = list(attachment_ids)
    if not ids:
        return 0
    with app.db.read() as session:
        metas = session.execute(select(Attachment.id, Attachment.sha256, Attachment.filename)
                                .where(Attachment.id.in_(ids))).all()
        keys = {row.id: ScanKey(row.sha256, extension_of(row.filename), fingerprint) for row in metas}
        have = cached(session, keys.values())
    made = 0
    done: set[ScanKey] = set(have)
    for attachment_id, key in keys.items():
        if key in done:
            continue
        with app.db.read() as session:
            data = session.scalar(select(Attachment.data).where(Attachment.id == attachment_id))
        if data is None:
            continue
        scan_and_store(app, data, key)
        done.add(key)
        made += 1
    return made


def unscanned(app: "Gongkai", session: Session, attachments: Iterable[Attachment]) -> list[int]:
    """Ids of ``attachments`` without a stored scan under the current fingerprint (one query; none
    without attachments)."""
    attachments = list(attachments)
    if not attachments:
        return []
    fingerprint = current_fingerprint(app)
    keys = {a.id: key_of(a, fingerprint) for a in attachments}
    have = cached(session, keys.values())
    return [attachment_id for attachment_id, key in keys.items() if key not in have]


def scan_pending(app: "Gongkai", limit: int = 20) -> int:
    """Scheduler job: scan attachments of open items that have no scan under the current fingerprint."""
    from workflow.item_states import OPEN_STATES
    fingerprint = current_fingerprint(app)
    with app.db.read() as session:
        rows = session.execute(
            select(Attachment.id, Attachment.sha256, Attachment.filename)
            .join(Item, Item.id == Attachment.item_id).where(Item.state.in_(OPEN_STATES))
            .order_by(Attachment.id)).all()
        keys = {row.id: ScanKey(row.sha256, extension_of(row.filename), fingerprint) for row in rows}
        have = cached(session, keys.values())
    todo = [attachment_id for attachment_id, key in keys.items() if key not in have][:limit]
    return ensure_scanned(app, todo)


def extract_for_search(app: "Gongkai", limit: int = 20) -> int:
    """Scheduler job (with ``scan``): extract the text of attachments the search has not got yet — those
    uploaded before search existed, or whose scan failed to run — a few per run, in the bounded worker
    (which scans them too). Items left marked pending with every text stored are indexed again. Returns
    the texts extracted plus the items indexed again."""
    with app.db.read() as session:
        todo = search_index.missing_texts(session, limit)
        metas = session.execute(select(Attachment.id, Attachment.sha256, Attachment.filename)
                                .where(Attachment.id.in_(todo))).all() if todo else []
    fingerprint = current_fingerprint(app)
    for row in metas:
        with app.db.read() as session:
            data = session.scalar(select(Attachment.data).where(Attachment.id == row.id))
        if data is not None:
            scan_and_store(app, data, ScanKey(row.sha256, extension_of(row.filename), fingerprint))
    if metas:
        return len(metas)
    with app.db.write() as session:
        return search_index.settle_pending(app, session, limit)


def findings_for(attachment: Attachment, scan: AttachmentScan | None, listed: bool) -> list[Finding]:
    """The findings of one attachment from its stored scan, located at its own file name.

    ``listed``: the item is a list (公示名单), so the attachment is too; otherwise the file
    decides for itself (its name, its text). Without a stored scan, one blocking finding says
    the self-check has not run yet.
    """
    if scan is None:
        return [incomplete_finding(attachment.filename, _("附件尚未完成自检，请稍后刷新或重新提交"))]
    as_list = listed or LIST_TITLE_RE.search(attachment.filename) is not None
    stored = scan.findings_list if as_list else scan.findings_auto
    out = []
    for data in stored:
        fields = {k: v for k, v in data.items() if k not in ("key", "location")}
        out.append(make_finding(location=attachment.filename, **fields))
    return out


def attachment_findings(app: "Gongkai", session: Session, item: Item, listed: bool) -> list[Finding]:
    """The stored findings of every attachment of ``item`` (never scans)."""
    fingerprint = current_fingerprint(app)
    keys = {a.id: key_of(a, fingerprint) for a in item.attachments}
    scans = cached(session, keys.values())
    out: list[Finding] = []
    for attachment in item.attachments:
        out.extend(findings_for(attachment, scans.get(keys[attachment.id]), listed))
    return out


def scan_stats(app: "Gongkai") -> dict[str, int]:
    """How many scans are stored (all fingerprints) and how many are incomplete."""
    with app.db.read() as session:
        rows = session.execute(select(AttachmentScan.complete)).scalars().all()
    return {"scans": len(rows), "incomplete": sum(1 for c in rows if not c)}


__all__ = ["ScanKey", "attachment_findings", "cached", "current_fingerprint", "ensure_scanned", "extension_of",
           "extract_for_search",
           "findings_for", "key_of", "scan_and_store", "scan_pending", "scan_stats", "unscanned"]
