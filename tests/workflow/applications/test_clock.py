"""The statutory reply clock as pure functions over the real calendar (2025 National Day)."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from workflow.applications.statutory_clock import ClockEvent, clarify_deadline, compute, parse_events, workdays_late
from workflow.calendar.workdays import WorkCalendar

CAL = WorkCalendar.default()
RECEIVED = date(2025, 9, 26)  # Friday before 国庆/中秋 2025 (10-01..08 off; 09-28 and 10-11 worked)


def _run(*events: ClockEvent, **kw):
    return compute(CAL, events, **kw)


def test_plain_period_skips_the_national_day_holidays() -> None:
    state = _run(ClockEvent("start", RECEIVED))
    assert state.status == "running"
    assert state.due == date(2025, 10, 23)
    assert [s.kind for s in state.segments] == ["counted"]
    assert state.segments[0].first == date(2025, 9, 27) and state.segments[0].workdays == 15


def test_third_party_pause_is_not_counted_and_explained() -> None:
    paused = _run(ClockEvent("start", RECEIVED), ClockEvent("pause", date(2025, 10, 9)))
    assert paused.status == "paused" and paused.due is None
    assert paused.remaining_workdays == 11  # 09-28, 09-29, 09-30, 10-09 used
    state = _run(ClockEvent("start", RECEIVED), ClockEvent("pause", date(2025, 10, 9)),
                 ClockEvent("resume", date(2025, 10, 16)))
    assert state.due == date(2025, 10, 31)
    assert [(s.kind, s.workdays) for s in state.segments] == [("counted", 4), ("paused", 6), ("counted", 11)]
    assert state.paused_workdays == 6


def test_consultation_beyond_the_cap_counts_again() -> None:
    state = _run(ClockEvent("start", RECEIVED), ClockEvent("pause", date(2025, 10, 9)),
                 ClockEvent("resume", date(2025, 11, 28)), third_party_cap=15)
    assert state.paused_workdays == 15
    paused = [s for s in state.segments if s.kind == "paused"][0]
    assert paused.last == CAL.add_workdays(date(2025, 10, 9), 15)
    counted = sum(s.workdays for s in state.segments if s.kind == "counted")
    assert counted == 15


def test_clarification_stops_and_the_supplement_restarts_a_fresh_period() -> None:
    assert clarify_deadline(CAL, RECEIVED, 7) == date(2025, 10, 13)
    stopped = _run(ClockEvent("start", RECEIVED), ClockEvent("stop", date(2025, 9, 30)))
    assert stopped.status == "stopped" and stopped.due is None
    state = _run(ClockEvent("start", RECEIVED), ClockEvent("stop", date(2025, 9, 30)),
                 ClockEvent("restart", date(2025, 10, 20)))
    assert state.due == date(2025, 11, 10)
    assert state.segments[0].kind == "superseded"


def test_extension_adds_working_days() -> None:
    state = _run(ClockEvent("start", RECEIVED), ClockEvent("extend", date(2025, 10, 20), 15))
    assert state.due == date(2025, 11, 13)
    assert state.extension_workdays == 15 and state.period_workdays == 30


def test_events_round_trip_and_lateness() -> None:
    events = [ClockEvent("start", RECEIVED), ClockEvent("extend", RECEIVED, 5)]
    assert parse_events([e.to_dict() for e in events]) == events
    assert workdays_late(CAL, date(2025, 9, 30), date(2025, 10, 9)) == 1
    assert workdays_late(CAL, date(2025, 10, 9), date(2025, 10, 9)) == 0


@settings(max_examples=60, deadline=None)
@given(start=st.dates(date(2024, 1, 1), date(2026, 6, 30)), pause_after=st.integers(0, 14),
       pause_len=st.integers(0, 30))
def test_counted_days_always_sum_to_the_period(start: date, pause_after: int, pause_len: int) -> None:
    pause_on = CAL.add_workdays(start, pause_after)
    resume_on = CAL.add_workdays(pause_on, pause_len)
    state = _run(ClockEvent("start", start), ClockEvent("pause", pause_on), ClockEvent("resume", resume_on))
    counted = sum(s.workdays for s in state.segments if s.kind == "counted")
    assert counted == 15
    assert CAL.workdays_between(start, state.due) == 15 + min(pause_len, 15)


@pytest.mark.parametrize("kind", ["pause", "resume", "stop", "extend"])
def test_events_before_start_are_ignored(kind: str) -> None:
    assert _run(ClockEvent(kind, RECEIVED)).status == "not_started"
