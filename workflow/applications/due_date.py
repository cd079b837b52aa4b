"""An application's reply due date: its statutory clock replayed under this installation's settings.

``statutory_clock`` is pure (events in, due date out); this module feeds it the settings
(``applications.*``, ``deadlines.count_from_next_day``) and the working-day calendar, appends clock
events to an application and keeps the cached ``due_on`` in step with them.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from db.models.applications import Application
from workflow.applications import statutory_clock
from workflow.clock import local_date
from workflow.context import Gongkai
from workflow.errors import ValidationFailed
from workflow.inputs import parse_date


def setting(app: Gongkai, key: str, default: int) -> int:
    """The integer setting ``applications.<key>`` (``default`` when unset)."""
    value = app.settings.get(f"applications.{key}", default)
    return int(default if value is None else value)


def clock_state(app: Gongkai, application: Application, calendar: Any = None) -> statutory_clock.ClockState:
    """The application's clock replayed over ``calendar`` (default: the current one)."""
    return statutory_clock.compute(
        calendar or app.calendar, statutory_clock.parse_events(application.clock_events),
        reply_workdays=setting(app, "reply_workdays", 15),
        third_party_cap=setting(app, "third_party_workdays", 15),
        count_from_next_day=bool(app.settings.get("deadlines.count_from_next_day", True)))


def add_clock_event(app: Gongkai, application: Application, kind: str, on: date, workdays: int = 0) -> None:
    """Append one clock event and re-derive ``due_on``."""
    events = list(application.clock_events or [])
    events.append(statutory_clock.ClockEvent(kind, on, workdays).to_dict())
    application.clock_events = events  # reassign: JSON columns do not track in-place changes
    application.due_on = clock_state(app, application).due


def event_day(app: Gongkai, application: Application, value: Any, field: str = "on") -> date:
    """The day of a clock event: today by default, never in the future nor before the last event."""
    today = local_date(app.now())
    day = parse_date(value, field) if value not in (None, "") else today
    assert day is not None
    if day > today:
        raise ValidationFailed("日期不能晚于今天", code="invalid_value", field=field)
    events = application.clock_events or []
    last = date.fromisoformat(events[-1]["on"]) if events else None
    if last is not None and day < last:
        raise ValidationFailed("日期不能早于上一计时事件（%(last)s）", code="invalid_value", field=field,
                               last=last.isoformat())
    return day

