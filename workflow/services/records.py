"""Verbs of the printable record (信息公开保密审查审批表, docs/records.md).

* :func:`record_page` — the print view (HTML), :func:`record_pdf` — the PDF: whoever sees the item's
  internals (its department scope, admins, the deciders of its route; NotFound for everyone else);
* :func:`verify_record` — the page the QR code opens: the record made again from the database and the
  audit events, compared with each other and with the paper's digest;
* :func:`export_records` — the archive zip of a period (admins, and the command line).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import IO, Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Item
from workflow import links
from workflow.access import ADMIN, Actor, require_role
from workflow.context import Gongkai
from workflow.records import archive, model, render
from workflow.records.model import Record
from workflow.records.render import Toolbar
from workflow.records.verify import Verification, parse_digest, verify
from workflow.services.items import load_internal, today

VERIFY_PATH = "/items/{item_id}/record/verify?h={digest}"


def verify_url(app: Gongkai, item_id: int, digest: str) -> str:
    """The link of the QR code: the instance's public address (``institution.base_url``) and the verify page
    of the item with the record's digest — no secret: the page asks for a login and the item's visibility."""
    return links.public_url(app.settings, VERIFY_PATH.format(item_id=item_id, digest=digest))


def _record(session: Session, item: Item) -> Record:
    """The record of ``item`` from the database, at the audit position of the events it rests on."""
    base = model.from_database(session, item)
    side = model.from_audit(session, base, model.item_events(session, item.id))
    return replace(base, position=side.record.position)


def item_record(app: Gongkai, actor: Actor, item_id: int) -> Record:
    """The record of an item whose internals ``actor`` sees (NotFound otherwise; 409 never submitted)."""
    with app.db.read() as session:
        return _record(session, load_internal(session, actor, item_id, today(app)))


def _html(app: Gongkai, record: Record, *, for_pdf: bool, toolbar: Toolbar | None = None) -> str:
    url = verify_url(app, record.item_id, record.digest)
    return render.render_html(record, verify_url=url, qr=render.qr_png(url) if for_pdf else render.qr_svg(url),
                              institution=str(app.settings.get("institution.name", "")), generated_at=app.now(),
                              toolbar=toolbar)


def record_page(app: Gongkai, actor: Actor, item_id: int, toolbar: Toolbar | None = None) -> str:
    """The print view: the whole HTML page (A4 print CSS), the QR code as SVG."""
    return _html(app, item_record(app, actor, item_id), for_pdf=False, toolbar=toolbar)


@dataclass(frozen=True)
class RecordPdf:
    """A rendered record: the PDF and the name to download it as."""

    pdf: bytes
    file_name: str
    record: Record


def record_pdf(app: Gongkai, actor: Actor, item_id: int) -> RecordPdf:
    """The PDF (503 ``pdf_unavailable`` when this machine cannot make one with Chinese fonts)."""
    record = item_record(app, actor, item_id)
    return RecordPdf(render.render_pdf(_html(app, record, for_pdf=True)), archive.file_name(record), record)


def verify_record(app: Gongkai, actor: Actor, item_id: int, paper: Any) -> Verification:
    """The verify page: ``paper`` is the digest the QR link carries (422 unless 64 hex digits); NotFound
    for whoever may not see the item's internals, whatever the digest."""
    with app.db.read() as session:
        item = load_internal(session, actor, item_id, today(app))
        return verify(session, item, parse_digest(paper))


def count_records(app: Gongkai, actor: Actor | None, start: Any, end: Any) -> tuple[archive.Period, int]:
    """Admins: the period and how many items were published in it (the export page's preview)."""
    if actor is not None:
        require_role(actor, ADMIN)
    period = archive.parse_period(start, end)
    with app.db.read() as session:
        return period, archive.count_published(session, period)


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    period: archive.Period
    count: int


def export_records(app: Gongkai, actor: Actor | None, start: Any, end: Any, target: IO[bytes], *,
                   on_total: Callable[[int], Any] | None = None,
                   progress: Callable[[int], Any] | None = None) -> ExportSummary:
    """Admins (``actor`` None: the command line): the zip of the records of the items published from
    ``start`` to ``end`` into ``target``; 422 for a bad period or more than ``archive.MAX_ITEMS`` items,
    before anything is written. ``on_total`` hears the number of items, ``progress`` each one done."""
    if actor is not None:
        require_role(actor, ADMIN)
    period = archive.parse_period(start, end)
    with app.db.read() as session:
        ids = archive.published_ids(session, period)
    if on_total is not None:
        on_total(len(ids))
    writer = archive.ArchiveWriter(target)
    for item_id in ids:
        # one short read per item: a long export holds no transaction open
        with app.db.read() as session:
            item = session.scalar(select(Item).where(Item.id == item_id))
            assert item is not None  # published items are never deleted
            record, published_at = _record(session, item), item.published_at
        url = verify_url(app, record.item_id, record.digest)
        writer.add(record, published_at, render.render_pdf(_html(app, record, for_pdf=True)), url)
        if progress is not None:
            progress(1)
    writer.close()
    return ExportSummary(period, len(ids))


__all__ = ["RecordPdf", "Toolbar", "Verification", "count_records", "export_records", "item_record", "record_page",
           "record_pdf", "verify_record", "verify_url"]
