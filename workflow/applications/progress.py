"""The steps of an application as the applicant sees them on the status page (issue 15).

收到申请 → 转交承办部门 → (通知补正 / 收到补正 / 征求第三方意见 / 第三方意见已回复 / 延长答复期限, when they
happened) → 拟定答复 → 已答复 (or 视为放弃), each with its date. Derived from the application's audit events
(subject ``application:<id>``), never stored twice; nothing of the staff (names, opinions, departments) goes
out: a step is a label, a date and whether it is done, current or still to come.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEvent
from db.models.applications import Application
from workflow.clock import local_date
from workflow.i18n import N_

DONE, CURRENT, PENDING = "done", "current", "pending"

# audit action → the applicant's words (msgids). "received" is the intake (``application_received``).
LABELS = {
    "received": N_("收到申请"),
    "assign": N_("转交承办部门办理"),
    "clock_stop": N_("通知补正"),
    "clock_restart": N_("收到补正材料，重新计时"),
    "clarify_excused": N_("延长补正期限"),
    "clock_pause": N_("征求第三方意见"),
    "clock_resume": N_("第三方意见已回复"),
    "clock_extend": N_("延长答复期限"),
    "reply_drafted": N_("拟定答复，审核中"),
    "reply_sent": N_("已答复"),
    "abandoned": N_("逾期未补正，视为放弃"),
}
# The steps every application goes through, in order; the others appear only when they happened.
MILESTONES = ("received", "assign", "reply_drafted", "reply_sent")
ACTIONS = tuple(action for action in LABELS if action != "received") + ("application_received",)


@dataclass(frozen=True)
class Step:
    """One step of the line: its key (an audit action), its label (a msgid), its date and status."""

    key: str
    label: str
    on: date | None
    status: str  # done | current | pending

    def to_dict(self) -> dict[str, str | None]:
        return {"key": self.key, "label": self.label, "on": self.on.isoformat() if self.on else None,
                "status": self.status}


def steps(application: Application, events: Sequence[tuple[str, datetime]]) -> list[Step]:
    """The step line of ``application`` from its audit events ``(action, at)``, oldest first."""
    happened: list[Step] = [Step("received", LABELS["received"], application.received_on, DONE)]
    seen: set[str] = {"received"}
    for action, at in events:
        if action not in LABELS or action == "received" or (action in MILESTONES and action in seen):
            continue  # a second assignment (转办) is not a new step for the applicant
        on = local_date(application.replied_at) if action == "reply_sent" and application.replied_at \
            else local_date(at)
        happened.append(Step(action, LABELS[action], on, DONE))
        seen.add(action)
    if application.state == "abandoned":
        return happened
    if application.state == "replied":  # closed: nothing ahead (the reply step even without its event)
        if "reply_sent" not in seen:
            happened.append(Step("reply_sent", LABELS["reply_sent"],
                                 local_date(application.replied_at) if application.replied_at else None, DONE))
        return happened
    ahead = [key for key in MILESTONES if key not in seen]
    return happened + [Step(key, LABELS[key], None, CURRENT if position == 0 else PENDING)
                       for position, key in enumerate(ahead)]


def read_steps(session: Session, application: Application) -> list[Step]:
    """:func:`steps` with the events read from the audit chain."""
    rows = session.execute(select(AuditEvent.action, AuditEvent.at)
                           .where(AuditEvent.subject == f"application:{application.id}",
                                  AuditEvent.action.in_(ACTIONS))
                           .order_by(AuditEvent.seq)).all()
    return steps(application, [(action, at) for action, at in rows])
