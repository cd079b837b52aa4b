"""Figures of an academic year from the records: the State Council table, and typed totals for the report.

``stats_table`` is the 收到和处理政府信息公开申请情况 table (``stats.build_table``) of the
applications open during the year; ``year_figures`` adds the fees recorded and the remedy cases
filed in it, as numbers (never strings to be parsed back).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from db.models.applications import Application, RemedyCase
from workflow.applications import outcomes, stats
from workflow.applications.vocabulary import REMEDY_ROWS, RemedyKind, RemedyOutcome, remedy_row
from workflow.context import Gongkai


@dataclass(frozen=True)
class OutcomeFigure:
    """Replies of one outcome (（一）予以公开 …) and, for outcomes with reasons, per reason number."""

    code: str
    label: str
    count: int
    reasons: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class FeeFigures:
    """Fees recorded in the year, in yuan (to the fen)."""

    charged_total: Decimal = Decimal("0.00")
    waived_total: Decimal = Decimal("0.00")
    count: int = 0


@dataclass(frozen=True)
class RemedyFigures:
    """Remedy cases filed in the year: kind → outcome → count (every kind and outcome present), and the
    same cases by table-4 row (``REMEDY_ROWS``) → outcome → count."""

    by_kind: dict[str, dict[str, int]]
    by_row: dict[str, dict[str, int]] = field(default_factory=dict)

    def total(self, kind: str) -> int:
        """Cases of ``kind`` whatever their outcome."""
        return sum(self.by_kind.get(kind, {}).values())

    def by_outcome(self) -> dict[str, int]:
        """Outcome → cases of every kind."""
        return {outcome: sum(counts.get(outcome, 0) for counts in self.by_kind.values())
                for outcome in RemedyOutcome.codes()}


@dataclass(frozen=True)
class YearFigures:
    """依申请公开, fees and complaints of one academic year."""

    start: date
    end: date
    received: int
    carried_over: int
    replied: int
    carried_forward: int
    by_outcome: dict[str, OutcomeFigure]
    fees: FeeFigures
    remedies: RemedyFigures
    check_ok: bool
    #: Table 3 by applicant type: row key (``stats.row_keys``, counted rows) → applicant kind → count, and
    #: ``total``. 视为放弃 is counted under results.other.1 (其他处理), like any other result.
    by_applicant: dict[str, dict[str, int]] = field(default_factory=dict)


def stats_table(app: Gongkai, start: date, end: date) -> dict[str, Any]:
    """The State Council table of ``start``–``end`` (an academic year), with its check rule."""
    with app.db.read() as session:
        rows = session.execute(select(Application.applicant_kind, Application.received_on, Application.closed_on,
                                      Application.outcome, Application.outcome_reason)
                               .where(Application.received_on <= end)
                               .where((Application.closed_on.is_(None)) | (Application.closed_on >= start))).all()
    records = [stats.Record(r.applicant_kind, r.received_on, r.closed_on, r.outcome, r.outcome_reason) for r in rows]
    table = stats.build_table(records, start, end)
    table["year"] = f"{start.year}-{end.year}"
    return table


def year_figures(app: Gongkai, start: date, end: date) -> YearFigures:
    """Figures of ``start``–``end`` for the annual report (part three and the fees/complaints parts)."""
    table = stats_table(app, start, end)
    totals = {row["key"]: row["counts"]["total"] for row in table["rows"] if row["counts"] is not None}
    by_outcome = {o.code: OutcomeFigure(o.code, o.label, totals[f"results.{o.code}"],
                                        {n: totals[f"results.{o.code}.{n}"] for n in range(1, len(o.reasons) + 1)})
                  for o in outcomes.OUTCOMES}
    with app.db.read() as session:
        charged, waived, count = session.execute(
            select(func.coalesce(func.sum(Application.fee_charged), 0),
                   func.coalesce(func.sum(Application.fee_waived), 0), func.count(Application.id))
            .where(Application.fee_recorded_on.between(start, end))
            .where((Application.fee_charged > 0) | (Application.fee_waived > 0))).one()
        cases = session.execute(select(RemedyCase.kind, RemedyCase.after_reconsideration, RemedyCase.outcome,
                                       func.count(RemedyCase.id))
                                .where(RemedyCase.filed_on.between(start, end))
                                .group_by(RemedyCase.kind, RemedyCase.after_reconsideration,
                                          RemedyCase.outcome)).all()
    by_kind = {kind: {outcome: 0 for outcome in RemedyOutcome.codes()} for kind in RemedyKind.codes()}
    by_row = {row: {outcome: 0 for outcome in RemedyOutcome.codes()} for row in REMEDY_ROWS}
    for kind, after, outcome, n in cases:
        by_kind[kind][outcome] += int(n)
        by_row[remedy_row(kind, bool(after))][outcome] += int(n)
    cent = Decimal("0.01")
    return YearFigures(
        start=start, end=end, received=totals["received"], carried_over=totals["carried_over"],
        replied=totals["results.total"] - _abandoned(totals), carried_forward=totals["carried_forward"],
        by_outcome=by_outcome,
        fees=FeeFigures(Decimal(charged).quantize(cent), Decimal(waived).quantize(cent), int(count)),
        remedies=RemedyFigures(by_kind, by_row), check_ok=bool(table["check"]["ok"]),
        by_applicant={row["key"]: dict(row["counts"]) for row in table["rows"] if row["counts"] is not None})


def _abandoned(totals: dict[str, int]) -> int:
    """Applications closed as 视为放弃 (其他处理 / 申请人无正当理由逾期不补正): a result in table 3, but no
    reply was sent, so they are not counted as 已答复."""
    code, reason = outcomes.ABANDONED
    return totals[f"results.{code}.{reason}"]
