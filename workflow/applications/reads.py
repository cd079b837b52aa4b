"""Reading applications inside a session: who sees which, one by id, lists, history, overdue ones."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEvent
from db.models.applications import Application
from workflow.calendar import deadlines
from workflow.access import Actor
from workflow.applications import statutory_clock
from workflow.applications.spec import RUNNING_STATES, ApplicationState
from workflow.clock import local_date
from workflow.context import Gongkai
from workflow.errors import NotFound, ValidationFailed
from workflow.views import event_to_dict


def can_view(actor: Actor, application: Application) -> bool:
    """Admins see every application; a department sees those assigned to it."""
    return actor.is_admin or (application.department_id is not None and actor.covers(application.department_id))


def load(session: Session, actor: Actor, application_id: int) -> Application:
    """The application, or NotFound when it does not exist or ``actor`` may not see it."""
    application = session.get(Application, application_id)
    if application is None or not can_view(actor, application):
        raise NotFound("申请不存在或您无权查看", code="application_not_found")
    return application


def by_id(session: Session, application_id: int) -> Application:
    """The application with this id, whoever asks (for verbs that already checked the caller)."""
    application = session.get(Application, application_id)
    if application is None:
        raise NotFound("申请不存在或您无权查看", code="application_not_found")
    return application


def in_scope(session: Session, actor: Actor, state: str | None = None, limit: int = 200) -> list[Application]:
    """Applications ``actor`` may see, open ones by due date first; an unknown ``state`` is a 422."""
    if state and state not in ApplicationState.codes():
        raise ValidationFailed("未知的状态：%(state)s", code="invalid_value", field="state", state=str(state)[:40])
    query = select(Application)
    if not actor.is_admin:
        if actor.all_departments:
            query = query.where(Application.department_id.is_not(None))
        else:
            query = query.where(Application.department_id.in_(sorted(actor.department_ids) or [-1]))
    if state:
        query = query.where(Application.state == state)
    query = query.order_by(Application.due_on.asc().nulls_last(), Application.id.desc()).limit(limit)
    return list(session.scalars(query))


def events(session: Session, actor: Actor, application_id: int) -> list[dict[str, Any]]:
    """The application's audit events, oldest first (every pause and resume included)."""
    load(session, actor, application_id)
    rows = session.scalars(select(AuditEvent).where(AuditEvent.subject == f"application:{application_id}")
                           .order_by(AuditEvent.seq)).all()
    return [event_to_dict(event) for event in rows]


def overdue(session: Session, app: Gongkai, now: datetime) -> list[dict[str, Any]]:
    """Applications whose running reply clock is past due, with working days late and the reminder rung
    reached (``overdue``/``very_overdue``, the same rule as items) — the admin overdue data."""
    today = local_date(now)
    rows = session.scalars(select(Application).where(Application.state.in_(RUNNING_STATES),
                                                     Application.due_on < today)
                           .order_by(Application.due_on)).all()
    return [{"id": a.id, "tracking_no": a.tracking_no, "state": a.state, "due_on": a.due_on.isoformat(),
             "workdays_late": statutory_clock.workdays_late(app.calendar, a.due_on, today),
             "department": a.department.code if a.department else None,
             "department_name": a.department.name if a.department else None,
             "applicant_kind": a.applicant_kind,
             "rung": deadlines.current_rung(app.calendar, deadlines.end_of_day(a.due_on), now, app.settings)}
            for a in rows if a.due_on is not None]
