"""In-transaction hooks: features (notifications, reminders) react to transitions here.

A hook runs inside the transition's transaction, so whatever it writes commits or rolls
back with the state change. Hooks must not commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Callable

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
DeadlineHook = Callable[["Gongkai", Session, "Item"], None]
_after_transition: list[TransitionHook] = []
_deadlines_changed: list[DeadlineHook] = []


def after_transition(hook: TransitionHook) -> TransitionHook:
    """Register ``hook`` (decorator); each hook is registered once."""
    if hook not in _after_transition:
        _after_transition.append(hook)
    return hook


def run_after_transition(app: "Gongkai", session: Session, event: TransitionEvent) -> None:
    """Call every registered hook in registration order."""
    for hook in list(_after_transition):
        hook(app, session, event)


def deadlines_changed(hook: DeadlineHook) -> DeadlineHook:
    """Register ``hook`` for items whose stage due date was set outside a transition
    (created, revised, formed_on edited); each hook is registered once."""
    if hook not in _deadlines_changed:
        _deadlines_changed.append(hook)
    return hook


def run_deadlines_changed(app: "Gongkai", session: Session, item: "Item") -> None:
    """Call every deadline hook for ``item`` (flushed, inside the verb's transaction)."""
    for hook in list(_deadlines_changed):
        hook(app, session, item)
