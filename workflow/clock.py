"""Injectable clocks: every time-dependent rule asks a Clock, never ``datetime.now``."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    """Something that tells the current time as an aware datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that stands still until moved; for tests, ``sweep --now`` and benchmarks."""

    def __init__(self, at: datetime):
        self._at = ensure_aware(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        """Jump to ``at``."""
        self._at = ensure_aware(at)

    def advance(self, **delta: float) -> datetime:
        """Move forward by ``timedelta(**delta)`` and return the new time."""
        self._at = self._at + timedelta(**delta)
        return self._at


def ensure_aware(at: datetime) -> datetime:
    """Treat a naive datetime as Asia/Shanghai local time (the users' wall clock)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=SHANGHAI)


def local_date(at: datetime) -> date:
    """The Asia/Shanghai calendar date of an instant."""
    return ensure_aware(at).astimezone(SHANGHAI).date()
