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
_after_transition: list[TransitionHook] = []


def after_transition(hook: TransitionHook) -> TransitionHook:
    """Register ``hook`` (decorator); each hook is registered once."""
    if hook not in _after_transition:
        _after_transition.append(hook)
    return hook


def run_after_transition(app: "Gongkai", session: Session, event: TransitionEvent) -> None:
    """Call every registered hook in registration order."""
    for hook in list(_after_transition):
        hook(app, session, event)
