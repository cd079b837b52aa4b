"""The public disclosure directory (no login): 清单 tree, search, item pages, reports, Atom feed."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue

from web.core import core
from web.ui.items import attachment_response
from workflow import links
from workflow.public_names import public_filename
from workflow.clock import SHANGHAI
from workflow.errors import NotFound, ValidationFailed
from workflow.i18n import gettext as _
from workflow.services import attachments, catalog, public_items, queries
from workflow.xml_text import xml_safe

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
bp = Blueprint("public", __name__, url_prefix="/public")
ATOM = "http://www.w3.org/2005/Atom"


@bp.get("/")
def directory() -> ResponseReturnValue:
    app = core()
    q = (request.args.get("q") or "").strip()[:100] or None
    department = request.args.get("department") or None
    code = request.args.get("catalog") or None
    try:
        page = queries.public_items(app, q=q, department=department, catalog_code=code,
                                    page=request.args.get("page"))
        counts = queries.published_counts_by_catalog(app, department)
    except ValidationFailed:
        abort(404)
    tree = catalog.catalog_tree(app)
    titles = {e["code"]: e["title"] for c in tree["categories"] for e in c["items"]}
    cat_totals = {c["code"]: sum(counts.get(e["code"], 0) for e in c["items"]) for c in tree["categories"]}
    return render_template("public/directory.html", tree=tree, counts=counts, page=page, q=q or "",
                           department=department, catalog_code=code, titles=titles, cat_totals=cat_totals,
                           departments=queries.list_departments(app))


@bp.get("/items/<int:item_id>")
def item(item_id: int) -> ResponseReturnValue:
    try:
        page = public_items.public_item_page(core(), item_id)
    except NotFound as missing:
        successor = (missing.details or {}).get("successor")
        return render_template("public/gone.html", successor=successor), 404
    return render_template("public/item.html", item=page.item, page=page)


@bp.get("/items/<int:item_id>/attachments/<int:attachment_id>")
def attachment(item_id: int, attachment_id: int) -> ResponseReturnValue:
    row = attachments.get_attachment(core(), None, item_id, attachment_id)
    return attachment_response(row, public_filename(row.filename))


@bp.get("/reports")
def reports() -> ResponseReturnValue:
    from workflow.services.reports import published_reports
    return render_template("public/reports.html", reports=published_reports(core()))


@bp.get("/reports/<year>")
def report(year: str) -> ResponseReturnValue:
    from workflow.services.reports import published_report
    row = published_report(core(), year)
    response = Response(row.html, content_type="text/html; charset=utf-8")
    # The frozen report carries its own styles and no script; forbid scripts anyway.
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    return response


@bp.get("/reports/<year>.docx")
def report_docx(year: str) -> ResponseReturnValue:
    from workflow.services.reports import published_report
    row = published_report(core(), year)
    response = Response(row.docx, content_type=DOCX_MIME)
    response.headers["Content-Disposition"] = f'attachment; filename="annual-report-{year}.docx"'
    return response


def _public_url(app: Any, endpoint: str, **values: Any) -> str:
    """An absolute link from the configured public address (``institution.base_url``), never from the address
    this server happens to be reached at (a proxy, a worker's port): feeds are read elsewhere."""
    return links.public_url(app.settings, url_for(endpoint, **values))


@bp.get("/feed.atom")
def feed() -> ResponseReturnValue:
    app = core()
    page = queries.public_items(app, per_page=50)
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    name = str(app.settings["institution.name"])
    ET.SubElement(root, f"{{{ATOM}}}title").text = xml_safe(_("%(name)s 信息公开", name=name))
    ET.SubElement(root, f"{{{ATOM}}}id").text = _public_url(app, "public.feed")
    ET.SubElement(root, f"{{{ATOM}}}link", href=_public_url(app, "public.feed"), rel="self")
    ET.SubElement(root, f"{{{ATOM}}}link", href=_public_url(app, "public.directory"))
    updated = max((i.published_at for i in page.items if i.published_at), default=None) or app.now()
    ET.SubElement(root, f"{{{ATOM}}}updated").text = _iso(updated)
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = xml_safe(name)
    for found in page.items:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        link = _public_url(app, "public.item", item_id=found.id)
        # Stored text may predate the input checks: strip what XML cannot carry (invalid feed otherwise).
        ET.SubElement(entry, f"{{{ATOM}}}title").text = xml_safe(found.title)
        ET.SubElement(entry, f"{{{ATOM}}}id").text = link
        ET.SubElement(entry, f"{{{ATOM}}}link", href=link)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _iso(found.published_at or found.updated_at)
        ET.SubElement(entry, f"{{{ATOM}}}published").text = _iso(found.published_at or found.updated_at)
        ET.SubElement(entry, f"{{{ATOM}}}category", term=xml_safe(found.catalog_code),
                      label=xml_safe(found.department.name))
        summary = ET.SubElement(entry, f"{{{ATOM}}}summary", type="text")  # plain text: never HTML
        summary.text = xml_safe((found.body or "")[:500])
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="application/atom+xml")


def _iso(value: datetime) -> str:
    return value.astimezone(SHANGHAI).isoformat(timespec="seconds")
