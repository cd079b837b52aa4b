"""The public disclosure directory (no login): 清单 tree, search, item pages, reports, Atom feed."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from web.app import core
from web.ui.items import attachment_response
from workflow.clock import SHANGHAI, local_date
from workflow.errors import NotFound, ValidationFailed
from workflow.services import attachments, catalog, queries

bp = Blueprint("public", __name__, url_prefix="/public")
ATOM = "http://www.w3.org/2005/Atom"


@bp.get("/")
def directory():  # noqa: ANN201
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
def item(item_id: int):  # noqa: ANN201
    app = core()
    try:
        found = queries.public_item(app, item_id)
    except NotFound as missing:
        successor = (missing.details or {}).get("successor")
        return render_template("public/gone.html", successor=successor), 404
    tree = catalog.catalog_tree(app)
    entry = next(((c["title"], e["title"]) for c in tree["categories"] for e in c["items"]
                  if e["code"] == found.catalog_code), None)
    return render_template("public/item.html", item=found, entry=entry)


@bp.get("/items/<int:item_id>/attachments/<int:attachment_id>")
def attachment(item_id: int, attachment_id: int):  # noqa: ANN201
    return attachment_response(attachments.get_attachment(core(), None, item_id, attachment_id))


def _report_years() -> list[dict[str, Any]]:
    """Academic years up to the current one; linked only when the report page exists."""
    app = core()
    today = local_date(app.now())
    start_month = int(str(app.settings["institution.academic_year_start"]).split("-")[0])
    last_start = today.year - 1 if today.month < start_month else today.year
    has_page = any(rule.rule.startswith("/public/reports/<")
                   for rule in current_app.url_map.iter_rules())
    years = []
    for start in range(last_start - 1, last_start - 5, -1):  # completed academic years only
        label = f"{start}-{start + 1}"
        years.append({"label": label, "url": f"/public/reports/{label}" if has_page else None})
    return years


@bp.get("/reports")
def reports():  # noqa: ANN201
    return render_template("public/reports.html", years=_report_years())


@bp.get("/feed.atom")
def feed():  # noqa: ANN201
    app = core()
    page = queries.public_items(app, per_page=50)
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    name = str(app.settings["institution.name"])
    ET.SubElement(root, f"{{{ATOM}}}title").text = f"{name} 信息公开"
    ET.SubElement(root, f"{{{ATOM}}}id").text = url_for("public.feed", _external=True)
    ET.SubElement(root, f"{{{ATOM}}}link", href=url_for("public.feed", _external=True), rel="self")
    ET.SubElement(root, f"{{{ATOM}}}link", href=url_for("public.directory", _external=True))
    updated = max((i.published_at for i in page.items if i.published_at), default=None) or app.now()
    ET.SubElement(root, f"{{{ATOM}}}updated").text = _iso(updated)
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = name
    for found in page.items:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        link = url_for("public.item", item_id=found.id, _external=True)
        ET.SubElement(entry, f"{{{ATOM}}}title").text = found.title
        ET.SubElement(entry, f"{{{ATOM}}}id").text = link
        ET.SubElement(entry, f"{{{ATOM}}}link", href=link)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _iso(found.published_at or found.updated_at)
        ET.SubElement(entry, f"{{{ATOM}}}published").text = _iso(found.published_at or found.updated_at)
        ET.SubElement(entry, f"{{{ATOM}}}category", term=found.catalog_code, label=found.department.name)
        summary = ET.SubElement(entry, f"{{{ATOM}}}summary", type="text")  # plain text: never HTML
        summary.text = (found.body or "")[:500]
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="application/atom+xml")


def _iso(value: datetime) -> str:
    return value.astimezone(SHANGHAI).isoformat(timespec="seconds")
