"""Keeping ``item_search`` in step with the items (docs/search.md).

Every verb that changes what an item says — create, edit, masking, an attachment added or removed,
revise — calls :func:`reindex` inside its own write transaction: the search sees the change exactly
when the change commits, and never a change that rolled back. An attachment's *text* comes from the
bounded scan (a child process, run outside the write transaction): when it is stored
(:func:`store_text`, in the transaction that stores the scan) every item carrying that content is
indexed again. Until then the item is found by its title, body and the attachment's file name, and
its row counts the attachment as ``pending``; the scheduler's ``scan`` job extracts what is missing
(:func:`extract_pending`), e.g. for attachments uploaded before search existed.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from db.insert_ignore import insert_ignore
from db.models import Attachment, Item
from db.models.search import AttachmentText, ItemSearch
from db.search_text import content_of, grams_of_content
from workflow.scan.extract import extension

if TYPE_CHECKING:
    from workflow.context import Gongkai

log = logging.getLogger("gongkai.search")

# Characters of one item's content that are indexed (``search.max_chars``): a bigger content (a
# 500-page PDF) is cut there, so that indexing an item stays a matter of milliseconds in its transaction.
DEFAULT_MAX_CHARS = 300_000

_table = ItemSearch.__table__
_UPDATE = (update(_table).where(_table.c.item_id == bindparam("_item_id"))
           .values(content=bindparam("content"), grams=bindparam("grams"), pending=bindparam("pending")))
_INSERT = insert(_table)
# RETURNING tells whether the row was new (the driver's rowcount is -1 for ON CONFLICT on PostgreSQL)
_INSERT_TEXT = insert_ignore(AttachmentText.__table__).returning(AttachmentText.__table__.c.id)
_PARTS = (select(Attachment.id, Attachment.filename, AttachmentText.extension, AttachmentText.text)
          .outerjoin(AttachmentText, AttachmentText.sha256 == Attachment.sha256)
          .where(Attachment.item_id == bindparam("item_id")).order_by(Attachment.id))


def max_chars(app: "Gongkai") -> int:
    """``search.max_chars``: how much of an item's content is indexed (at least 1,000 characters)."""
    try:
        return max(1000, int(app.settings.get("search.max_chars", DEFAULT_MAX_CHARS)))
    except (TypeError, ValueError):
        return DEFAULT_MAX_CHARS


def extension_of(filename: str) -> str:
    """An attachment's extension as its scan and its text are keyed by (``attachment_scans.extension_of``)."""
    return extension(filename.replace("\\", "/").rsplit("/", 1)[-1])[:16]


def _attachment_parts(session: Session, item_id: int) -> tuple[list[str], int]:
    """Each attachment's file name and extracted text (one query), and how many have no text yet.

    The text is keyed by content *and* extension (a ``.csv`` and a ``.txt`` of the same bytes read
    differently): the outer join brings every stored extension of the content, the attachment's own is kept.
    """
    names: dict[int, str] = {}
    texts: dict[int, str] = {}
    for attachment_id, filename, text_extension, text in session.execute(_PARTS, {"item_id": item_id}):
        names[attachment_id] = filename
        if text is not None and text_extension == extension_of(filename):
            texts[attachment_id] = text
    parts: list[str] = []
    for attachment_id, filename in names.items():
        parts.append(filename)
        if attachment_id in texts:
            parts.append(texts[attachment_id])
    return parts, len(names) - len(texts)


def row_values(title: str, body: str, parts: list[str], limit: int) -> dict[str, Any]:
    """``content`` and ``grams`` of an item's texts, the content cut at ``limit`` characters."""
    content = content_of([title or "", body or "", *parts])
    if len(content) > limit:
        content = content[:limit].rsplit(" ", 1)[0]   # never half a run: a cut word is no word
    return {"content": content, "grams": grams_of_content(content)}


def reindex(app: "Gongkai", session: Session, item: Item, *, created: bool = False) -> None:
    """Index ``item`` as it stands in ``session`` (call after the change is flushed, in its transaction).

    ``created``: the item was inserted in this transaction (one INSERT; a new draft has no attachment
    to look up unless it was copied from another item by ``revise``).
    """
    if created and not item.attachments:
        parts, pending = [], 0
    else:
        parts, pending = _attachment_parts(session, item.id)
    values = {**row_values(item.title, item.body, parts, max_chars(app)), "pending": pending}
    connection = session.connection()
    if not created and connection.execute(_UPDATE, {**values, "_item_id": item.id}).rowcount == 1:
        return
    connection.execute(_INSERT, [{"item_id": item.id, "department_id": item.department_id, **values}])


def store_text(app: "Gongkai", session: Session, sha256: str, file_extension: str, text: str, complete: bool,
               now: datetime) -> int:
    """Keep the text extracted from one attachment content and index again every item carrying it
    (inside the transaction that stores the scan). Returns the number of items indexed again."""
    inserted = session.execute(_INSERT_TEXT, {"sha256": sha256, "extension": file_extension, "text": text,
                                              "complete": complete, "extracted_at": now}).scalar()
    if inserted is None:
        return 0            # stored before (another process, an earlier scanner version): items have it
    carrying = session.execute(select(Attachment.item_id, Attachment.filename)
                               .where(Attachment.sha256 == sha256)).all()
    item_ids = sorted({item_id for item_id, filename in carrying if extension_of(filename) == file_extension})
    for item_id in item_ids:
        item = session.get(Item, item_id)
        if item is not None:
            reindex(app, session, item)
    return len(item_ids)


def missing_texts(session: Session, limit: int) -> list[int]:
    """Ids of attachments (one per content and extension) whose text is not stored yet, oldest first."""
    rows = session.execute(
        select(Attachment.id, Attachment.sha256, Attachment.filename)
        .join(ItemSearch, ItemSearch.item_id == Attachment.item_id)
        .where(ItemSearch.pending > 0).order_by(Attachment.id)).all()
    if not rows:
        return []
    stored = set(session.execute(select(AttachmentText.sha256, AttachmentText.extension)
                                 .where(AttachmentText.sha256.in_({row.sha256 for row in rows}))).tuples())
    wanted: list[int] = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        key = (row.sha256, extension_of(row.filename))
        if key in stored or key in seen:
            continue
        seen.add(key)
        wanted.append(row.id)
        if len(wanted) >= limit:
            break
    return wanted


def settle_pending(app: "Gongkai", session: Session, limit: int) -> int:
    """Index again up to ``limit`` items still marked pending although no text is missing any more."""
    item_ids = list(session.scalars(select(ItemSearch.item_id).where(ItemSearch.pending > 0)
                                    .order_by(ItemSearch.item_id).limit(limit)))
    for item_id in item_ids:
        item = session.get(Item, item_id)
        if item is not None:
            reindex(app, session, item)
    return len(item_ids)


__all__ = ["DEFAULT_MAX_CHARS", "extension_of", "max_chars", "missing_texts", "reindex", "row_values",
           "settle_pending", "store_text"]
