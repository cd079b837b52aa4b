"""The application context handed to every workflow verb: database, settings, clock, calendar."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from db.session import Database
from workflow.clock import Clock, SystemClock
from workflow.settings import Settings, load_settings


@dataclass
class Gongkai:
    """One running instance. Web, CLI, scheduler and tests each build one."""

    db: Database
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    calendar_factory: Callable[["Gongkai"], Any] | None = None
    _calendar: Any = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def calendar(self) -> Any:
        """The working-day calendar (built once; ``reload_calendar`` after changes)."""
        if self._calendar is None:
            with self._lock:
                if self._calendar is None:
                    self._calendar = self._build_calendar()
        return self._calendar

    def reload_calendar(self) -> Any:
        """Drop the cached calendar so the next use sees new overrides."""
        with self._lock:
            self._calendar = None
        return self.calendar

    def _build_calendar(self) -> Any:
        if self.calendar_factory is not None:
            return self.calendar_factory(self)
        from workflow.calendar_store import calendar_from_database
        return calendar_from_database(self)

    def now(self):  # noqa: ANN201 - datetime
        return self.clock.now()


def create_gongkai(database_url: str | None = None, settings: Settings | None = None,
                   clock: Clock | None = None, **engine_kwargs: Any) -> Gongkai:
    """Build an instance from settings (``GONGKAI_DATABASE_URL`` etc.)."""
    settings = settings or load_settings(database_url=database_url)
    database = Database(database_url or settings.database_url, **engine_kwargs)
    return Gongkai(db=database, settings=settings, clock=clock or SystemClock())
