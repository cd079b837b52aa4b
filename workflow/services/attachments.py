"""Attachments of drafts: add and remove with size/type limits, audited; read one for download."""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy.orm import Session, undefer

from db.models import Attachment, Item
from workflow import audit, contributors
from workflow.access import Actor, public_items_filter
from workflow.attachment_preview import Preview
from workflow.clock import local_date
from workflow.context import Gongkai
from workflow.errors import NotFound, TooLarge, ValidationFailed
from workflow.search import index as search_index
from workflow.services.items import create_item_in, load_draft, load_internal, load_visible, today, write_transaction

log = logging.getLogger("gongkai.scan")

#: Files one create form may carry (each within limits.attachment_max_bytes).
MAX_UPLOADS_AT_ONCE = 10

DEFAULT_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "csv", "jpg", "jpeg", "png",
                      "gif", "zip", "ofd", "wps", "et")


def _allowed_extensions(app: Gongkai) -> tuple[str, ...]:
    try:
        return tuple(str(x).lower() for x in app.settings["limits.attachment_extensions"])
    except (KeyError, TypeError):
        return DEFAULT_EXTENSIONS


def _clean_name(filename: str) -> str:
    name = PurePosixPath((filename or "").replace("\\", "/")).name.strip()
    if not name or name.startswith(".") or "\x00" in name:
        raise ValidationFailed("附件文件名无效", code="invalid_value", field="file")
    return name[:255]


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: its name, declared type and bytes."""

    filename: str
    content_type: str | None
    data: bytes


def _checked(app: Gongkai, upload: Upload) -> Upload:
    """The upload with a clean name, once its name, type and size are within the limits (no database)."""
    name = _clean_name(upload.filename)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in _allowed_extensions(app):
        raise ValidationFailed("不支持的附件类型：%(ext)s", code="invalid_type", field="file", ext=extension or "-")
    limit = int(app.settings["limits.attachment_max_bytes"])
    if len(upload.data) > limit:
        raise TooLarge("附件过大（最大 %(mb)s MB）", mb=round(limit / 1048576, 1))
    if not upload.data:
        raise ValidationFailed("附件为空", code="invalid_value", field="file")
    return Upload(name, upload.content_type, upload.data)


def _attach(app: Gongkai, session: Session, actor: Actor, item: Item, upload: Upload, now: datetime) -> Attachment:
    """Store a checked upload on the draft inside the caller's transaction, indexed, recorded and audited."""
    data = upload.data
    row = Attachment(item_id=item.id, filename=upload.filename,
                     content_type=(upload.content_type or "application/octet-stream")[:100],
                     size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data, created_at=now)
    session.add(row)
    item.updated_at = now  # bumps the item version: the snapshot changes with its attachments
    session.flush()
    search_index.reindex(app, session, item)  # its name now, its text once the scan has read it
    contributors.record(session, item.id, actor, now, "attachment_add")
    audit.append(session, at=now, actor=actor, subject=f"item:{item.id}", item_id=item.id,
                 action="attachment_add", from_state="draft", to_state="draft",
                 data={"filename": upload.filename, "size": len(data), "sha256": row.sha256})
    return row


def add_attachment(app: Gongkai, actor: Actor, item_id: int, filename: str, content_type: str | None,
                   data: bytes) -> Attachment:
    """Attach a file to a draft of the actor's department (TooLarge / ValidationFailed on limits)."""
    upload = _checked(app, Upload(filename, content_type, data))
    now = app.now()
    with write_transaction(app) as session:
        row = _attach(app, session, actor, load_draft(session, actor, item_id), upload, now)
    _scan_after_upload(app, row)
    return row


def create_item_with_attachments(app: Gongkai, actor: Actor, data: Mapping[str, Any],
                                 uploads: Sequence[Upload]) -> Item:
    """Create a draft and attach ``uploads`` to it in one transaction: when one file is refused (type,
    size, empty, name) nothing is created, so the drafter fixes the file and sends the form again."""
    if len(uploads) > MAX_UPLOADS_AT_ONCE:
        raise ValidationFailed("一次最多上传 %(n)s 个附件", code="too_many", field="file", n=MAX_UPLOADS_AT_ONCE)
    checked = [_checked(app, upload) for upload in uploads]
    now = app.now()
    with write_transaction(app) as session:
        item = create_item_in(session, app, actor, data)
        rows = [_attach(app, session, actor, item, upload, now) for upload in checked]
    for row in rows:
        _scan_after_upload(app, row)
    return item


def _scan_after_upload(app: Gongkai, row: Attachment) -> None:
    """The bounded self-check of a new attachment, once per content (``scan_worker.scan_on_upload``).

    Outside the write transaction; a failure to scan here is not the upload's failure: the
    scheduler's ``scan`` job, or the submission, scans what is still missing.
    """
    if not app.settings.get("scan_worker.scan_on_upload", True):
        return
    from workflow.attachment_scans import ensure_scanned
    try:
        ensure_scanned(app, [row.id])
    except Exception:  # noqa: BLE001 - logged; the scan is retried later, the file is stored
        log.exception("scan after upload of attachment %s failed; left to the scheduler", row.id)


def remove_attachment(app: Gongkai, actor: Actor, item_id: int, attachment_id: int) -> None:
    """Remove an attachment from a draft."""
    now = app.now()
    with write_transaction(app) as session:
        item = load_draft(session, actor, item_id)
        row = session.get(Attachment, attachment_id)
        if row is None or row.item_id != item.id:
            raise NotFound("附件不存在", code="attachment_not_found")
        name = row.filename
        item.attachments.remove(row)
        item.updated_at = now
        session.flush()
        search_index.reindex(app, session, item)
        contributors.record(session, item.id, actor, now, "attachment_remove")
        audit.append(session, at=now, actor=actor, subject=f"item:{item.id}", item_id=item.id,
                     action="attachment_remove", from_state="draft", to_state="draft", data={"filename": name})


def get_attachment(app: Gongkai, actor: Actor | None, item_id: int, attachment_id: int) -> Attachment:
    """One attachment of an item the actor may see (``actor`` None: the public, published
    disclosure items only; staff outside the department: the same, via ``load_visible``)."""
    with app.db.read() as session:
        if actor is None:
            from sqlalchemy import select

            from db.models import Item
            if session.scalar(select(Item.id).where(Item.id == item_id, public_items_filter())) is None:
                raise NotFound("附件不存在", code="attachment_not_found")
        else:
            load_visible(session, actor, item_id, today(app))
        # populate_existing: the item's relationship may already hold this row without its deferred
        # bytes, and ``data`` could not be loaded once the session is closed (a 500 on the public page).
        row = session.get(Attachment, attachment_id, options=[undefer(Attachment.data)], populate_existing=True)
        if row is None or row.item_id != item_id:
            raise NotFound("附件不存在", code="attachment_not_found")
        return row


@dataclass(frozen=True)
class AttachmentPreview:
    """An attachment's name and size, and what its preview shows."""

    item_id: int
    attachment_id: int
    filename: str
    size: int
    preview: Preview


def preview_attachment(app: Gongkai, actor: Actor, item_id: int, attachment_id: int) -> AttachmentPreview:
    """The read-only preview of one attachment for the item's internal readers (department scope, admins,
    route deciders; NotFound for anyone else), with the places the scan of the current content flagged.
    The file is read in the bounded scan worker under the scanner's limits."""
    from workflow.attachment_preview import build_preview
    from workflow.revision_findings import content_findings
    from workflow.scan.worker import extract_bounded
    with app.db.read() as session:
        item = load_internal(session, actor, item_id)
        row = session.get(Attachment, attachment_id, options=[undefer(Attachment.data)], populate_existing=True)
        if row is None or row.item_id != item.id:
            raise NotFound("附件不存在", code="attachment_not_found")
        flagged = {finding.sublocation for finding in content_findings(app, session, item)
                   if finding.location == row.filename and finding.sublocation}
        filename, size, data = row.filename, row.size, row.data
    extension = PurePosixPath(filename).suffix.lower().lstrip(".")
    read = extract_bounded(data, extension, settings=app.settings, today=local_date(app.now()))
    return AttachmentPreview(item_id, attachment_id, filename, size, build_preview(read.units, flagged, read.reason))
