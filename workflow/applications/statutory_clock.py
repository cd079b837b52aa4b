"""The statutory reply clock of an application: pure functions over the working-day calendar.

The clock is a list of dated events, oldest first (stored as JSON on the application):

- ``start``   (on = the receipt date): the reply period of N working days begins;
- ``pause``   (on = the day a third party was consulted): days after it are not counted …
- ``resume``  (on = the day the third party answered): … up to and including this day,
  but at most ``third_party_cap`` working days (条例 Art. 32/33); longer consultations count;
- ``stop``    (on = the day a clarification request (补正) was sent): the clock stands still;
- ``restart`` (on = the receipt date of the supplemented application): a fresh period begins,
  earlier pauses and extensions no longer matter (条例 Art. 30);
- ``extend``  (workdays = n): the period grows by n working days (office-head approval).

Counting starts on the day after the start date when ``count_from_next_day`` (the default),
as for 主动公开 deadlines. ``compute`` returns the due date and the segments that explain it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable, Mapping, Protocol

from workflow.errors import ValidationFailed

EVENT_KINDS = ("start", "pause", "resume", "stop", "restart", "extend")


class Calendar(Protocol):
    """What the clock needs from ``workflow.calendar.WorkCalendar``."""

    def add_workdays(self, start: date, n: int) -> date: ...
    def workdays_between(self, a: date, b: date) -> int: ...
    def is_estimated_range(self, a: date, b: date) -> bool: ...


@dataclass(frozen=True)
class ClockEvent:
    """One dated event of the clock."""

    kind: str
    on: date
    workdays: int = 0

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "on": self.on.isoformat()}
        if self.kind == "extend":
            data["workdays"] = self.workdays
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ClockEvent":
        kind = data.get("kind")
        if kind not in EVENT_KINDS:
            raise ValidationFailed("未知的计时事件：%(kind)s", code="invalid_value", field="clock", kind=str(kind))
        return cls(str(kind), date.fromisoformat(str(data["on"])), int(data.get("workdays", 0) or 0))


@dataclass(frozen=True)
class Segment:
    """A stretch of days: ``counted`` toward the period, ``paused`` (third party), ``stopped``
    (awaiting a supplement) or ``superseded`` (a period replaced by a restart).

    ``first``/``last`` are inclusive calendar days; ``last`` is None while the stretch is open.
    """

    kind: str
    first: date
    last: date | None
    workdays: int

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "first": self.first.isoformat(),
                "last": self.last.isoformat() if self.last else None, "workdays": self.workdays}


@dataclass(frozen=True)
class ClockState:
    """Where the clock stands: running (with a due date), paused or stopped (no due date)."""

    status: str                     # running | paused | stopped | not_started
    start: date | None
    due: date | None
    period_workdays: int            # N + extensions of the current period
    extension_workdays: int
    paused_workdays: int            # not counted (closed pauses, capped)
    remaining_workdays: int | None  # at the moment of a pause/stop: what is left
    estimated: bool
    segments: list[Segment] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "start": self.start.isoformat() if self.start else None,
                "due": self.due.isoformat() if self.due else None, "period_workdays": self.period_workdays,
                "extension_workdays": self.extension_workdays, "paused_workdays": self.paused_workdays,
                "remaining_workdays": self.remaining_workdays, "estimated": self.estimated,
                "segments": [s.to_dict() for s in self.segments]}


def parse_events(raw: Iterable[Mapping[str, Any]] | None) -> list[ClockEvent]:
    """Events from their stored JSON form."""
    return [ClockEvent.from_dict(entry) for entry in (raw or [])]


def _day_after(d: date) -> date:
    return d + timedelta(days=1)


def compute(calendar: Calendar, events: Iterable[ClockEvent], *, reply_workdays: int = 15,
            third_party_cap: int = 15, count_from_next_day: bool = True) -> ClockState:
    """Replay ``events`` and derive the due date and the segments that explain it."""
    start: date | None = None
    pauses: list[tuple[date, date | None]] = []
    stopped_on: date | None = None
    extension = 0
    history: list[Segment] = []
    for event in events:
        if event.kind in ("start", "restart"):
            if start is not None:
                history.append(Segment("superseded", _origin(start, count_from_next_day) + timedelta(days=1),
                                       stopped_on or event.on, 0))
            start, pauses, stopped_on, extension = event.on, [], None, 0
        elif start is None:
            continue
        elif event.kind == "pause" and (not pauses or pauses[-1][1] is not None):
            pauses.append((event.on, None))
        elif event.kind == "resume" and pauses and pauses[-1][1] is None:
            pauses[-1] = (pauses[-1][0], max(event.on, pauses[-1][0]))
        elif event.kind == "stop":
            stopped_on = event.on
        elif event.kind == "extend":
            extension += max(0, event.workdays)
    if start is None:
        return ClockState("not_started", None, None, reply_workdays, 0, 0, None, False, history)
    return _run(calendar, start, pauses, stopped_on, extension, history, reply_workdays, third_party_cap,
                count_from_next_day)


def _origin(start: date, count_from_next_day: bool) -> date:
    """The day the count starts after (the start date itself, or the day before)."""
    return start if count_from_next_day else start - timedelta(days=1)


def _run(calendar: Calendar, start: date, pauses: list[tuple[date, date | None]], stopped_on: date | None,
         extension: int, history: list[Segment], reply_workdays: int, cap: int,
         count_from_next_day: bool) -> ClockState:
    period = reply_workdays + extension
    cursor = _origin(start, count_from_next_day)
    remaining, paused_total = period, 0
    segments = list(history)
    for pause_on, resume_on in pauses:
        available = calendar.workdays_between(cursor, pause_on)
        if available >= remaining:
            break  # paused after the period had run out: the pause changes nothing
        remaining -= max(0, available)
        if pause_on > cursor:
            segments.append(Segment("counted", _day_after(cursor), pause_on, max(0, available)))
        if resume_on is None:
            segments.append(Segment("paused", _day_after(pause_on), None, 0))
            return _halted("paused", calendar, start, period, extension, paused_total, remaining, segments,
                           cursor)
        excluded = calendar.workdays_between(pause_on, resume_on)
        effective_end = resume_on if excluded <= cap else calendar.add_workdays(pause_on, cap)
        excluded = min(excluded, cap)
        paused_total += excluded
        segments.append(Segment("paused", _day_after(pause_on), effective_end, excluded))
        cursor = effective_end
    if stopped_on is not None:
        used = calendar.workdays_between(cursor, stopped_on)
        if stopped_on > cursor:
            segments.append(Segment("counted", _day_after(cursor), stopped_on, max(0, used)))
        segments.append(Segment("stopped", _day_after(stopped_on), None, 0))
        return _halted("stopped", calendar, start, period, extension, paused_total, remaining - max(0, used),
                       segments, cursor)
    due = calendar.add_workdays(cursor, remaining)
    segments.append(Segment("counted", _day_after(cursor), due, remaining))
    return ClockState("running", start, due, period, extension, paused_total, None,
                      calendar.is_estimated_range(_day_after(start), due), segments)


def _halted(status: str, calendar: Calendar, start: date, period: int, extension: int, paused: int,
            remaining: int, segments: list[Segment], cursor: date) -> ClockState:
    return ClockState(status, start, None, period, extension, paused, max(0, remaining),
                      calendar.is_estimated_range(_day_after(start), max(cursor, _day_after(start))), segments)


def clarify_deadline(calendar: Calendar, received_on: date, workdays: int = 7) -> date:
    """The last day a clarification request (补正) may be sent: within N working days of receipt."""
    return calendar.add_workdays(received_on, workdays)


def consultation_deadline(calendar: Calendar, consulted_on: date, workdays: int = 15) -> date:
    """The last day a consulted third party may answer."""
    return calendar.add_workdays(consulted_on, workdays)


def workdays_late(calendar: Calendar, due: date, today: date) -> int:
    """Working days past ``due`` as of ``today`` (0 when not late)."""
    return max(0, calendar.workdays_between(due, today)) if today > due else 0
