"""The application context handed to every workflow verb: database, settings, clock, calendar.

Entry points build it with ``workflow.wiring.create_gongkai`` / ``build_gongkai``, which inject
the calendar source and register the in-transaction hooks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from db.session import Database, PoolOptions
from workflow.audit_keys import AuditKeys, install
from workflow.clock import Clock, SystemClock
from workflow.settings import Settings


class CalendarSource(Protocol):
    """Where an instance gets its working-day calendar (a ``workflow.calendar.workdays.WorkCalendar``).

    In production ``workflow.calendar.store.StoredCalendar``: config plus the admin overrides,
    rebuilt when another process changed them. The context does not know how it is stored.
    """

    def current(self) -> Any:
        """The calendar to count working days on now."""

    def reload(self) -> Any:
        """Rebuild now and return the new calendar (the overrides just changed)."""


@dataclass
class Gongkai:
    """One running instance. Web, CLI, scheduler and tests each build one."""

    db: Database
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    calendar_source: CalendarSource = field(kw_only=True)
    # The item workflow this instance runs; None means workflow.item_spec.ITEM_SPEC (tests hand in a
    # variant to show that screens, API, diagram and task lists follow the spec).
    item_spec: Any = None

    def __post_init__(self) -> None:
        # audit.append() only gets a session: it finds this instance's keyring in session.info.
        install(self.db, AuditKeys(self.settings))

    @property
    def calendar(self) -> Any:
        """The working-day calendar (``WorkCalendar``), with the admin overrides of at most
        ``calendar.check_seconds`` ago."""
        return self.calendar_source.current()

    def reload_calendar(self) -> Any:
        """Rebuild the calendar now, so the next use sees new overrides."""
        return self.calendar_source.reload()

    def now(self) -> datetime:
        """The current instant on this instance's clock (aware)."""
        return self.clock.now()


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
