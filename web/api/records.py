"""API of the printable record (DESIGN.md §7a): the PDF of one item's 审查审批表, the archive zip of a period."""
from __future__ import annotations

import tempfile
from urllib.parse import quote

from flask import Response, request, send_file
from flask.typing import ResponseReturnValue

from web.api import bp
from web.api.openapi import ID, _op, _q, register_paths
from web.api.request import acting_user
from web.core import core
from workflow.services import records

PDF, ZIP = "application/pdf", "application/zip"


def _attachment(name: str) -> str:
    """A Content-Disposition naming the file in ASCII and, for Chinese titles, in UTF-8 (RFC 6266)."""
    ascii_name = name.encode("ascii", "ignore").decode() or "record.pdf"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


@bp.get("/items/<int:item_id>/record.pdf")
def item_record_pdf(item_id: int) -> ResponseReturnValue:
    """信息公开保密审查审批表 (PDF): for whoever sees the item's internals; 404 for everyone else."""
    made = records.record_pdf(core(), acting_user(), item_id)
    response = Response(made.pdf, mimetype=PDF)
    response.headers["Content-Disposition"] = _attachment(made.file_name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/records.zip")
def records_zip() -> ResponseReturnValue:
    """Admins: the records of the items published from ``from`` to ``to`` (one PDF each and index.csv)."""
    who = acting_user()
    start, end = request.args.get("from"), request.args.get("to")
    # spooled: a month's export stays in memory, a large one goes to a temporary file
    target = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    try:
        summary = records.export_records(core(), who, start, end, target)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    name = f"records-{summary.period.start.isoformat()}-{summary.period.end.isoformat()}.zip"
    response = send_file(target, mimetype=ZIP, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


DATE = {"type": "string", "format": "date"}
register_paths({
    "/api/v1/items/{item_id}/record.pdf": {"get": _op(
        "信息公开保密审查审批表 (PDF) of the item's published or latest revision, with a QR code linking to its "
        "verify page; for whoever sees the item's internals", params=[ID],
        errors=("400", "401", "403", "404", "409", "422", "503"),
        content={PDF: {"schema": {"type": "string", "format": "binary"}}})},
    "/api/v1/records.zip": {"get": _op(
        "Admin: archive export (归档) — the records of the items published in a period, one PDF each, and "
        "index.csv; at most 500 items (422 beyond)",
        params=[_q("from", DATE, required=True), _q("to", DATE, required=True)],
        errors=("400", "401", "403", "422", "503"),
        content={ZIP: {"schema": {"type": "string", "format": "binary"}}})},
})
