"""Builds the WorkCalendar from config plus the admin overrides kept in the database."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workflow.context import Gongkai


def calendar_from_database(app: "Gongkai") -> Any:
    """The calendar with admin overrides (if the overrides table exists yet)."""
    from workflow.calendar import WorkCalendar
    return WorkCalendar.default().with_overrides(load_overrides(app))


def load_overrides(app: "Gongkai") -> dict[Any, Any]:
    """Admin calendar overrides keyed by date (empty until the calendar admin is in use)."""
    return {}
