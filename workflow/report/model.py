"""The yearly report (信息公开年度报告) as data: the JSON shape of docs/report.md §3.

The query layer fills a :class:`ReportData`; everything after that (narrative, charts, HTML,
DOCX, JSON) is pure rendering. ``to_json_dict()`` / ``from_dict()`` round-trip, with a stable
key order so that two exports of the same year compare equal line by line.

This module also holds the presentation structures shared by the HTML and DOCX renderers
(:class:`StatTable`, :class:`ReportDocument`) so that both show the same figures.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Iterable, Mapping

from workflow import channels
from workflow.errors import BadInput
from workflow.applications import stats as application_stats
from workflow.applications.outcomes import OUTCOMES
from workflow.applications.vocabulary import (REMEDY_ROW_LABELS, REMEDY_ROWS, REMEDY_TOTAL_LABEL, RemedyKind,
                                              RemedyOutcome)
from workflow.i18n import N_, gettext

SCHEMA = "gongkai.annual-report/1"

CHANNEL_LABELS: dict[str, str] = channels.LABELS  # the one vocabulary (workflow/channels.py)

# Reply outcomes (docs/applications.md); the query layer may use finer codes, which
# are shown as given unless ``labels.outcomes`` names them.
OUTCOME_LABELS: dict[str, str] = {outcome.code: outcome.label for outcome in OUTCOMES}
# Outcomes of 举报、复议、诉讼 cases as stored (maintained/corrected/other/pending), in the report's wording.
COMPLAINT_OUTCOME_LABELS: dict[str, str] = {outcome.value: outcome.report_label for outcome in RemedyOutcome}

APPLICATION_KEYS = ("received", "carried_over", "replied", "carried_forward")

# Table 3 (收到和处理政府信息公开申请情况) by applicant type: its columns (the applicant kinds, then 总计) and
# its counted rows in the State Council order, as ``workflow.applications.stats`` builds them. The row
# "results" (三、本年度办理结果) is a heading without counts.
TABLE3_COLUMNS: tuple[str, ...] = tuple(code for code, _label in application_stats.COLUMNS)
TABLE3_KINDS: tuple[str, ...] = TABLE3_COLUMNS[:-1]
TABLE3_ROWS: tuple[str, ...] = tuple(key for key, _label in application_stats.row_keys() if key != "results")


# ---------------------------------------------------------------- data

@dataclass(frozen=True)
class Period:
    """The statistics period, both ends inclusive (an academic year: 09-01 … 08-31)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise BadInput("统计期限的结束日期 %(end)s 早于开始日期 %(start)s",
                           start=self.start.isoformat(), end=self.end.isoformat())

    @classmethod
    def academic_year(cls, year: str, start_md: str = "09-01") -> "Period":
        """``Period.academic_year("2022-2023")`` → 2022-09-01 … 2023-08-31.

        ``start_md`` is the setting ``institution.academic_year_start`` (MM-DD).
        """
        match = re.fullmatch(r"\s*(\d{4})\s*[-–/]\s*(\d{4})\s*", year or "")
        if not match or int(match.group(2)) != int(match.group(1)) + 1:
            raise BadInput("学年应写成“2022-2023”的形式：%(year)s", year=year)
        md = re.fullmatch(r"(\d{1,2})-(\d{1,2})", start_md or "")
        if not md:
            raise BadInput("学年开始日期应写成“09-01”的形式：%(value)s", value=start_md)
        first = int(match.group(1))
        try:
            start = date(first, int(md.group(1)), int(md.group(2)))
            end = date(first + 1, int(md.group(1)), int(md.group(2))) - timedelta(days=1)
        except ValueError as exc:
            raise BadInput("学年开始日期无效：%(value)s", value=start_md) from exc
        return cls(start, end)

    @property
    def label(self) -> str:
        """``"2022-2023"`` for an academic year, ``"2023"`` inside one calendar year."""
        if self.start.year == self.end.year:
            return str(self.start.year)
        return f"{self.start.year}-{self.end.year}"

    @property
    def is_academic_year(self) -> bool:
        return self.start.year != self.end.year

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass
class Timeliness:
    """How promptly items went public: share within the 20-workday deadline, median delay."""

    within_deadline_share: float | None = None  # 0.0 … 1.0
    median_workdays: float | None = None


@dataclass
class ActiveStats:
    """主动公开: items published in the period (one item counts once in ``total``)."""

    total: int = 0
    network: int = 0  # published through at least one network channel (网络方式)
    by_channel: dict[str, int] = field(default_factory=dict)  # an item counts per channel
    by_category: dict[str, int] = field(default_factory=dict)  # 清单 category code → n
    by_department: dict[str, int] = field(default_factory=dict)  # department code → n
    by_month: dict[str, int] = field(default_factory=dict)  # "2022-09" → n
    timeliness: Timeliness = field(default_factory=Timeliness)


@dataclass
class Fees:
    """依申请公开 fees, in 元."""

    charged_total: float = 0.0
    waived_total: float = 0.0
    count: int = 0


@dataclass(frozen=True)
class RemedyRow:
    """One row of table 4: cases by outcome (结果维持/结果纠正/其他结果/尚未审结) and their 总计.

    ``total`` is stored, not derived: a report stored in the old shape knows its totals but not
    the outcomes of each kind, so its outcome counts are 0 while ``total`` keeps the figure.
    """

    maintained: int = 0
    corrected: int = 0
    other: int = 0
    pending: int = 0
    total: int = 0

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> "RemedyRow":
        """A row from outcome code → count (``RemedyOutcome`` codes); ``total`` is their sum."""
        outcomes = {code: int(counts.get(code, 0)) for code in RemedyOutcome.codes()}
        return cls(**outcomes, total=sum(outcomes.values()))

    def outcomes(self) -> dict[str, int]:
        """Outcome code → count, in the vocabulary's order."""
        return {code: getattr(self, code) for code in RemedyOutcome.codes()}

    def to_dict(self) -> dict[str, int]:
        """The JSON row: ``{maintained, corrected, other, pending, total}``."""
        return {**self.outcomes(), "total": self.total}


@dataclass
class Complaints:
    """举报/投诉, 行政复议 and 行政诉讼 caused by the disclosure work: the State Council table 4, lawsuits
    split into 未经复议直接起诉 and 复议后起诉 (keys: ``workflow.applications.vocabulary.REMEDY_ROWS``)."""

    reports: RemedyRow = field(default_factory=RemedyRow)
    reconsideration: RemedyRow = field(default_factory=RemedyRow)
    litigation_direct: RemedyRow = field(default_factory=RemedyRow)
    litigation_after_reconsideration: RemedyRow = field(default_factory=RemedyRow)

    def rows(self) -> dict[str, RemedyRow]:
        """Row key → row, in the table's order."""
        return {key: getattr(self, key) for key in REMEDY_ROWS}

    @property
    def total(self) -> int:
        """Cases of every kind."""
        return sum(row.total for row in self.rows().values())

    def to_dict(self) -> dict[str, dict[str, int]]:
        """The JSON ``complaints``: row key → row."""
        return {key: row.to_dict() for key, row in self.rows().items()}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> "Complaints":
        """The stored ``complaints``; a report stored before table 4 was split (``{reports,
        reconsiderations, lawsuits, by_outcome}``, counts only) maps its totals onto
        reports / reconsideration / litigation_direct with outcomes unknown (0)."""
        if any(key in raw for key in ("reconsiderations", "lawsuits", "by_outcome")) \
                or isinstance(raw.get("reports"), int):
            return cls(reports=RemedyRow(total=_count(raw.get("reports", 0), "complaints.reports")),
                       reconsideration=RemedyRow(total=_count(raw.get("reconsiderations", 0),
                                                              "complaints.reconsiderations")),
                       litigation_direct=RemedyRow(total=_count(raw.get("lawsuits", 0), "complaints.lawsuits")))
        return cls(**{key: _remedy_row(raw.get(key, {}), f"complaints.{key}") for key in REMEDY_ROWS})


@dataclass
class SecrecyReview:
    """保密审查 figures: revisions reviewed, returned, published items taken down."""

    reviewed: int = 0
    returned: int = 0
    taken_down: int = 0


@dataclass
class CoverageEntry:
    """One row of the 清单事项公开情况表."""

    code: str
    title: str
    category: str  # category code
    department: str  # department code
    published: int = 0
    links: list[str] = field(default_factory=list)
    covered: bool = False
    column_url: str = ""  # the 信息公开专栏 column of the entry, if configured
    # 「不适用」 for this institution (catalog_entries.not_applicable), with the admin's reason: printed as
    # such instead of a missing entry, and not counted as uncovered
    not_applicable: bool = False
    not_applicable_reason: str = ""


@dataclass
class Labels:
    """Display names for codes, so that the report renders without the database."""

    categories: dict[str, str] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=lambda: dict(CHANNEL_LABELS))
    outcomes: dict[str, str] = field(default_factory=lambda: dict(OUTCOME_LABELS))

    def category(self, code: str) -> str:
        return self.categories.get(code, code)

    def department(self, code: str) -> str:
        return self.departments.get(code, code)

    def channel(self, code: str) -> str:
        return self.channels.get(code, CHANNEL_LABELS.get(code, code))

    def outcome(self, code: str) -> str:
        return self.outcomes.get(code, OUTCOME_LABELS.get(code, code))


@dataclass
class ReportData:
    """Everything the yearly report shows; filled by the query layer, rendered here."""

    period: Period
    institution: str
    active: ActiveStats = field(default_factory=ActiveStats)
    applications: dict[str, Any] = field(default_factory=dict)
    fees: Fees = field(default_factory=Fees)
    complaints: Complaints = field(default_factory=Complaints)
    secrecy_review: SecrecyReview = field(default_factory=SecrecyReview)
    catalog_coverage: list[CoverageEntry] = field(default_factory=list)
    narrative: dict[str, str] = field(default_factory=dict)  # section key → text or template
    labels: Labels = field(default_factory=Labels)
    issued_on: date | None = None  # date under the signature; default: the 10-31 due date

    def __post_init__(self) -> None:
        self.applications = normalize_applications(self.applications)

    @property
    def title(self) -> str:
        """``漳州理工职业学院信息公开年度报告（2022-2023学年）``."""
        suffix = "学年" if self.period.is_academic_year else "年度"
        return f"{self.institution}信息公开年度报告（{self.period.label}{suffix}）"

    def signature_date(self) -> date:
        """``issued_on``, else the 10-31 after the period (the MoE publication deadline)."""
        if self.issued_on is not None:
            return self.issued_on
        due = date(self.period.end.year, 10, 31)
        return due if due > self.period.end else date(self.period.end.year + 1, 10, 31)

    def with_narrative(self, narrative: Mapping[str, str]) -> "ReportData":
        """A copy with ``narrative`` replaced."""
        return replace(self, narrative=dict(narrative))

    # ------------------------------------------------------------ JSON

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON export (``gongkai report annual --format json``), stable key order."""
        a = self.active
        return {
            "schema": SCHEMA,
            "title": self.title,
            "institution": self.institution,
            "period": self.period.to_dict(),
            "issued_on": self.signature_date().isoformat(),
            "active": {
                "total": a.total,
                "network": a.network,
                "by_channel": ordered_counts(a.by_channel, CHANNEL_LABELS),
                "by_category": ordered_counts(a.by_category, self.labels.categories),
                "by_department": ordered_counts(a.by_department, self.labels.departments),
                "by_month": dict(sorted(a.by_month.items())),
                "timeliness": {
                    "within_deadline_share": a.timeliness.within_deadline_share,
                    "median_workdays": a.timeliness.median_workdays,
                },
            },
            # normalised again: the query layer may assign a plain dict after construction
            "applications": _json_applications(normalize_applications(self.applications)),
            "fees": {
                "charged_total": round(float(self.fees.charged_total), 2),
                "waived_total": round(float(self.fees.waived_total), 2),
                "count": self.fees.count,
            },
            "complaints": self.complaints.to_dict(),
            "secrecy_review": {
                "reviewed": self.secrecy_review.reviewed,
                "returned": self.secrecy_review.returned,
                "taken_down": self.secrecy_review.taken_down,
            },
            "catalog_coverage": [
                {
                    "code": c.code,
                    "title": c.title,
                    "category": c.category,
                    "department": c.department,
                    "published": c.published,
                    "links": list(c.links),
                    "covered": c.covered,
                    "column_url": c.column_url,
                    "not_applicable": c.not_applicable,
                    "not_applicable_reason": c.not_applicable_reason,
                }
                for c in self.catalog_coverage
            ],
            "narrative": dict(self.narrative),
            "labels": {
                "categories": dict(self.labels.categories),
                "departments": dict(self.labels.departments),
                "channels": dict(self.labels.channels),
                "outcomes": dict(self.labels.outcomes),
            },
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> "ReportData":
        """Rebuild from :meth:`to_json_dict` output (or a hand-written subset of it).

        Raises :class:`BadInput` naming the offending field.
        """
        if not isinstance(raw, Mapping):
            raise BadInput("报告数据必须是 JSON 对象")
        period_raw = _mapping(raw.get("period"), "period")
        period = Period(_date(period_raw.get("start"), "period.start"),
                        _date(period_raw.get("end"), "period.end"))
        institution = raw.get("institution")
        if not isinstance(institution, str) or not institution.strip():
            raise BadInput("报告数据缺少字段 %(field)s", field="institution")

        a = _mapping(raw.get("active", {}), "active")
        t = _mapping(a.get("timeliness", {}) or {}, "active.timeliness")
        active = ActiveStats(
            total=_count(a.get("total", 0), "active.total"),
            network=_count(a.get("network", 0), "active.network"),
            by_channel=_counts(a.get("by_channel", {}), "active.by_channel"),
            by_category=_counts(a.get("by_category", {}), "active.by_category"),
            by_department=_counts(a.get("by_department", {}), "active.by_department"),
            by_month=_counts(a.get("by_month", {}), "active.by_month"),
            timeliness=Timeliness(
                within_deadline_share=_opt_number(t.get("within_deadline_share"),
                                                  "active.timeliness.within_deadline_share"),
                median_workdays=_opt_number(t.get("median_workdays"), "active.timeliness.median_workdays"),
            ),
        )
        f = _mapping(raw.get("fees", {}), "fees")
        fees = Fees(
            charged_total=_number(f.get("charged_total", 0), "fees.charged_total"),
            waived_total=_number(f.get("waived_total", 0), "fees.waived_total"),
            count=_count(f.get("count", 0), "fees.count"),
        )
        complaints = Complaints.from_dict(_mapping(raw.get("complaints", {}), "complaints"))
        s = _mapping(raw.get("secrecy_review", {}), "secrecy_review")
        secrecy = SecrecyReview(
            reviewed=_count(s.get("reviewed", 0), "secrecy_review.reviewed"),
            returned=_count(s.get("returned", 0), "secrecy_review.returned"),
            taken_down=_count(s.get("taken_down", 0), "secrecy_review.taken_down"),
        )
        coverage_raw = raw.get("catalog_coverage", [])
        if not isinstance(coverage_raw, list):
            raise BadInput("报告数据字段 %(field)s 必须是列表", field="catalog_coverage")
        coverage = [_coverage_entry(row, i) for i, row in enumerate(coverage_raw)]
        narrative = raw.get("narrative", {}) or {}
        if not isinstance(narrative, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in narrative.items()):
            raise BadInput("报告数据字段 %(field)s 必须是文本字典", field="narrative")
        lab = _mapping(raw.get("labels", {}) or {}, "labels")
        labels = Labels(
            categories=_strings(lab.get("categories", {}), "labels.categories"),
            departments=_strings(lab.get("departments", {}), "labels.departments"),
            channels={**CHANNEL_LABELS, **_strings(lab.get("channels", {}), "labels.channels")},
            outcomes={**OUTCOME_LABELS, **_strings(lab.get("outcomes", {}), "labels.outcomes")},
        )
        issued = raw.get("issued_on")
        return cls(
            period=period,
            institution=institution.strip(),
            active=active,
            applications=_mapping(raw.get("applications", {}), "applications"),
            fees=fees,
            complaints=complaints,
            secrecy_review=secrecy,
            catalog_coverage=coverage,
            narrative=dict(narrative),
            labels=labels,
            issued_on=_date(issued, "issued_on") if issued else None,
        )


def normalize_applications(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Applications as a dict with at least received, carried_over, replied, carried_forward
    (counts), by_outcome (code → count) and by_applicant (table 3: row key → applicant kind → count,
    with ``total``); other keys are kept as given.

    A report stored before table 3 was split by applicant type has no ``by_applicant``: its rows are
    rebuilt from the flat counts in the 总计 column, the applicant columns unknown (0).
    """
    raw = dict(raw or {})
    result: dict[str, Any] = {}
    for key in APPLICATION_KEYS:
        result[key] = _count(raw.pop(key, 0), f"applications.{key}")
    result["by_outcome"] = _counts(raw.pop("by_outcome", {}) or {}, "applications.by_outcome")
    matrix = raw.pop("by_applicant", None)
    result.update(raw)
    result["by_applicant"] = (_by_applicant(matrix) if matrix is not None
                              else table3_from_totals(result))
    return result


def table3_from_totals(apps: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """Table 3 of an old stored report: its flat counts (received, carried_over, by_outcome,
    outcome_reasons, carried_forward) in the 总计 column, every applicant column 0."""
    totals: dict[str, int] = {"received": apps.get("received", 0), "carried_over": apps.get("carried_over", 0),
                              "carried_forward": apps.get("carried_forward", 0)}
    by_outcome = apps.get("by_outcome") or {}
    reasons = apps.get("outcome_reasons") if isinstance(apps.get("outcome_reasons"), Mapping) else {}
    for outcome in OUTCOMES:
        totals[f"results.{outcome.code}"] = int(by_outcome.get(outcome.code, 0))
        given = reasons.get(outcome.code) if isinstance(reasons.get(outcome.code), Mapping) else {}
        for number in range(1, len(outcome.reasons) + 1):
            value = given.get(str(number), 0)
            totals[f"results.{outcome.code}.{number}"] = value if isinstance(value, int) and value >= 0 else 0
    totals["results.total"] = max(sum(int(v) for v in by_outcome.values()), int(apps.get("replied", 0)))
    return {row: {**{kind: 0 for kind in TABLE3_KINDS}, "total": totals.get(row, 0)} for row in TABLE3_ROWS}


def table3_problems(matrix: Mapping[str, Mapping[str, int]]) -> list[str]:
    """Where table 3 does not add up (empty when it does), in the current locale.

    Checked: the rule printed under the State Council table (第一项加第二项之和，等于第三项加第四项之和) per
    column; 总计 = the sum of the applicant columns per row; （七）总计 = the sum of （一）–（六）; an
    outcome with reasons = the sum of its reasons.
    """
    problems: list[str] = []

    def cell(row: str, column: str) -> int:
        return int(matrix.get(row, {}).get(column, 0))

    for column in TABLE3_COLUMNS:
        left = cell("received", column) + cell("carried_over", column)
        right = cell("results.total", column) + cell("carried_forward", column)
        if left != right:
            problems.append(gettext("%(column)s：第一项加第二项之和（%(left)s）不等于第三项加第四项之和（%(right)s）",
                                    column=_table3_column_label(column), left=left, right=right))
        outcomes_sum = sum(cell(f"results.{o.code}", column) for o in OUTCOMES)
        if outcomes_sum != cell("results.total", column):
            problems.append(gettext("%(column)s：（七）总计（%(total)s）不等于各办理结果之和（%(sum)s）",
                                    column=_table3_column_label(column), total=cell("results.total", column),
                                    sum=outcomes_sum))
        for o in OUTCOMES:
            if o.reasons:
                reasons_sum = sum(cell(f"results.{o.code}.{n}", column) for n in range(1, len(o.reasons) + 1))
                if reasons_sum != cell(f"results.{o.code}", column):
                    problems.append(gettext("%(column)s：“%(outcome)s”（%(count)s）不等于其各项之和（%(sum)s）",
                                            column=_table3_column_label(column), outcome=gettext(o.label),
                                            count=cell(f"results.{o.code}", column), sum=reasons_sum))
    for row in TABLE3_ROWS:
        kinds = sum(cell(row, kind) for kind in TABLE3_KINDS)
        if kinds != cell(row, "total"):
            problems.append(gettext("“%(row)s”：总计（%(total)s）不等于各类申请人之和（%(sum)s）",
                                    row=application_stats.row_labels()[row], total=cell(row, "total"), sum=kinds))
    return problems


def _table3_column_label(column: str) -> str:
    return gettext(dict(application_stats.COLUMNS)[column])


def new_report(period: Period, institution: str, catalog: Any = None) -> ReportData:
    """An all-zero report whose coverage rows and labels come from the 清单.

    ``catalog`` is a :class:`workflow.catalog.Catalog` (default: the configured one). The
    query layer then fills in the counts.
    """
    if catalog is None:
        from workflow.catalog import load_catalog  # local import: keeps this module light

        catalog = load_catalog()
    labels = Labels(
        categories={c.code: c.title for c in catalog.categories},
        departments={d.code: d.name for d in catalog.departments},
    )
    coverage = [
        CoverageEntry(code=e.code, title=e.title, category=e.category_code,
                      department=e.department, column_url=e.column_url)
        for e in catalog.entries
    ]
    return ReportData(period=period, institution=institution, catalog_coverage=coverage, labels=labels)


# ---------------------------------------------------------------- presentation structures

@dataclass(frozen=True)
class HeaderCell:
    """A heading cell spanning ``colspan`` columns and ``rowspan`` heading rows."""

    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class StatTable:
    """A statistics table: caption, column headers and rows of display strings.

    ``header_rows``, when given, are the heading as printed (grouped headings with spans, the
    last row naming every column); ``columns`` are then the leaf headings. ``label_column``
    says whether the first cell of a row is a label rather than a number.
    """

    key: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    header_rows: tuple[tuple[HeaderCell, ...], ...] = ()
    label_column: bool = True

    def heading(self) -> tuple[tuple[HeaderCell, ...], ...]:
        """The heading rows to print (one plain row when no grouped heading is given)."""
        return self.header_rows or (tuple(HeaderCell(text) for text in self.columns),)


@dataclass(frozen=True)
class Figure:
    """A chart: caption and PNG bytes."""

    key: str
    caption: str
    png: bytes


@dataclass(frozen=True)
class Block:
    """A paragraph of narrative text; ``kind`` is ``"paragraph"`` or ``"subheading"``."""

    text: str
    kind: str = "paragraph"


@dataclass(frozen=True)
class Section:
    """One numbered part of the report (一、… 六、)."""

    key: str
    heading: str
    blocks: tuple[Block, ...]
    tables: tuple[StatTable, ...] = ()
    figures: tuple[Figure, ...] = ()


@dataclass(frozen=True)
class AppendixRow:
    """One row of the 清单事项公开情况表, ready to print."""

    number: int
    category: str
    title: str
    department: str
    published: int
    links: tuple[str, ...]  # http(s) URLs only; the column link first when configured
    not_applicable: str = ""  # 「不适用」 in the current locale when the entry does not apply, else ""
    reason: str = ""  # why it does not apply


@dataclass(frozen=True)
class ReportDocument:
    """The report laid out for a renderer (same content for HTML and DOCX)."""

    title: str
    institution: str
    period_text: str
    preamble: tuple[Block, ...]
    sections: tuple[Section, ...]
    appendix_title: str
    appendix_columns: tuple[str, ...]
    appendix_rows: tuple[AppendixRow, ...]
    signature_name: str
    signature_date: str
    data: ReportData


TABLE3_CAPTION = N_("收到和处理政府信息公开申请情况")
TABLE4_CAPTION = N_("因政府信息公开工作被申请行政复议、提起行政诉讼情况")
REPORTS_CAPTION = N_("因信息公开工作被举报、投诉情况")
NOT_APPLICABLE_LABEL = N_("不适用")
APPENDIX_COLUMNS = ("序号", "类别", "事项", "责任部门", "公开条数", "栏目链接")
MAX_LINKS_PER_ROW = 3


def statistics_tables(data: ReportData) -> dict[str, list[StatTable]]:
    """The statistics tables by section key (``active``, ``applications``, ``complaints``)."""
    a, labels = data.active, data.labels
    active_rows: list[tuple[str, str]] = [
        ("新增主动公开信息（条）", str(a.total)),
        ("其中：通过网络方式公开（条）", str(a.network)),
    ]
    for code, n in ordered_counts(a.by_channel, CHANNEL_LABELS).items():
        active_rows.append((f"通过{labels.channel(code)}公开（条次）", str(n)))
    if a.timeliness.within_deadline_share is not None:
        active_rows.append(("20个工作日内公开的比例", format_percent(a.timeliness.within_deadline_share)))
    if a.timeliness.median_workdays is not None:
        active_rows.append(("形成至公开用时中位数（工作日）", format_number(a.timeliness.median_workdays)))
    active_rows += [
        ("保密审查信息（条）", str(data.secrecy_review.reviewed)),
        ("保密审查退回修改（条）", str(data.secrecy_review.returned)),
        ("公开后撤下（条）", str(data.secrecy_review.taken_down)),
    ]
    tables = {
        "active": [
            StatTable("active", "主动公开信息统计", ("指标", "数量"), tuple(active_rows)),
        ],
    }
    if a.by_category:
        tables["active"].append(StatTable(
            "by_category", "按清单类别统计的主动公开信息", ("清单类别", "公开条数"),
            tuple((labels.category(k), str(v)) for k, v in ordered_counts(a.by_category, labels.categories).items())))
    if a.by_department:
        tables["active"].append(StatTable(
            "by_department", "按责任部门统计的主动公开信息", ("责任部门", "公开条数"),
            tuple((labels.department(k), str(v))
                  for k, v in ordered_counts(a.by_department, labels.departments).items())))

    apps = normalize_applications(data.applications)
    app_rows: list[tuple[str, str]] = [
        (gettext(N_("已答复（件，视为放弃的不计入）")), str(apps["replied"])),
        (gettext(N_("收费笔数")), str(data.fees.count)),
        (gettext(N_("收取费用（元）")), format_money(data.fees.charged_total)),
        (gettext(N_("减免费用（元）")), format_money(data.fees.waived_total)),
    ]
    tables["applications"] = [
        applications_table(apps["by_applicant"]),
        StatTable("applications", gettext(N_("依申请公开答复及收费情况")), (gettext(N_("指标")), gettext(N_("数量"))),
                  tuple(app_rows)),
    ]

    tables["complaints"] = complaint_tables(data.complaints)
    return tables


def applications_table(matrix: Mapping[str, Mapping[str, int]]) -> StatTable:
    """Table 3 in the State Council shape: rows 一、… 四、 with the outcomes and their reasons, columns
    自然人 / 法人或其他组织 (商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他) / 总计. Labels in the current locale."""
    organisations = application_stats.ORGANISATION_KINDS
    column_labels = dict(application_stats.COLUMNS)
    heading = (
        (HeaderCell(gettext(N_("项目")), rowspan=3), HeaderCell(gettext(N_("申请人情况")), colspan=len(TABLE3_COLUMNS))),
        (HeaderCell(gettext(column_labels["natural"]), rowspan=2),
         HeaderCell(gettext(application_stats.ORGANISATIONS), colspan=len(organisations)),
         HeaderCell(gettext(column_labels["total"]), rowspan=2)),
        tuple(HeaderCell(gettext(column_labels[kind])) for kind in organisations),
    )
    leaves = (gettext(N_("项目")), gettext(column_labels["natural"]),
              *(gettext(column_labels[kind]) for kind in organisations), gettext(column_labels["total"]))
    labels = application_stats.row_labels()
    rows = []
    for key in labels:
        cells = matrix.get(key)
        numbers = tuple(str(cells.get(column, 0)) for column in TABLE3_COLUMNS) if cells is not None \
            else ("",) * len(TABLE3_COLUMNS)
        rows.append((labels[key], *numbers))
    return StatTable("applications_by_applicant", gettext(TABLE3_CAPTION), leaves, tuple(rows), header_rows=heading)


def complaint_tables(complaints: Complaints) -> list[StatTable]:
    """Table 4 in the State Council shape (行政复议; 行政诉讼 未经复议直接起诉 / 复议后起诉; each 结果维持 /
    结果纠正 / 其他结果 / 尚未审结 / 总计), then 举报/投诉 in a row of its own. Labels in the current locale."""
    five = tuple(gettext(label) for label in COMPLAINT_OUTCOME_LABELS.values()) + (gettext(REMEDY_TOTAL_LABEL),)
    width = len(five)
    litigation = ("litigation_direct", "litigation_after_reconsideration")
    heading = (
        (HeaderCell(gettext(REMEDY_ROW_LABELS["reconsideration"]), colspan=width, rowspan=2),
         HeaderCell(gettext(RemedyKind.LAWSUIT.label), colspan=width * len(litigation))),
        tuple(HeaderCell(gettext(REMEDY_ROW_LABELS[key]), colspan=width) for key in litigation),
        tuple(HeaderCell(label) for label in five * (1 + len(litigation))),
    )

    def cells(row: RemedyRow) -> tuple[str, ...]:
        return tuple(str(v) for v in row.to_dict().values())

    rows = complaints.rows()
    table4 = StatTable("complaints", gettext(TABLE4_CAPTION), five * (1 + len(litigation)),
                       (sum((cells(rows[key]) for key in ("reconsideration", *litigation)), ()),),
                       header_rows=heading, label_column=False)
    reports = StatTable("complaints_reports", gettext(REPORTS_CAPTION), (gettext(N_("类别")), *five),
                        ((gettext(REMEDY_ROW_LABELS["reports"]), *cells(rows["reports"])),))
    return [table4, reports]


def appendix_rows(data: ReportData) -> tuple[AppendixRow, ...]:
    """The 清单事项公开情况表 rows: one per coverage entry, links limited to http(s)."""
    rows = []
    for number, c in enumerate(data.catalog_coverage, start=1):
        # 栏目链接: the entry's column; the individual item links stay in the JSON form
        links = [u for u in ([c.column_url] if c.column_url else list(c.links[:1])) if safe_url(u)]
        rows.append(AppendixRow(
            number=number,
            category=data.labels.category(c.category),
            title=c.title,
            department=data.labels.department(c.department),
            published=c.published,
            links=tuple(dict.fromkeys(links))[:MAX_LINKS_PER_ROW],
            not_applicable=gettext(NOT_APPLICABLE_LABEL) if c.not_applicable else "",
            reason=c.not_applicable_reason if c.not_applicable else "",
        ))
    return tuple(rows)


def safe_url(url: str) -> bool:
    """Only absolute http(s) URLs become links (no ``javascript:`` from a stored item)."""
    return isinstance(url, str) and re.match(r"https?://[^\s<>\"']+$", url.strip(), re.I) is not None


def format_percent(share: float) -> str:
    """0.953 → ``"95.3%"``."""
    return f"{share * 100:.1f}%"


def format_money(amount: float) -> str:
    """12.5 → ``"12.50"``."""
    return f"{float(amount):.2f}"


def format_number(value: float) -> str:
    """3.0 → ``"3"``, 2.5 → ``"2.5"``."""
    return f"{value:g}" if float(value) != int(value) else str(int(value))


# ---------------------------------------------------------------- helpers

def natural_key(text: str) -> tuple[Any, ...]:
    """Sort "2" before "10" and "L1" after numbers."""
    # ASCII digits only: "²".isdigit() is true but int("²") fails.
    return tuple((0, int(p), "") if p[0] in "0123456789" else (1, 0, p)
                 for p in re.findall(r"[0-9]+|[^0-9]+", str(text)))


def ordered_counts(counts: Mapping[str, int], order: Iterable[str] = ()) -> dict[str, int]:
    """``counts`` with the codes listed in ``order`` first (in that order), then the rest
    in natural order — the 清单 order for categories, the configured order for channels."""
    rank = {code: i for i, code in enumerate(order)}
    return dict(sorted(counts.items(), key=lambda kv: (rank.get(kv[0], len(rank)), natural_key(kv[0]))))



def _json_applications(apps: Mapping[str, Any]) -> dict[str, Any]:
    result = {key: apps[key] for key in APPLICATION_KEYS}
    result["by_outcome"] = ordered_counts(apps["by_outcome"], OUTCOME_LABELS)
    result["by_applicant"] = {row: dict(apps["by_applicant"][row]) for row in TABLE3_ROWS}
    for key in sorted(set(apps) - set(result)):
        result[key] = apps[key]
    return result


def _mapping(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise BadInput("报告数据字段 %(field)s 必须是对象", field=name)
    return dict(value)


def _date(value: Any, name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError) as exc:
        raise BadInput("报告数据字段 %(field)s 不是有效日期：%(value)s", field=name, value=str(value)) from exc


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadInput("报告数据字段 %(field)s 必须是非负整数：%(value)s", field=name, value=repr(value))
    return value


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != value:
        raise BadInput("报告数据字段 %(field)s 必须是非负数：%(value)s", field=name, value=repr(value))
    return float(value)


def _opt_number(value: Any, name: str) -> float | None:
    return None if value is None else _number(value, name)


def _counts(value: Any, name: str) -> dict[str, int]:
    mapping = _mapping(value, name)
    return {str(k): _count(v, f"{name}.{k}") for k, v in mapping.items()}


def _strings(value: Any, name: str) -> dict[str, str]:
    mapping = _mapping(value, name)
    if not all(isinstance(v, str) for v in mapping.values()):
        raise BadInput("报告数据字段 %(field)s 必须是文本字典", field=name)
    return {str(k): v for k, v in mapping.items()}


def _by_applicant(value: Any, name: str = "applications.by_applicant") -> dict[str, dict[str, int]]:
    """The stored table 3: every row and column present (missing cells 0, a missing 总计 the sum of
    the applicant columns); unknown rows or columns and a 总计 below that sum are refused."""
    matrix = _mapping(value, name)
    unknown = sorted(set(matrix) - set(TABLE3_ROWS))
    if unknown:
        raise BadInput("报告数据字段 %(field)s 含有未知的行：%(keys)s", field=name, keys="、".join(map(str, unknown)))
    result: dict[str, dict[str, int]] = {}
    for row in TABLE3_ROWS:
        cells = _mapping(matrix.get(row, {}), f"{name}.{row}")
        extra = sorted(set(cells) - set(TABLE3_COLUMNS))
        if extra:
            raise BadInput("报告数据字段 %(field)s 含有未知的列：%(keys)s", field=f"{name}.{row}",
                           keys="、".join(map(str, extra)))
        kinds = {kind: _count(cells.get(kind, 0), f"{name}.{row}.{kind}") for kind in TABLE3_KINDS}
        total = _count(cells.get("total", sum(kinds.values())), f"{name}.{row}.total")
        if total < sum(kinds.values()):
            raise BadInput("报告数据字段 %(field)s 小于各类申请人之和：%(value)s", field=f"{name}.{row}.total",
                           value=total)
        result[row] = {**kinds, "total": total}
    return result


def _remedy_row(value: Any, name: str) -> RemedyRow:
    row = _mapping(value, name)
    outcomes = {code: _count(row.get(code, 0), f"{name}.{code}") for code in RemedyOutcome.codes()}
    total = _count(row.get("total", sum(outcomes.values())), f"{name}.total")
    if total < sum(outcomes.values()):
        raise BadInput("报告数据字段 %(field)s 小于各结果之和：%(value)s", field=f"{name}.total", value=total)
    return RemedyRow(**outcomes, total=total)


def _coverage_entry(row: Any, index: int) -> CoverageEntry:
    name = f"catalog_coverage[{index}]"
    row = _mapping(row, name)
    for key in ("code", "title", "category", "department"):
        if not isinstance(row.get(key), str):
            raise BadInput("报告数据缺少字段 %(field)s", field=f"{name}.{key}")
    links = row.get("links", [])
    if not isinstance(links, list) or not all(isinstance(u, str) for u in links):
        raise BadInput("报告数据字段 %(field)s 必须是文本列表", field=f"{name}.links")
    published = _count(row.get("published", 0), f"{name}.published")
    covered = row.get("covered", published > 0)
    if not isinstance(covered, bool):
        raise BadInput("报告数据字段 %(field)s 必须是 true 或 false", field=f"{name}.covered")
    column_url = row.get("column_url", "") or ""
    if not isinstance(column_url, str):
        raise BadInput("报告数据字段 %(field)s 必须是文本", field=f"{name}.column_url")
    not_applicable = row.get("not_applicable", False)  # absent in reports stored before migration 0020
    if not isinstance(not_applicable, bool):
        raise BadInput("报告数据字段 %(field)s 必须是 true 或 false", field=f"{name}.not_applicable")
    reason = row.get("not_applicable_reason", "") or ""
    if not isinstance(reason, str):
        raise BadInput("报告数据字段 %(field)s 必须是文本", field=f"{name}.not_applicable_reason")
    return CoverageEntry(code=row["code"], title=row["title"], category=row["category"],
                         department=row["department"], published=published, links=list(links),
                         covered=covered, column_url=column_url, not_applicable=not_applicable,
                         not_applicable_reason=reason)
