"""The yearly report (信息公开年度报告): from a :class:`ReportData` to JSON, HTML or DOCX.

    data = new_report(Period.academic_year("2022-2023"), "漳州理工职业学院")
    ... the query layer fills data.active, data.applications, data.catalog_coverage …
    docx_bytes = render(data, "docx")

Nothing here touches the database; see docs/report.md for the structure and templates.
"""
from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Mapping

from workflow.errors import BadInput
from workflow.report import charts
from workflow.report.model import (
    APPENDIX_COLUMNS,
    ActiveStats,
    Block,
    Complaints,
    CoverageEntry,
    Fees,
    Figure,
    Labels,
    Period,
    RemedyRow,
    ReportData,
    ReportDocument,
    SecrecyReview,
    Section,
    Timeliness,
    appendix_rows,
    new_report,
    statistics_tables,
)
from workflow.report.narrative import (
    NARRATIVE_KEYS,
    PREAMBLE_KEY,
    SECTION_KEYS,
    chinese_date,
    cn_date_arabic,
    default_headings,
    default_templates,
    paragraphs,
    render_narrative,
)

FORMATS = ("json", "html", "docx")

__all__ = [
    "ActiveStats", "Complaints", "CoverageEntry", "Fees", "Labels", "Period", "RemedyRow", "ReportData",
    "SecrecyReview", "Timeliness", "ReportDocument", "FORMATS", "NARRATIVE_KEYS", "SECTION_KEYS",
    "build_document", "chinese_date", "default_headings", "default_templates", "new_report",
    "prepare", "render", "render_narrative",
]


def prepare(data: ReportData, templates: Mapping[str, str] | None = None) -> ReportData:
    """A copy of ``data`` whose ``narrative`` holds the final texts of every section.

    Precedence per section: ``templates`` > ``data.narrative`` > the default template. All of
    them are templates (plain text is a valid template) rendered in the sandbox.
    """
    chosen = {**data.narrative, **(templates or {})}
    return data.with_narrative(render_narrative(chosen, data))


def build_document(data: ReportData, templates: Mapping[str, str] | None = None,
                   headings: Mapping[str, str] | None = None, with_charts: bool = True,
                   font_dir: str | None = None) -> ReportDocument:
    """Lay the report out once for both renderers: sections, numbered tables and figures,
    the 清单 appendix and the signature block. ``font_dir``: look for the charts' Chinese font only
    there (setting ``report.font_dir``); no font with the characters is ``ChartFontMissing`` (503)."""
    prepared = prepare(data, templates)
    texts = prepared.narrative
    titles = {**default_headings(), **(headings or {})}
    tables = statistics_tables(prepared)
    figures = _figures(prepared, font_dir) if with_charts else {}

    table_no = figure_no = 0
    sections = []
    for key in SECTION_KEYS:
        numbered_tables = []
        for table in tables.get(key, []):
            table_no += 1
            numbered_tables.append(replace(table, caption=f"表{table_no}  {table.caption}"))
        numbered_figures = []
        for figure in figures.get(key, []):
            figure_no += 1
            numbered_figures.append(replace(figure, caption=f"图{figure_no}  {figure.caption}"))
        sections.append(Section(
            key=key,
            heading=titles.get(key, key),
            blocks=tuple(Block(text, kind) for kind, text in paragraphs(texts[key])),
            tables=tuple(numbered_tables),
            figures=tuple(numbered_figures),
        ))
    period = prepared.period
    return ReportDocument(
        title=prepared.title,
        institution=prepared.institution,
        period_text=f"{cn_date_arabic(period.start)}至{cn_date_arabic(period.end)}",
        preamble=tuple(Block(text, kind) for kind, text in paragraphs(texts[PREAMBLE_KEY])),
        sections=tuple(sections),
        appendix_title="附表：清单事项公开情况表",
        appendix_columns=APPENDIX_COLUMNS,
        appendix_rows=appendix_rows(prepared),
        signature_name=prepared.institution,
        signature_date=chinese_date(prepared.signature_date()),
        data=prepared,
    )


def render(data: ReportData | Mapping[str, Any], fmt: str, *, templates: Mapping[str, str] | None = None,
           headings: Mapping[str, str] | None = None, with_charts: bool = True, font_dir: str | None = None) -> bytes:
    """The report as bytes: ``"json"`` (UTF-8), ``"html"`` (standalone page) or ``"docx"``.

    ``data`` may also be the JSON dict of a report (``ReportData.from_dict`` is applied).
    """
    if fmt not in FORMATS:
        raise BadInput("不支持的报告格式：%(fmt)s（可用：json、html、docx）", fmt=str(fmt))
    if not isinstance(data, ReportData):
        data = ReportData.from_dict(data)
    if fmt == "json":
        body = prepare(data, templates).to_json_dict()
        return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    document = build_document(data, templates, headings, with_charts=with_charts, font_dir=font_dir)
    if fmt == "html":
        from workflow.report.render_html import render_html

        return render_html(document)
    from workflow.report.render_docx import render_docx

    return render_docx(document)


def _figures(data: ReportData, font_dir: str | None = None) -> dict[str, list[Figure]]:
    a = data.active
    figures = []
    if a.by_month:
        figures.append(Figure("by_month", "各月主动公开信息数量",
                              charts.chart_by_month(a.by_month, title="", font_dir=font_dir)))
    if a.by_channel:
        figures.append(Figure("by_channel", "各渠道主动公开信息数量",
                              charts.chart_by_channel(a.by_channel, data.labels.channels, title="", font_dir=font_dir)))
    if a.by_category:
        figures.append(Figure("by_category", "按清单类别统计的主动公开信息",
                              charts.chart_by_category(a.by_category, data.labels.categories, title="",
                                                       font_dir=font_dir)))
    return {"active": figures}
