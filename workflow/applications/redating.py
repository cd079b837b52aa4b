"""A changed working-day calendar re-dates the open applications (their clocks replayed over it)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models.applications import Application
from workflow.applications.due_date import clock_state
from workflow.applications.spec import OPEN_STATES
from workflow.context import Gongkai
from workflow.reminders import follow_application


def redate_open_applications(app: Gongkai, session: Session, calendar: Any) -> list[int]:
    """Replay every open application's clock over ``calendar`` and re-date its reminder rungs, inside
    the caller's transaction; returns the ids whose due date moved."""
    changed: list[int] = []
    for application in session.scalars(select(Application).where(Application.state.in_(OPEN_STATES),
                                                                 Application.due_on.is_not(None))):
        due = clock_state(app, application, calendar).due
        if due != application.due_on:
            application.due_on = due
            changed.append(application.id)
            follow_application(app, session, application, calendar)
    return changed
