"""Builds the WorkCalendar from config plus the admin overrides kept in the database."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from workflow.context import Gongkai


def calendar_from_database(app: "Gongkai") -> Any:
    """The calendar with admin overrides (if the overrides table exists yet)."""
    from workflow.calendar import WorkCalendar
    return WorkCalendar.default().with_overrides(load_overrides(app))


def overrides_from_rows(rows: Iterable[Any]) -> dict[Any, Any]:
    """``{date: DayOverride}`` from (day, kind, reason, source) rows."""
    from datetime import date

    from workflow.calendar import DayOverride
    result: dict[Any, Any] = {}
    for day, kind, reason, source in rows:
        if isinstance(day, str):
            day = date.fromisoformat(day[:10])
        result[day] = DayOverride(kind, reason, source)
    return result


def load_overrides(app: "Gongkai") -> dict[Any, Any]:
    """Admin calendar overrides keyed by date (empty before migration 0003)."""
    from db.models import CalendarOverride
    try:
        with app.db.read() as session:
            rows = session.execute(select(CalendarOverride.day, CalendarOverride.kind, CalendarOverride.reason,
                                          CalendarOverride.source)).all()
    except DBAPIError:
        return {}
    return overrides_from_rows(rows)


def overrides_fingerprint(app: "Gongkai") -> Any:
    """Changes whenever an override is added or removed (count and newest creation time)."""
    from sqlalchemy import func

    from db.models import CalendarOverride
    try:
        with app.db.read() as session:
            return tuple(session.execute(select(func.count(), func.max(CalendarOverride.created_at))
                                         .select_from(CalendarOverride)).one())
    except DBAPIError:
        return None
