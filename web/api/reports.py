"""API v1: the yearly report and the 清单 coverage (admins only)."""
from __future__ import annotations

from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue

from web.api import bp
from web.api.openapi import ACADEMIC_YEAR, STRING, _op, _q, array, obj, ref, register_paths, register_schemas
from web.api.request import acting_user, json_body
from web.core import core
from workflow.errors import ValidationFailed
from workflow.report import NARRATIVE_KEYS
from workflow.inputs import parse_college_year
from workflow.services import reports

MIME = {"json": "application/json; charset=utf-8", "html": "text/html; charset=utf-8",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _year() -> str:
    # 422 unless exactly "2022-2023": the year goes into a Content-Disposition header.
    return parse_college_year(request.args.get("year") or reports.current_year(core()))


@bp.get("/reports/annual")
def annual_report() -> ResponseReturnValue:
    actor = acting_user()
    fmt = request.args.get("format", "json")
    if fmt not in MIME:
        raise ValidationFailed("不支持的报告格式：%(fmt)s（可用：json、html、docx）", field="format", fmt=fmt[:20])
    year = _year()
    body = reports.render_annual(core(), actor, year, fmt)
    response = Response(body, mimetype=MIME[fmt].split(";")[0], content_type=MIME[fmt])
    if fmt != "json":
        # the canonical label, never the raw parameter: "2022-2023\n" is a valid year but not a header value
        label = reports.academic_period(core(), year).label
        response.headers["Content-Disposition"] = f'attachment; filename="annual-report-{label}.{fmt}"'
    return response


@bp.get("/reports/narratives")
def get_narratives() -> ResponseReturnValue:
    texts = reports.narratives(core(), acting_user(), _year())
    return jsonify({key: {"text": n.text, "source": n.source, "from_year": n.from_year} for key, n in texts.items()})


@bp.put("/reports/narratives")
def put_narratives() -> ResponseReturnValue:
    actor = acting_user()
    body = json_body()
    texts = reports.save_narratives(core(), actor, _year(), body.get("sections"))
    return jsonify({key: {"text": n.text, "source": n.source, "from_year": n.from_year} for key, n in texts.items()})


@bp.post("/reports/narratives/preview")
def preview_narrative() -> ResponseReturnValue:
    """One narrative part as the report prints it with the year's figures (the editor's live preview)."""
    actor = acting_user()
    body = json_body()
    section = body.get("section")
    shown = reports.preview_narrative(core(), actor, _year(), section, body.get("text", ""))
    return jsonify({"section": section, "text": "\n".join(line for _kind, line in shown),
                    "paragraphs": [{"kind": kind, "text": line} for kind, line in shown]})


@bp.get("/catalog/coverage")
def catalog_coverage() -> ResponseReturnValue:
    actor = acting_user()
    return jsonify(reports.coverage(core(), _year(), actor).to_dict())


# Empty or absent: the latest academic year that has ended.
YEAR = _q("year", {**ACADEMIC_YEAR, "pattern": f"(?:{ACADEMIC_YEAR['pattern']})|^$"},
          description="Default (absent or empty): the latest academic year that has ended")
register_schemas({"NarrativesInput": obj({"sections": {
    "type": "object", "minProperties": 1, "propertyNames": {"enum": list(NARRATIVE_KEYS)},
    "additionalProperties": {"type": "string"},
    "description": "Section → text (plain form with 〔placeholders〕, or an older template); an empty text reverts to the "
                   "inherited one"}}, required=("sections",)),
                  "NarrativePreviewInput": obj({
                      "section": {"type": "string", "enum": list(NARRATIVE_KEYS)},
                      "text": {"type": "string", "description": "The part as typed; empty previews the default"}},
                      required=("section",)),
                  "NarrativePreview": obj({
                      "section": STRING, "text": {"type": "string", "description": "One line per paragraph"},
                      "paragraphs": array(obj({"kind": {"type": "string", "enum": ["paragraph", "subheading"]},
                                               "text": STRING}))})})
register_paths({
    "/api/v1/reports/annual": {"get": _op(
        "Admin: the yearly report of an academic year (json|html|docx)", params=[
            YEAR, _q("format", {"type": "string", "enum": list(MIME)}, description="Default json")],
        content={"application/json": {"schema": ref("Report")}, "text/html": {"schema": {"type": "string"}},
                 MIME["docx"]: {"schema": {"type": "string", "format": "binary"}}})},
    "/api/v1/reports/narratives": {
        "get": _op("Admin: narrative templates of a year (own, previous year's or default)", params=[YEAR],
                   schema=ref("Narratives")),
        "put": _op("Admin: store narrative templates of a year; empty text reverts", params=[YEAR],
                   body=ref("NarrativesInput"), schema=ref("Narratives"))},
    "/api/v1/reports/narratives/preview": {"post": _op(
        "Admin: one narrative part rendered with the year's figures (nothing stored); 422 names an unknown "
        "placeholder", params=[YEAR], body=ref("NarrativePreviewInput"), schema=ref("NarrativePreview"))},
    "/api/v1/catalog/coverage": {"get": _op("Admin: 清单 entries published in a year, by month, with links",
                                            params=[YEAR], schema=ref("Coverage"))},
})
