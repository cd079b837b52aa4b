"""Verbs of the yearly disclosure report (信息公开年度报告) and the 清单 coverage.

* :func:`annual_report` — the report data of an academic year, figures from the records and
  the narrative templates stored for that year;
* :func:`narratives` / :func:`save_narratives` — the per-year narrative templates admins edit
  (a year without its own text starts from the previous year's, else the configured default);
* :func:`narrative_editor` / :func:`preview_narrative` — the editor's parts in the plain form
  (〔主动公开总数〕 …), their previews against the year's figures, and the palette of placeholders;
* :func:`coverage` — which 清单 entries had publications in a year, with links;
* :func:`render_annual` — the report as JSON, HTML or DOCX bytes.

Only admins (信息公开办公室) may read these; ``actor=None`` is the command line / scheduler.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Mapping

from sqlalchemy import select

from db.models import CatalogEntry, Department
from db.models.reports import PublishedReport, ReportNarrative
from workflow import audit
from workflow.access import ADMIN, Actor, require_role
from workflow.context import Gongkai
from workflow.errors import BadInput, NotFound, ValidationFailed
from workflow.i18n import get_locale
from workflow.report import NARRATIVE_KEYS, ReportData, default_templates, placeholders, render, render_narrative
from workflow.report import fonts
from workflow.report.model import Period
from workflow.report.narrative import narrative_context, paragraphs, render_template, section_title
from workflow.report.stats import build_report, item_url, months_of, period_bounds
from workflow.services.applications import year_stats

SOURCE_YEAR, SOURCE_PREVIOUS, SOURCE_DEFAULT = "year", "previous", "default"


def academic_period(app: Gongkai, year: str) -> Period:
    """``"2022-2023"`` → 2022-09-01 … 2023-08-31 (start from ``institution.academic_year_start``)."""
    return Period.academic_year(str(year or ""), str(app.settings.get("institution.academic_year_start", "09-01")))


def current_year(app: Gongkai) -> str:
    """The most recent academic year that has ended (the one a report is due for)."""
    from workflow.clock import local_date
    today = local_date(app.now())
    start = academic_period(app, f"{today.year}-{today.year + 1}").start
    first = today.year - 2 if today < start else today.year - 1
    return f"{first}-{first + 1}"


def _require_admin(actor: Actor | None) -> None:
    if actor is not None:
        require_role(actor, ADMIN)


@dataclass(frozen=True)
class NarrativeText:
    """One section's template as it will be used, and where it came from."""

    section: str
    text: str
    source: str  # "year" | "previous" | "default"
    from_year: str | None = None


def narratives(app: Gongkai, actor: Actor | None, year: str) -> dict[str, NarrativeText]:
    """Section → template for ``year``: its own text, else the latest earlier year's, else the default."""
    _require_admin(actor)
    period = academic_period(app, year)
    defaults = default_templates()
    with app.db.read() as session:
        rows = list(session.scalars(select(ReportNarrative)))
    result = {key: NarrativeText(key, defaults[key], SOURCE_DEFAULT) for key in NARRATIVE_KEYS}
    earlier: dict[str, tuple[Any, ReportNarrative]] = {}
    for row in rows:
        if row.section not in result:
            continue
        if row.year == period.label:
            result[row.section] = NarrativeText(row.section, row.text, SOURCE_YEAR, row.year)
            continue
        try:
            start = academic_period(app, row.year).start
        except BadInput:
            continue
        if start < period.start and (row.section not in earlier or earlier[row.section][0] < start):
            earlier[row.section] = (start, row)
    for key, (_, row) in earlier.items():
        if result[key].source != SOURCE_YEAR:
            result[key] = NarrativeText(key, row.text, SOURCE_PREVIOUS, row.year)
    return result


def report_data(app: Gongkai, period: Period) -> ReportData:
    """The figures of ``period``: item records (``workflow.report.stats``) and application records."""
    return build_report(app, period, year_stats(app, period.label))


def annual_report(app: Gongkai, actor: Actor | None, year: str) -> ReportData:
    """The report data of academic ``year`` with the narrative templates to use."""
    _require_admin(actor)
    period = academic_period(app, year)
    data = report_data(app, period)
    texts = narratives(app, None, period.label)
    return data.with_narrative({key: n.text for key, n in texts.items()})


def save_narratives(app: Gongkai, actor: Actor, year: str, texts: Mapping[str, Any]) -> dict[str, NarrativeText]:
    """Store section templates for ``year``; an empty text goes back to the inherited one.

    Every template is rendered against the year's figures first: a template that does not
    render (syntax, unknown variable, anything the sandbox refuses) is a 422 naming the
    section, and nothing is stored.
    """
    require_role(actor, ADMIN)
    period = academic_period(app, year)
    if not isinstance(texts, Mapping) or not texts:
        raise ValidationFailed("请提供要保存的报告章节", field="sections")
    unknown = sorted(str(k) for k in texts if k not in NARRATIVE_KEYS)
    if unknown:
        raise ValidationFailed("未知的报告章节：%(keys)s", field="sections", keys="、".join(unknown))
    for key, text in texts.items():
        if not isinstance(text, str):
            raise ValidationFailed("报告章节「%(section)s」的内容必须是文本", field=f"sections.{key}", section=key)
    changes = {key: text.replace("\r\n", "\n").strip() for key, text in texts.items()}
    data = report_data(app, period)
    for key, text in changes.items():
        if text:
            _check_template(key, text, data)
    # stored with the Chinese names (English ones typed on the English screen are read too)
    changes = {key: placeholders.canonical(text, key) for key, text in changes.items()}
    now = app.now()
    with app.db.write() as session:
        for key, text in changes.items():
            row = session.get(ReportNarrative, (period.label, key))
            if not text:
                if row is not None:
                    session.delete(row)
            elif row is None:
                session.add(ReportNarrative(year=period.label, section=key, text=text, updated_at=now,
                                            updated_by_id=actor.id))
            else:
                row.text, row.updated_at, row.updated_by_id = text, now, actor.id
        session.flush()
        audit.append(session, at=now, actor=actor, subject=f"report:{period.label}", action="report_narrative",
                     data={"sections": sorted(changes), "cleared": sorted(k for k, v in changes.items() if not v)})
    return narratives(app, actor, period.label)


def _check_template(key: str, text: str, data: ReportData) -> None:
    try:
        render_narrative({key: text}, data)
    except BadInput as error:
        raise _invalid(key, error) from error


def _invalid(key: str, error: BadInput) -> ValidationFailed:
    """A part that does not render, as the 422 naming it (``unknown_placeholder`` names the placeholder too)."""
    code = "invalid_template" if error.code == "bad_request" else error.code
    return ValidationFailed(error.template, field=f"sections.{key}", code=code, details=error.details,
                            **error.params)


def font_dir(app: Gongkai) -> str | None:
    """Where the charts look for their Chinese font (setting ``report.font_dir``), None for the installed fonts."""
    return str(app.settings.get("report.font_dir", "") or "").strip() or None


def render_annual(app: Gongkai, actor: Actor | None, year: str, fmt: str, *, with_charts: bool = True) -> bytes:
    """The report of ``year`` as ``json``, ``html`` or ``docx`` bytes; without a Chinese font for the charts,
    ``ChartFontMissing`` (503) naming the font package."""
    data = annual_report(app, actor, year)
    try:
        return render(data, fmt, with_charts=with_charts, font_dir=font_dir(app))
    except BadInput as error:
        section = (error.details or {}).get("section") if isinstance(error.details, dict) else None
        section = section or error.params.get("section")
        if section in NARRATIVE_KEYS:
            # a stored template that no longer renders (e.g. a variable renamed): say which one
            raise _invalid(section, error) from error
        raise


@dataclass(frozen=True)
class EditorPart:
    """One part in the narrative editor: its text as the screen shows it, where it came from, its preview."""

    key: str
    title: str
    text: str  # plain form with the screen's placeholder names; the older syntax when it does not convert
    source: str  # "year" | "previous" | "default"
    from_year: str | None
    syntax: str  # "plain" | "converted" (older syntax shown converted) | "legacy" (older syntax, kept)
    preview: list[tuple[str, str]]  # paragraphs (kind, text) of the rendered part; empty when it fails
    error: str | None = None  # why it does not render (the message, in the screen's language)


@dataclass(frozen=True)
class PaletteEntry:
    """A placeholder a clerk can click: its name (Chinese msgid), the group it is listed under, the year's value."""

    key: str
    label: str
    group: str
    value: str


@dataclass(frozen=True)
class NarrativeEditor:
    """What the editor page shows for a year: the parts and the palette of placeholders."""

    year: str
    parts: list[EditorPart]
    palette: list[PaletteEntry]
    font_problem: str | None = None  # the charts cannot be drawn here: which font to install


def narrative_editor(app: Gongkai, actor: Actor, year: str,
                     edited: Mapping[str, str] | None = None) -> NarrativeEditor:
    """The editor of ``year``: every part in the plain form (English names on the English screen), a
    preview of each against the year's figures, and the placeholders with their values.

    ``edited`` (part → text as typed, not stored) is shown and previewed instead of the stored text: the
    page's 预览 button and a refused save show the clerk's own words with what they give. An older
    template (``{{ … }}``) is shown converted when it maps cleanly onto placeholders, else as it is.
    """
    require_role(actor, ADMIN)
    period = academic_period(app, year)
    stored = narratives(app, None, period.label)
    context = narrative_context(report_data(app, period))
    english = get_locale() == "en"
    parts = []
    for key in NARRATIVE_KEYS:
        n = stored[key]
        text, syntax = n.text, "plain"
        if placeholders.is_legacy(text):
            converted = placeholders.from_legacy(text)
            text, syntax = (converted, "converted") if converted is not None else (text, "legacy")
        if edited is not None and key in edited:
            text = edited[key].replace("\r\n", "\n")
            syntax = "legacy" if placeholders.is_legacy(text) else "plain"
        preview, error = _preview(key, text, context)
        parts.append(EditorPart(key=key, title=section_title(key), text=placeholders.localized(text, english),
                                source=n.source, from_year=n.from_year, syntax=syntax, preview=preview, error=error))
    palette = [PaletteEntry(p.key, p.label, p.group, p.text(context)) for p in placeholders.PLACEHOLDERS]
    missing = fonts.problem(font_dir(app))
    return NarrativeEditor(year=period.label, parts=parts, palette=palette,
                           font_problem=missing.message if missing else None)


def _preview(key: str, text: str, context: Mapping[str, Any]) -> tuple[list[tuple[str, str]], str | None]:
    source = text.strip() or default_templates()[key]
    try:
        return paragraphs(render_template(key, source, context)), None
    except BadInput as error:
        return [], error.message


def preview_narrative(app: Gongkai, actor: Actor, year: str, section: str, text: Any) -> list[tuple[str, str]]:
    """One part as the report will print it with ``year``'s figures: paragraphs ``(kind, text)``, kind
    ``paragraph`` or ``subheading``. Nothing is stored; an empty text previews the default. A part that does
    not render (an unknown placeholder …) is a 422 naming it."""
    require_role(actor, ADMIN)
    if section not in NARRATIVE_KEYS:
        raise ValidationFailed("未知的报告章节：%(keys)s", field="section", keys=str(section)[:40])
    if not isinstance(text, str):
        raise ValidationFailed("报告章节「%(section)s」的内容必须是文本", field="text", section=section_title(section))
    period = academic_period(app, year)
    context = narrative_context(report_data(app, period))
    source = text.replace("\r\n", "\n").strip() or default_templates()[section]
    try:
        return paragraphs(render_template(section, source, context))
    except BadInput as error:
        raise _invalid(section, error) from error


@dataclass
class CoverageRow:
    """One 清单 entry in a year: count per month, links, responsible department."""

    code: str
    title: str
    category: str
    category_title: str
    department: str
    department_name: str
    rhythm: str
    published: int
    covered: bool
    links: list[str] = field(default_factory=list)
    by_month: dict[str, int] = field(default_factory=dict)
    not_applicable: bool = False  # 「不适用」 for this institution: neither covered nor missing
    not_applicable_reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "title": self.title, "category": self.category,
                "category_title": self.category_title, "department": self.department,
                "department_name": self.department_name, "rhythm": self.rhythm, "published": self.published,
                "covered": self.covered, "not_applicable": self.not_applicable,
                "not_applicable_reason": self.not_applicable_reason, "links": list(self.links),
                "by_month": dict(self.by_month)}


@dataclass
class Coverage:
    """The coverage matrix of a year: entries × months."""

    period: Period
    months: list[str]
    rows: list[CoverageRow]

    @property
    def missing(self) -> list[CoverageRow]:
        """Entries without a publication in the year that apply to this institution."""
        return [row for row in self.rows if not row.covered and not row.not_applicable]

    @property
    def not_applicable(self) -> list[CoverageRow]:
        """Entries marked 「不适用」 for this institution."""
        return [row for row in self.rows if row.not_applicable]

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period.to_dict(), "year": self.period.label, "months": list(self.months),
                "total": len(self.rows), "covered": sum(r.covered and not r.not_applicable for r in self.rows),
                "entries": [r.to_dict() for r in self.rows], "missing": [r.code for r in self.missing],
                "not_applicable": [r.code for r in self.not_applicable]}


def coverage(app: Gongkai, year: str, actor: Actor | None = None) -> Coverage:
    """Which 清单 entries had publications in academic ``year``, month by month, with links."""
    _require_admin(actor)
    period = academic_period(app, year)
    data = report_data(app, period)
    months = months_of(period)
    start, end = period_bounds(period)
    from db.models import Item
    from workflow.access import disclosure_filter
    from workflow.clock import local_date
    per_month: dict[str, Counter[str]] = defaultdict(Counter)
    with app.db.read() as session:
        for code, published_at in session.execute(
                select(Item.catalog_code, Item.published_at)
                .where(disclosure_filter(), Item.published_at.is_not(None), Item.published_at >= start,
                       Item.published_at < end)):
            per_month[code][local_date(published_at).strftime("%Y-%m")] += 1
        rhythms = dict(session.execute(select(CatalogEntry.code, CatalogEntry.rhythm)).all())
        names = dict(session.execute(select(Department.code, Department.name)).all())
    rows = [CoverageRow(code=c.code, title=c.title, category=c.category,
                        category_title=data.labels.category(c.category), department=c.department,
                        department_name=names.get(c.department, c.department), rhythm=rhythms.get(c.code) or "",
                        published=c.published, covered=c.covered, links=list(c.links),
                        by_month={m: per_month[c.code].get(m, 0) for m in months},
                        not_applicable=c.not_applicable, not_applicable_reason=c.not_applicable_reason)
            for c in data.catalog_coverage]
    return Coverage(period=period, months=months, rows=rows)


__all__ = ["academic_period", "annual_report", "coverage", "current_year", "item_url", "narrative_editor",
           "narratives", "preview_narrative", "render_annual", "save_narratives", "Coverage", "CoverageRow",
           "EditorPart", "NarrativeEditor", "NarrativeText", "PaletteEntry"]


def publish_report(app: Gongkai, actor: Actor, year: str) -> PublishedReport:
    """Freeze the report of ``year`` (HTML, DOCX, figures) into the public directory."""
    _require_admin(actor)
    label = academic_period(app, year).label
    data = annual_report(app, actor, label)
    html, docx = render(data, "html", font_dir=font_dir(app)), render(data, "docx", font_dir=font_dir(app))
    figures = data.to_json_dict()
    now = app.now()
    with app.db.write() as session:
        row = session.get(PublishedReport, label)
        if row is None:
            row = PublishedReport(year=label, version=0)
            session.add(row)
        row.title, row.html, row.docx, row.figures = data.title, html.decode("utf-8"), docx, figures
        row.version, row.published_at, row.published_by_id = (row.version or 0) + 1, now, actor.id
        session.flush()
        audit.append(session, at=now, actor=actor, subject=f"report:{label}", action="report_publish",
                     data={"version": row.version, "total": figures["active"]["total"],
                           "network": figures["active"]["network"]})
    return row


def published_reports(app: Gongkai) -> list[dict[str, Any]]:
    """Published reports, newest year first (no file bodies)."""
    with app.db.read() as session:
        rows = session.execute(select(PublishedReport.year, PublishedReport.title, PublishedReport.version,
                                      PublishedReport.published_at).order_by(PublishedReport.year.desc())).all()
    return [{"year": r.year, "title": r.title, "version": r.version, "published_at": r.published_at} for r in rows]


def published_report(app: Gongkai, year: str) -> PublishedReport:
    """One published report; NotFound when that year has not been published."""
    with app.db.read() as session:
        row = session.get(PublishedReport, year)
    if row is None:
        raise NotFound("该学年的年度报告尚未发布", code="report_not_published")
    return row
