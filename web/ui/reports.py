"""Admin pages of the yearly report: view/download, the narrative editor (plain text with named placeholders,
a palette, previews), coverage matrix."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from web.core import core
from web.ui.common import require_admin
from workflow.errors import DomainError
from workflow.i18n import get_locale
from workflow.i18n import gettext as _
from workflow.inputs import parse_college_year
from workflow.report import NARRATIVE_KEYS, placeholders
from workflow.services import reports

bp = Blueprint("reports", __name__, url_prefix="/admin/reports")
MIME = {"json": "application/json", "html": "text/html",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
#: The help's example of a condition (report wording: Chinese; the names follow the screen's language).
HELP_EXAMPLE = "〔若新收申请数为零〕本学年未收到信息公开申请。〔否则〕本学年共收到信息公开申请〔新收申请数〕件。〔结束〕"
SOURCE_LABELS = {"year": "本学年已编辑", "previous": "沿用上一学年（%(year)s）", "default": "系统默认模板"}


def _year() -> str:
    # 422 unless exactly "2022-2023": the year goes into file names and a Content-Disposition header.
    year = parse_college_year(request.values.get("year") or reports.current_year(core()))
    return reports.academic_period(core(), year).label


def _page(year: str, texts: dict[str, str] | None = None, error: DomainError | None = None,
          status: int = 200) -> tuple[str, int]:
    editor = reports.narrative_editor(core(), require_admin(), year, texts)
    sources = {part.key: _(SOURCE_LABELS[part.source], year=part.from_year) if part.source == "previous"
               else _(SOURCE_LABELS[part.source]) for part in editor.parts}
    english = get_locale() == "en"
    groups: dict[str, list[dict[str, str]]] = {}
    for entry in editor.palette:  # what a click inserts: the placeholder, or a condition around the selection
        token, opening, closing = placeholders.insertion(placeholders.BY_KEY[entry.key], english)
        # Words are quoted as the report prints them (Chinese on either screen): “学校网站”, not a label of the screen.
        shown = f"“{entry.value}”" if any(not ch.isascii() for ch in entry.value) else entry.value
        groups.setdefault(_(entry.group), []).append({"label": _(entry.label), "value": shown, "token": token,
                                                      "open": opening, "close": closing})
    help_text = {"words": placeholders.syntax_words(english),
                 "example_value": placeholders.localized("〔主动公开总数〕", english),
                 "example_condition": placeholders.localized(HELP_EXAMPLE, english)}
    return render_template("reports/index.html", year=year, editor=editor, sources=sources, groups=groups,
                           help=help_text, error=error, error_field=getattr(error, "field", None)), status


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return _page(_year())


@bp.post("/narratives")
@login_required
def save() -> ResponseReturnValue:
    who = require_admin()
    year = _year()
    texts = {key: request.form.get(f"section_{key}", "") for key in NARRATIVE_KEYS if f"section_{key}" in request.form}
    if "preview" in request.form:  # 预览 without JavaScript: the texts as typed, with what they give; nothing stored
        return _page(year, texts)
    reset = request.form.get("reset")
    if reset in NARRATIVE_KEYS:
        texts = {reset: ""}
    try:
        reports.save_narratives(core(), who, year, texts)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        flash(error.message, "danger")
        return _page(year, texts, error, 422)
    flash(_("报告文字已保存"), "success")
    return redirect(url_for("reports.index", year=year))


@bp.get("/view")
@login_required
def view() -> ResponseReturnValue:
    body = reports.render_annual(core(), require_admin(), _year(), "html")
    return Response(body, content_type="text/html; charset=utf-8")


@bp.get("/download")
@login_required
def download() -> ResponseReturnValue:
    fmt = request.args.get("format", "docx")
    if fmt not in MIME:
        fmt = "docx"
    year = _year()
    body = reports.render_annual(core(), require_admin(), year, fmt)
    response = Response(body, content_type=MIME[fmt] + ("; charset=utf-8" if fmt != "docx" else ""))
    response.headers["Content-Disposition"] = f'attachment; filename="annual-report-{year}.{fmt}"'
    return response


@bp.post("/publish")
@login_required
def publish() -> ResponseReturnValue:
    year = _year()
    try:
        row = reports.publish_report(core(), require_admin(), year)
    except DomainError as error:
        flash(error.message, "danger")
        return _page(year, error=error, status=error.status)
    flash(_("已发布 %(year)s 学年年度报告（第 %(version)s 版）到信息公开目录", year=year, version=row.version), "success")
    return redirect(url_for("reports.index", year=year))


@bp.get("/coverage")
@login_required
def coverage() -> ResponseReturnValue:
    year = _year()
    matrix = reports.coverage(core(), year, require_admin())
    return render_template("reports/coverage.html", year=year, matrix=matrix)
