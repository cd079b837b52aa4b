"""The State Council table 收到和处理政府信息公开申请情况 (国办公开办函〔2021〕30号), as a pure computation.

Rows × applicant columns; counts come from application records reduced to
``(applicant_kind, received_on, closed_on, outcome, reason)``. An application counts as
新收 when received in the period, 上年结转 when received before it and still open at its
start, 办理结果 when closed in it, and 结转下年度 when received by its end and still open after it.
The table's check rule (第一项加第二项之和，等于第三项加第四项之和) then holds per column.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable

from workflow.applications.outcomes import OUTCOMES
from workflow.applications.vocabulary import ApplicantKind
from workflow.i18n import N_, get_locale, gettext

# One column per applicant kind (its heading in the table), then the total.
COLUMNS: tuple[tuple[str, str], ...] = (*((kind.value, kind.column) for kind in ApplicantKind), ("total", N_("总计")))
KINDS = ApplicantKind.codes()
ORGANISATION_KINDS = tuple(kind.value for kind in ApplicantKind if kind.is_organisation)
ORGANISATIONS = N_("法人或其他组织")
CHECK_RULE = N_("第一项加第二项之和，等于第三项加第四项之和")
PARTIAL_NOTE = N_("（区分处理的，只计这一情形，不计其他情形）")


@dataclass(frozen=True)
class Record:
    """One application, as the table sees it."""

    applicant_kind: str
    received_on: date
    closed_on: date | None
    outcome: str | None
    reason: int | None


def row_keys() -> list[tuple[str, str]]:
    """``(key, label)`` of every row in table order."""
    rows = [("received", N_("一、本年新收政府信息公开申请数量")), ("carried_over", N_("二、上年结转政府信息公开申请数量")),
            ("results", N_("三、本年度办理结果"))]
    for outcome in OUTCOMES:
        label = f"{outcome.numeral}{outcome.label}"
        if outcome.code == "partial":
            label += PARTIAL_NOTE
        rows.append((f"results.{outcome.code}", label))
        rows.extend((f"results.{outcome.code}.{i}", f"{i}.{text}") for i, text in enumerate(outcome.reasons, 1))
    rows.append(("results.total", N_("（七）总计")))
    rows.append(("carried_forward", N_("四、结转下年度继续办理")))
    return rows


def row_labels() -> dict[str, str]:
    """Row key → the row's label in the current locale (every row of the table, headings included): the
    report's table 3 and the statistics page print these."""
    english = not get_locale().startswith("zh")
    labels: dict[str, str] = {}
    fixed = dict(row_keys())
    for key in ("received", "carried_over", "results"):
        labels[key] = gettext(fixed[key])
    for index, outcome in enumerate(OUTCOMES, start=1):
        numeral = f"({index}) " if english else outcome.numeral
        label = numeral + gettext(outcome.label)
        if outcome.code == "partial":
            label += gettext(PARTIAL_NOTE)
        labels[f"results.{outcome.code}"] = label
        for number, reason in enumerate(outcome.reasons, start=1):
            labels[f"results.{outcome.code}.{number}"] = f"{number}. {gettext(reason)}" if english \
                else f"{number}.{gettext(reason)}"
    labels["results.total"] = gettext(fixed["results.total"])
    labels["carried_forward"] = gettext(fixed["carried_forward"])
    return labels


def _empty() -> dict[str, int]:
    return {code: 0 for code, _ in COLUMNS}


def build_table(records: Iterable[Record], start: date, end: date) -> dict[str, Any]:
    """The table for the period ``start``–``end`` (inclusive) with its check."""
    counts: dict[str, dict[str, int]] = {key: _empty() for key, _ in row_keys() if key != "results"}

    def bump(key: str, kind: str) -> None:
        counts[key][kind] += 1
        counts[key]["total"] += 1

    for record in records:
        kind = record.applicant_kind if record.applicant_kind in KINDS else "other"
        if record.received_on > end:
            continue
        open_at_start = record.closed_on is None or record.closed_on >= start
        if record.received_on >= start:
            bump("received", kind)
        elif open_at_start:
            bump("carried_over", kind)
        else:
            continue
        if record.closed_on is not None and start <= record.closed_on <= end and record.outcome:
            bump(f"results.{record.outcome}", kind)
            if record.reason:
                bump(f"results.{record.outcome}.{record.reason}", kind)
            bump("results.total", kind)
        else:
            bump("carried_forward", kind)
    return _shape(counts, start, end)


def _shape(counts: dict[str, dict[str, int]], start: date, end: date) -> dict[str, Any]:
    rows = []
    for key, label in row_keys():
        cells = counts.get(key)
        rows.append({"key": key, "label": label, "counts": dict(cells) if cells else None})
    left = {code: counts["received"][code] + counts["carried_over"][code] for code, _ in COLUMNS}
    right = {code: counts["results.total"][code] + counts["carried_forward"][code] for code, _ in COLUMNS}
    organisations = {key: sum(cells[k] for k in ORGANISATION_KINDS) for key, cells in counts.items()}
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "columns": [{"key": code, "label": label,
                     "group": ORGANISATIONS if code in ORGANISATION_KINDS else None} for code, label in COLUMNS],
        "rows": rows,
        "organisations_subtotal": organisations,
        "check": {"rule": CHECK_RULE, "ok": left == right, "first_plus_second": left, "third_plus_fourth": right},
    }
