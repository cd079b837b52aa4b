"""Fill the yearly report model (:class:`workflow.report.ReportData`) from the records.

Everything here reads the database; nothing is a constant. The rules (docs/report.md):

* Replies to applications (items of kind ``reply``) never count (docs/report.md).
* An item counts as actively published in the period when its ``published_at`` falls on a
  local (Asia/Shanghai) date inside the period — whatever its state now (archived items,
  taken-down items and items superseded later still count). Each item row counts once; a
  revision that supersedes an earlier item is an item of its own and counts on its own.
* ``network``: items with at least one online channel (``workflow.channels.NETWORK``).
* ``by_channel`` counts an item once per channel (条次), so it may sum to more than ``total``.
* Timeliness: share of items whose local publication date is on or before
  ``publish_deadline``; median working days from ``formed_on`` to the publication date.
* Secrecy review: items with a ``pass_review`` or ``return`` decision in the period
  (reviewed), items returned, items taken down.
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Iterable
from urllib.parse import quote

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from db.models import CatalogCategory, CatalogEntry, Decision, Department, Item
from workflow import channels, links
from workflow.access import disclosure_filter
from workflow.applications.figures import YearFigures
from workflow.clock import SHANGHAI, local_date
from workflow.report.model import (ActiveStats, Complaints, CoverageEntry, Fees, Labels, Period, RemedyRow, ReportData,
                                   SecrecyReview, Timeliness, table3_problems)

LINKS_PER_ENTRY = 20  # newest first; the appendix shows fewer, the count is always complete
APPLICATION_RECORDS = "application records"


@dataclass(frozen=True)
class PublishedRow:
    """What the statistics need of one published item."""

    id: int
    department: str
    catalog_code: str
    category: str
    channels: tuple[str, ...]
    published_on: date
    formed_on: date | None
    publish_deadline: date | None


def period_bounds(period: Period) -> tuple[datetime, datetime]:
    """``[start, end)`` instants of a period of Asia/Shanghai dates (both ends inclusive)."""
    start = datetime.combine(period.start, time(0), SHANGHAI)
    end = datetime.combine(period.end + timedelta(days=1), time(0), SHANGHAI)
    return start, end


def published_rows(session: Session, period: Period, batch: int = 2000) -> Iterable[PublishedRow]:
    """Disclosure items published inside ``period`` (any current state), streamed; a reply to an
    application is 依申请公开, never part of ``active`` nor of the 清单 coverage."""
    start, end = period_bounds(period)
    query = (select(Item.id, Department.code, Item.catalog_code, CatalogEntry.category_code, Item.channels,
                    Item.published_at, Item.formed_on, Item.publish_deadline)
             .join(Department, Department.id == Item.department_id)
             .join(CatalogEntry, CatalogEntry.code == Item.catalog_code)
             .where(disclosure_filter(), Item.published_at.is_not(None), Item.published_at >= start,
                    Item.published_at < end)
             .order_by(Item.published_at.desc(), Item.id.desc())
             .execution_options(yield_per=batch))
    for row in session.execute(query):
        yield PublishedRow(id=row[0], department=row[1], catalog_code=row[2], category=row[3],
                           channels=tuple(row[4] or ()), published_on=local_date(row[5]), formed_on=row[6],
                           publish_deadline=row[7])


def months_of(period: Period) -> list[str]:
    """``["2022-09", …, "2023-08"]``: every month the period touches."""
    months, year, month = [], period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def item_url(base_url: str, item_id: int) -> str:
    """The public page of an item (absolute, so that the report's links work offline)."""
    return f"{base_url.rstrip('/')}/public/items/{item_id}"


def column_url(base_url: str, catalog_code: str) -> str:
    """The entry's column in the public directory (used when the catalogue names none)."""
    return f"{base_url.rstrip('/')}/public/?catalog={quote(catalog_code)}"


def labels(session: Session, channel_labels: dict[str, str] | None = None) -> Labels:
    """Display names of categories and departments as stored (admins may have edited them)."""
    result = Labels(
        categories={c.code: c.title for c in session.scalars(select(CatalogCategory)
                                                              .order_by(CatalogCategory.position))},
        departments={d.code: d.name for d in session.scalars(select(Department).order_by(Department.id))},
    )
    if channel_labels:
        result.channels.update(channel_labels)
    return result


def collect(session: Session, period: Period, *, network_channels: Iterable[str], all_channels: Iterable[str],
            calendar: Any, base_url: str) -> tuple[ActiveStats, list[CoverageEntry]]:
    """Active-publication statistics and the 清单 coverage of ``period``, in one pass."""
    network = frozenset(network_channels)
    active = ActiveStats()
    categories = list(session.scalars(select(CatalogCategory.code).order_by(CatalogCategory.position)))
    by_channel: Counter[str] = Counter({code: 0 for code in all_channels})
    by_category: Counter[str] = Counter({code: 0 for code in categories})
    by_department: Counter[str] = Counter()
    by_month: Counter[str] = Counter({m: 0 for m in months_of(period)})
    per_entry: Counter[str] = Counter()
    links: dict[str, list[str]] = defaultdict(list)
    judged = within = 0
    delays: list[int] = []
    for row in published_rows(session, period):
        active.total += 1
        if network.intersection(row.channels):
            active.network += 1
        for channel in dict.fromkeys(row.channels):
            by_channel[channel] += 1
        by_category[row.category] += 1
        by_department[row.department] += 1
        by_month[row.published_on.strftime("%Y-%m")] += 1
        per_entry[row.catalog_code] += 1
        if len(links[row.catalog_code]) < LINKS_PER_ENTRY:
            links[row.catalog_code].append(item_url(base_url, row.id))
        if row.publish_deadline is not None:
            judged += 1
            within += row.published_on <= row.publish_deadline
        if row.formed_on is not None:
            delays.append(max(0, calendar.workdays_between(row.formed_on, row.published_on)))
    active.by_channel = dict(by_channel)
    active.by_category = dict(by_category)
    active.by_department = dict(by_department)
    active.by_month = dict(sorted(by_month.items()))
    active.timeliness = Timeliness(
        within_deadline_share=round(within / judged, 4) if judged else None,
        median_workdays=float(statistics.median(delays)) if delays else None,
    )
    coverage = []
    entries = session.scalars(select(CatalogEntry).order_by(CatalogEntry.position, CatalogEntry.code))
    for entry in entries:
        count = per_entry.get(entry.code, 0)
        if not entry.active and count == 0:
            continue  # a retired entry appears only in years it was used
        coverage.append(CoverageEntry(code=entry.code, title=entry.title, category=entry.category_code,
                                      department=entry.department_code or "", published=count,
                                      links=links.get(entry.code, []), covered=count > 0,
                                      column_url=entry.column_url or (column_url(base_url, entry.code)
                                                                      if count else ""),
                                      not_applicable=bool(entry.not_applicable),
                                      not_applicable_reason=entry.not_applicable_reason or ""))
    return active, coverage


def secrecy_review(session: Session, period: Period) -> SecrecyReview:
    """Items reviewed (passed or returned) in the period, items returned, items taken down."""
    start, end = period_bounds(period)

    def items_with(*kinds: str) -> int:
        return session.scalar(select(func.count(distinct(Decision.item_id)))
                              .where(Decision.kind.in_(kinds), Decision.at >= start, Decision.at < end)) or 0

    return SecrecyReview(reviewed=items_with("pass_review", "return"), returned=items_with("return"),
                         taken_down=items_with("take_down"))


def application_figures(figures: YearFigures) -> tuple[dict[str, Any], Fees, Complaints]:
    """依申请公开, fees and complaints from the period's application figures (``year_figures``, which the
    caller passes in: this module only reads item records)."""
    applications: dict[str, Any] = {
        "received": figures.received, "carried_over": figures.carried_over, "replied": figures.replied,
        "carried_forward": figures.carried_forward,
        "by_outcome": {code: outcome.count for code, outcome in figures.by_outcome.items()},
        "outcome_reasons": {code: {str(n): count for n, count in outcome.reasons.items()}
                            for code, outcome in figures.by_outcome.items() if outcome.reasons},
        "by_applicant": figures.by_applicant,
        "source": APPLICATION_RECORDS,
        # the State Council check rule of the records, and table 3 adding up as printed
        "check_ok": figures.check_ok and not table3_problems(figures.by_applicant)}
    fees = Fees(charged_total=float(figures.fees.charged_total), waived_total=float(figures.fees.waived_total),
                count=figures.fees.count)
    complaints = Complaints(**{key: RemedyRow.of(counts) for key, counts in figures.remedies.by_row.items()})
    return applications, fees, complaints


def build_report(app: Any, period: Period, application_records: YearFigures) -> ReportData:
    """The whole report data of ``period`` (narrative left empty: the caller adds it).

    ``application_records`` are the period's 依申请公开 figures (``applications.figures.year_figures``).
    """
    settings = app.settings
    calendar = app.calendar  # built before the session: it may read overrides itself
    with app.db.read() as session:
        active, coverage = collect(session, period, network_channels=channels.NETWORK,
                                   all_channels=channels.CODES, calendar=calendar,
                                   base_url=links.base_url(settings))
        review = secrecy_review(session, period)
        names = labels(session)
    applications, fees, complaints = application_figures(application_records)
    return ReportData(period=period, institution=str(settings.get("institution.name", "")), active=active,
                      applications=applications, fees=fees, complaints=complaints, secrecy_review=review,
                      catalog_coverage=coverage, labels=names)
