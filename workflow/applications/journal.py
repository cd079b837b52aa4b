"""Recording a change to an application: its audit event, its reminder rungs and notices to the applicant.

Everything here runs inside the caller's transaction, so a change, its audit event and its
reminders commit together or not at all.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from db.models.applications import Application, ApplicationNotice
from workflow import audit
from workflow.access import Actor
from workflow.context import Gongkai
from workflow.i18n import N_
from workflow.reminders import follow_application

#: The history label of each recorded action that is not a trigger of the application spec.
ACTION_LABELS = {"application_received": N_("收到申请")}


def record(session: Session, app: Gongkai, actor: Actor | None, application: Application, action: str,
           from_state: str | None, reason: str | None = None, **data: Any) -> None:
    """Audit ``action`` on ``application`` (subject ``application:<id>``) and follow its clock with the
    reminder rungs (schedule, re-date or cancel: issue #6); ``None`` values in ``data`` are left out."""
    # Reload (department, notices) so the object the verb returns is complete once detached.
    session.flush()
    session.refresh(application)
    follow_application(app, session, application)
    audit.append(session, at=app.now(), actor=actor, subject=f"application:{application.id}", action=action,
                 from_state=from_state, to_state=application.state, reason=reason,
                 data={k: v for k, v in data.items() if v is not None})


def add_notice(app: Gongkai, application: Application, kind: str, body: str) -> None:
    """A notice to the applicant (extension, clarification request, abandonment), shown on the status page."""
    application.notices.append(ApplicationNotice(kind=kind, at=app.now(), body=body))
