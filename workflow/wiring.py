"""Wiring: how every entry point (web app factory, CLI, scheduler, benchmarks, test fixtures) gets
a working instance — the context built with its calendar source injected, and the in-transaction
hooks registered by one explicit call instead of as a side effect of importing a package.

This module sits on top of ``workflow``: it may import any feature; nothing in ``workflow``
imports it.
"""
from __future__ import annotations

from typing import Any

from db.session import Database
from workflow import hooks, links, notifications, referrals, reminders
from workflow.applications import hooks as application_hooks
from workflow.applications import letter_settings
from workflow.calendar.store import StoredCalendar
from workflow.identity import cas, local_login
from workflow.clock import Clock, SystemClock
from workflow.context import Gongkai, pool_options
from workflow.applications.redating import redate_open_applications
from workflow.settings import Settings, load_settings


def register_hooks() -> None:
    """Register every in-transaction hook, in the order they run. Idempotent: each hook is
    registered once however often this is called."""
    hooks.after_transition(application_hooks.reply_item_approved)  # reply approved → application replied
    hooks.after_transition(notifications.notify_on_event)  # events → inbox and mail
    hooks.after_transition(reminders.follow_transition)  # stage entries → reminder ledger
    hooks.deadlines_changed(reminders.follow_deadlines)
    hooks.calendar_changed(redate_open_applications)  # an admin override re-dates open applications
    hooks.calendar_changed(referrals.redate_open_referrals)  # … and open referrals to the secrecy authority


def build_gongkai(db: Database, settings: Settings, clock: Clock | None = None, item_spec: Any = None) -> Gongkai:
    """An instance over ``db`` whose calendar is the stored one (config + admin overrides),
    with the hooks registered; ``item_spec`` replaces the item workflow (tests of the spec only).
    Settings that cannot be used raise ``SettingsError`` here, at load, not on first use."""
    letter_settings.check(settings)
    links.check(settings)
    cas.config(settings)  # [auth.cas]: a bad version, role or department_match is refused at load
    local_login.check(settings)  # [auth] local_login: misspelt or without a break-glass account
    register_hooks()
    calendars = StoredCalendar(db, float(settings.get("calendar.check_seconds", 5)))
    return Gongkai(db=db, settings=settings, clock=clock or SystemClock(), calendar_source=calendars,
                   item_spec=item_spec)


def create_gongkai(database_url: str | None = None, settings: Settings | None = None,
                   clock: Clock | None = None, **engine_kwargs: Any) -> Gongkai:
    """Build an instance from settings (``GONGKAI_DATABASE_URL`` etc.)."""
    settings = settings or load_settings(database_url=database_url)
    database = Database(database_url or settings.database_url, pool_options(settings), **engine_kwargs)
    return build_gongkai(database, settings, clock)
