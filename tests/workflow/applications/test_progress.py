"""The applicant's step line (workflow/applications/progress.py), from audit events: milestones always, the
clock's events only when they happened, each with its local date."""
from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

from workflow.applications.progress import steps
from workflow.clock import SHANGHAI


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2025, 10, day, hour, tzinfo=SHANGHAI)


def _application(state: str, replied_at: datetime | None = None) -> SimpleNamespace:
    return SimpleNamespace(state=state, received_on=date(2025, 9, 30), replied_at=replied_at)


def test_a_consultation_and_an_extension_appear_between_the_milestones() -> None:
    events = [("application_received", _at(1)), ("assign", _at(9)), ("assign", _at(10)), ("clock_pause", _at(10)),
              ("clock_resume", _at(13)), ("clock_extend", _at(14)), ("fee", _at(14))]
    line = steps(_application("received"), events)
    assert [(s.key, s.on, s.status) for s in line] == [
        ("received", date(2025, 9, 30), "done"), ("assign", date(2025, 10, 9), "done"),
        ("clock_pause", date(2025, 10, 10), "done"), ("clock_resume", date(2025, 10, 13), "done"),
        ("clock_extend", date(2025, 10, 14), "done"), ("reply_drafted", None, "current"),
        ("reply_sent", None, "pending")]


def test_an_abandoned_application_ends_with_its_abandonment() -> None:
    events = [("assign", _at(9)), ("clock_stop", _at(9, 15)), ("abandoned", _at(31))]
    line = steps(_application("abandoned"), events)
    assert [s.key for s in line] == ["received", "assign", "clock_stop", "abandoned"]
    assert all(s.status == "done" for s in line)


def test_the_reply_carries_the_day_it_was_sent_in_shanghai() -> None:
    sent = datetime(2025, 10, 20, 16, 30, tzinfo=SHANGHAI)
    events = [("assign", _at(9)), ("reply_drafted", _at(15)), ("reply_sent", sent)]
    line = steps(_application("replied", replied_at=sent), events)
    assert line[-1].key == "reply_sent" and line[-1].on == date(2025, 10, 20) and line[-1].status == "done"
    # an answer at 16:30 UTC is the next morning in Shanghai; a closed application shows nothing ahead
    from datetime import timezone
    line = steps(_application("replied", datetime(2025, 10, 20, 16, 30, tzinfo=timezone.utc)), [])
    assert [(s.key, s.on) for s in line] == [("received", date(2025, 9, 30)), ("reply_sent", date(2025, 10, 21))]
