"""The working-day calendar as stored: config (``chinesecalendar`` + ``config/holidays.toml``) plus
the admin overrides kept in the database, and :class:`StoredCalendar`, the source that hands a
process its current calendar (injected into the context by ``workflow.wiring``)."""
from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from db.models import CalendarOverride
from db.session import Database
from workflow.calendar.workdays import DayOverride, WorkCalendar


def calendar_from_database(db: Database) -> WorkCalendar:
    """The calendar with admin overrides (if the overrides table exists yet)."""
    return WorkCalendar.default().with_overrides(load_overrides(db))


def overrides_from_rows(rows: Iterable[Any]) -> dict[date, DayOverride]:
    """``{date: DayOverride}`` from (day, kind, reason, source) rows."""
    result: dict[date, DayOverride] = {}
    for day, kind, reason, source in rows:
        if isinstance(day, str):
            day = date.fromisoformat(day[:10])
        result[day] = DayOverride(kind, reason, source)
    return result


def load_overrides(db: Database) -> dict[date, DayOverride]:
    """Admin calendar overrides keyed by date (empty before migration 0003)."""
    try:
        with db.read() as session:
            rows = session.execute(select(CalendarOverride.day, CalendarOverride.kind, CalendarOverride.reason,
                                          CalendarOverride.source)).all()
    except DBAPIError:
        return {}
    return overrides_from_rows(rows)


def overrides_fingerprint(db: Database) -> tuple[Any, ...] | None:
    """Changes whenever an override is added or removed (count and newest creation time)."""
    try:
        with db.read() as session:
            return tuple(session.execute(select(func.count(), func.max(CalendarOverride.created_at))
                                         .select_from(CalendarOverride)).one())
    except DBAPIError:
        return None


class StoredCalendar:
    """One process's working-day calendar over ``db``: built once, rebuilt when the overrides changed.

    The overrides may change in another web worker or scheduler process, so at most every
    ``check_seconds`` (setting ``calendar.check_seconds``) a cheap query compares the overrides'
    fingerprint with the one the calendar was built from.
    """

    def __init__(self, db: Database, check_seconds: float = 5.0) -> None:
        self.db = db
        self.check_seconds = check_seconds
        self._calendar: WorkCalendar | None = None
        self._mark: tuple[Any, ...] | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def current(self) -> WorkCalendar:
        """The calendar with the overrides as of at most ``check_seconds`` ago."""
        calendar = self._calendar
        if calendar is None or time.monotonic() - self._checked >= self.check_seconds:
            with self._lock:
                calendar = self._refresh()
        return calendar

    def reload(self) -> WorkCalendar:
        """Rebuild now (this process just changed the overrides)."""
        with self._lock:
            self._calendar = None
            return self._refresh()

    def _refresh(self) -> WorkCalendar:
        mark = overrides_fingerprint(self.db)
        if self._calendar is None or mark != self._mark:
            self._calendar = calendar_from_database(self.db)
            self._mark = mark
        self._checked = time.monotonic()
        return self._calendar
