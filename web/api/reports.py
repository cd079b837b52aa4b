"""API v1: the yearly report and the 清单 coverage (admins only)."""
from __future__ import annotations

from flask import Response, jsonify, request

from web.api import bp
from web.api.openapi import register_paths
from web.api.request import acting_user, json_body
from web.app import core
from workflow.errors import ValidationFailed
from workflow.inputs import parse_college_year
from workflow.services import reports

MIME = {"json": "application/json; charset=utf-8", "html": "text/html; charset=utf-8",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _year() -> str:
    # 422 unless exactly "2022-2023": the year goes into a Content-Disposition header.
    return parse_college_year(request.args.get("year") or reports.current_year(core()))


@bp.get("/reports/annual")
def annual_report():  # noqa: ANN201
    actor = acting_user()
    fmt = request.args.get("format", "json")
    if fmt not in MIME:
        raise ValidationFailed("不支持的报告格式：%(fmt)s（可用：json、html、docx）", field="format", fmt=fmt[:20])
    year = _year()
    body = reports.render_annual(core(), actor, year, fmt)
    response = Response(body, mimetype=MIME[fmt].split(";")[0], content_type=MIME[fmt])
    if fmt != "json":
        response.headers["Content-Disposition"] = f'attachment; filename="annual-report-{year}.{fmt}"'
    return response


@bp.get("/reports/narratives")
def get_narratives():  # noqa: ANN201
    texts = reports.narratives(core(), acting_user(), _year())
    return jsonify({key: {"text": n.text, "source": n.source, "from_year": n.from_year} for key, n in texts.items()})


@bp.put("/reports/narratives")
def put_narratives():  # noqa: ANN201
    actor = acting_user()
    body = json_body()
    texts = reports.save_narratives(core(), actor, _year(), body.get("sections"))
    return jsonify({key: {"text": n.text, "source": n.source, "from_year": n.from_year} for key, n in texts.items()})


@bp.get("/catalog/coverage")
def catalog_coverage():  # noqa: ANN201
    actor = acting_user()
    return jsonify(reports.coverage(core(), _year(), actor).to_dict())


def _year_param() -> dict:
    return {"name": "year", "in": "query", "required": False, "schema": {"type": "string", "example": "2022-2023"}}


def _doc(summary: str, params: list | None = None, body: bool = False) -> dict:
    from web.api.openapi import _op
    op = _op(summary, params=params or [_year_param()])
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"sections": {"type": "object",
                                                          "additionalProperties": {"type": "string"}}}}}}}
    return op


register_paths({
    "/api/v1/reports/annual": {"get": _doc("Admin: the yearly report of an academic year (json|html|docx)", [
        _year_param(), {"name": "format", "in": "query", "required": False,
                        "schema": {"type": "string", "enum": ["json", "html", "docx"]}}])},
    "/api/v1/reports/narratives": {
        "get": _doc("Admin: narrative templates of a year (own, previous year's or default)"),
        "put": _doc("Admin: store narrative templates of a year; empty text reverts", body=True)},
    "/api/v1/catalog/coverage": {"get": _doc("Admin: 清单 entries published in a year, by month, with links")},
})
