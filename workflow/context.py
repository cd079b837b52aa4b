"""The application context handed to every workflow verb: database, settings, clock, calendar."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from db.session import Database, PoolOptions
from workflow.clock import Clock, SystemClock
from workflow.settings import Settings, load_settings


@dataclass
class Gongkai:
    """One running instance. Web, CLI, scheduler and tests each build one."""

    db: Database
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    calendar_factory: Callable[["Gongkai"], Any] | None = None
    # The item workflow this instance runs; None means workflow.item_spec.ITEM_SPEC (tests hand in a
    # variant to show that screens, API, diagram and task lists follow the spec).
    item_spec: Any = None
    _calendar: Any = field(default=None, init=False, repr=False)
    _calendar_mark: Any = field(default=None, init=False, repr=False)
    _calendar_checked: float = field(default=0.0, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        # audit.append() only gets a session: it finds this instance's keyring in session.info.
        from workflow.audit_keys import AuditKeys, install
        install(self.db, AuditKeys(self.settings))

    @property
    def calendar(self) -> Any:
        """The working-day calendar.

        Built once, and rebuilt when the admin overrides changed — possibly in another web
        worker or scheduler process: at most every ``calendar.check_seconds`` a cheap query
        compares the overrides' fingerprint with the one the calendar was built from.
        """
        interval = float(self.settings.get("calendar.check_seconds", 5))
        if self._calendar is None or time.monotonic() - self._calendar_checked >= interval:
            with self._lock:
                self._refresh_calendar()
        return self._calendar

    def _refresh_calendar(self) -> None:
        from workflow.calendar_store import overrides_fingerprint
        mark = overrides_fingerprint(self) if self.calendar_factory is None else None
        if self._calendar is None or mark != self._calendar_mark:
            self._calendar = self._build_calendar()
            self._calendar_mark = mark
        self._calendar_checked = time.monotonic()

    def reload_calendar(self) -> Any:
        """Drop the cached calendar so the next use sees new overrides."""
        with self._lock:
            self._calendar = None
            self._refresh_calendar()
        return self._calendar

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
    database = Database(database_url or settings.database_url, pool_options(settings), **engine_kwargs)
    return Gongkai(db=database, settings=settings, clock=clock or SystemClock())


def pool_options(settings: Settings) -> PoolOptions:
    """The ``[database]`` pool settings (``GONGKAI_DB_POOL_SIZE`` …) as engine options."""
    default = PoolOptions()
    return PoolOptions(
        size=int(settings.get("database.pool_size", default.size)),
        max_overflow=int(settings.get("database.max_overflow", default.max_overflow)),
        timeout_seconds=float(settings.get("database.pool_timeout_seconds", default.timeout_seconds)),
        recycle_seconds=int(settings.get("database.pool_recycle_seconds", default.recycle_seconds)),
        pre_ping=bool(settings.get("database.pool_pre_ping", default.pre_ping)),
        connect_timeout_seconds=int(settings.get("database.connect_timeout_seconds",
                                                 default.connect_timeout_seconds)),
    )
