"""Working-day deadlines of items: the publish deadline, stage due dates and rungs.

All numbers are settings (``[deadlines]`` in config/default.toml). "Due" means the end of
that working day in Asia/Shanghai.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from workflow.clock import SHANGHAI, local_date
from workflow.settings import Settings


class Calendar(Protocol):
    """What deadline arithmetic needs from the working-day calendar."""

    def add_workdays(self, start: date, n: int) -> date: ...
    def is_workday(self, day: date) -> bool: ...
    def is_estimated_range(self, start: date, end: date) -> bool: ...
    def workdays_between(self, start: date, end: date) -> int: ...


@dataclass(frozen=True)
class PublishDeadline:
    """``formed_on`` + N working days, and whether any day in it was estimated."""

    deadline: date
    estimated: bool


def end_of_day(day: date) -> datetime:
    """The last second of ``day`` in Asia/Shanghai."""
    return datetime.combine(day, time(23, 59, 59), SHANGHAI)


def publish_deadline(calendar: Calendar, formed_on: date, settings: Settings) -> PublishDeadline:
    """The statutory 主动公开 deadline of information formed on ``formed_on``."""
    workdays = int(settings["deadlines.publish_workdays"])
    start = formed_on if settings.get("deadlines.count_from_next_day", True) else formed_on - timedelta(days=1)
    deadline = calendar.add_workdays(start, workdays)
    estimated = calendar.is_estimated_range(formed_on, deadline)
    return PublishDeadline(deadline, estimated)


def stage_due(calendar: Calendar, stage: str, entered_at: datetime, deadline: date | None,
              settings: Settings) -> datetime | None:
    """When the stage entered at ``entered_at`` is due; never later than the publish deadline.

    Drafts are due by the publish deadline itself; closed stages have no due date.
    """
    if stage not in ("draft", "secrecy_review", "approval"):
        return None
    return workdays_due(calendar, stage_workdays(stage, settings), entered_at, deadline)


def stage_workdays(stage: str, settings: Settings) -> int | None:
    """The working days a stage has (``deadlines.stage_workdays.<stage>``); None: no budget of its own."""
    workdays = int(settings.get(f"deadlines.stage_workdays.{stage}", 0) or 0)
    return workdays if workdays > 0 else None


def workdays_due(calendar: Calendar, workdays: int | None, entered_at: datetime, deadline: date | None) -> datetime | None:
    """The end of the ``workdays``-th working day after ``entered_at``, never later than the publish
    deadline (a stage, or one step of a review route); no budget (None): the publish deadline itself."""
    if workdays is None:
        return end_of_day(deadline) if deadline else None
    due_day = calendar.add_workdays(local_date(entered_at), workdays)
    if deadline is not None and due_day > deadline:
        due_day = deadline
    return end_of_day(due_day)


RUNGS = ("due_soon", "overdue", "very_overdue")


def rung_times(calendar: Calendar, due: datetime, settings: Settings) -> dict[str, datetime]:
    """The instant each reminder rung of a stage becomes due.

    ``due_soon`` starts at the beginning of the working day N working days before the due
    day; ``overdue`` right after the due day ends; ``very_overdue`` after N more working days.
    """
    due_day = local_date(due)
    before = int(settings["deadlines.rungs.due_soon_workdays_before"])
    after = int(settings["deadlines.rungs.very_overdue_workdays_after"])
    soon_day = calendar.add_workdays(due_day, -before) if before else due_day
    very_day = calendar.add_workdays(due_day, after)
    return {
        "due_soon": datetime.combine(soon_day, time(0, 0), SHANGHAI),
        "overdue": end_of_day(due_day) + timedelta(seconds=1),
        "very_overdue": datetime.combine(very_day, time(0, 0), SHANGHAI),
    }


def current_rung(calendar: Calendar, due: datetime | None, now: datetime, settings: Settings) -> str | None:
    """The highest rung reached at ``now`` (None when not yet due soon)."""
    if due is None:
        return None
    reached = [rung for rung, at in rung_times(calendar, due, settings).items() if now >= at]
    return reached[-1] if reached else None


def workdays_late(calendar: Calendar, due: datetime | None, now: datetime) -> int:
    """Working days past the due day (0 when not late)."""
    if due is None or now <= due:
        return 0
    return max(0, calendar.workdays_between(local_date(due), local_date(now)))


def workdays_left(calendar: Calendar, due: datetime | None, now: datetime) -> int | None:
    """Working days from today to the due day (0 = due today); None without due date."""
    if due is None:
        return None
    if now > due:
        return -workdays_late(calendar, due, now)
    return calendar.workdays_between(local_date(now), local_date(due))
