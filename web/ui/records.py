"""The printable record (审查审批表): its print view, the page its QR code opens, the archive export page."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from web.core import core
from web.ui.common import actor, require_admin, try_verb
from workflow.records.archive import MAX_ITEMS
from workflow.records.render import Toolbar
from workflow.services import records

bp = Blueprint("records", __name__)


@bp.get("/items/<int:item_id>/record")
@login_required
def print_view(item_id: int) -> ResponseReturnValue:
    """The 信息公开保密审查审批表 as a page to print (A4 print CSS; the buttons are not printed)."""
    toolbar = Toolbar(pdf_url=url_for("api.item_record_pdf", item_id=item_id),
                      back_url=url_for("items.show", item_id=item_id),
                      script_url=url_for("static", filename="js/record-print.js"))
    return Response(records.record_page(core(), actor(), item_id, toolbar), mimetype="text/html")


@bp.get("/items/<int:item_id>/record/verify")
@login_required
def verify(item_id: int) -> ResponseReturnValue:
    """The page the QR code opens: 一致 or 不一致 and what differs (the item's internals' visibility)."""
    result = records.verify_record(core(), actor(), item_id, request.args.get("h"))
    return render_template("records/verify.html", v=result, record=result.record, item_id=item_id)


@bp.get("/admin/records")
@login_required
def export_page() -> ResponseReturnValue:
    """Admins: choose a period; the page says how many records it holds and links the zip."""
    who = require_admin()
    start, end = request.args.get("from", ""), request.args.get("to", "")
    found, error = (try_verb(records.count_records, core(), who, start, end) if start or end else (None, None))
    return render_template("records/export.html", start=start, end=end, found=found, max_items=MAX_ITEMS,
                           error=error), (error.status if error is not None else 200)
