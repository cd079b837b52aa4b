"""In-transaction hooks: features (notifications, reminders, applications) react to transitions,
re-dated deadlines and calendar changes here.

A hook runs inside the verb's transaction, so whatever it writes commits or rolls back with the
change. Hooks must not commit. They are registered by ``workflow.wiring.register_hooks()``, which
every entry point calls; registering a hook twice registers it once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Generic, TypeVar

from sqlalchemy.orm import Session

from workflow.access import Actor

if TYPE_CHECKING:
    from db.models import Item
    from workflow.context import Gongkai


@dataclass(frozen=True)
class TransitionEvent:
    """What happened to one item in one transition."""

    item: "Item"
    trigger: str
    from_state: str
    to_state: str
    actor: Actor
    reason: str | None
    at: datetime


TransitionHook = Callable[["Gongkai", Session, TransitionEvent], None]
DeadlineHook = Callable[["Gongkai", Session, "Item", Any], None]  # app, session, item, calendar
CalendarHook = Callable[["Gongkai", Session, Any], None]  # app, session, the new calendar
HookT = TypeVar("HookT", bound=Callable[..., None])


class Registry(Generic[HookT]):
    """Hooks of one kind, in registration order; registering a hook twice registers it once."""

    def __init__(self) -> None:
        self.hooks: list[HookT] = []

    def register(self, hook: HookT) -> HookT:
        """Add ``hook`` (once)."""
        if hook not in self.hooks:
            self.hooks.append(hook)
        return hook

    def run(self, *args: Any) -> None:
        """Call every hook with ``args``, in registration order."""
        for hook in list(self.hooks):
            hook(*args)


_after_transition: Registry[TransitionHook] = Registry()
_deadlines_changed: Registry[DeadlineHook] = Registry()
_calendar_changed: Registry[CalendarHook] = Registry()


def after_transition(hook: TransitionHook) -> TransitionHook:
    """Register ``hook`` to run after every item transition."""
    return _after_transition.register(hook)


def run_after_transition(app: "Gongkai", session: Session, event: TransitionEvent) -> None:
    """Call every registered hook in registration order."""
    _after_transition.run(app, session, event)


def deadlines_changed(hook: DeadlineHook) -> DeadlineHook:
    """Register ``hook`` for items whose stage due date was set outside a transition
    (created, revised, formed_on edited, re-dated by a calendar override)."""
    return _deadlines_changed.register(hook)


def run_deadlines_changed(app: "Gongkai", session: Session, item: "Item", calendar: Any = None) -> None:
    """Call every deadline hook for ``item`` (flushed, inside the verb's transaction).

    ``calendar`` is the one the new dates were counted on (default: ``app.calendar``); a calendar
    override passes the calendar it is about to commit.
    """
    _deadlines_changed.run(app, session, item, calendar if calendar is not None else app.calendar)


def calendar_changed(hook: CalendarHook) -> CalendarHook:
    """Register ``hook`` to re-date what depends on the working-day calendar (open applications)
    when an admin override changes it."""
    return _calendar_changed.register(hook)


def run_calendar_changed(app: "Gongkai", session: Session, calendar: Any) -> None:
    """Call every calendar hook with the new ``calendar``, inside the override's transaction."""
    _calendar_changed.run(app, session, calendar)
