"""Leak incidents (泄密事件): recorded by ``take_down`` when it names a leak, reported within 24 hours.

保守国家秘密法实施条例 Art. 61: a unit that finds a state secret leaked (or possibly leaked) takes remedial
measures at once and reports within 24 hours to the 保密行政管理部门 at its level and its superior
authority. Taking the item down is the remedial measure; the incident row records what leaked and when
the report is due (``incidents.report_hours`` clock hours after recording, not working days). For work
secrets (保密法 Art. 64) and personal information (个人信息保护法 Art. 57: remedy and notify "立即") the
same 24-hour period is applied as the college's own rule.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from db.models.referrals import Incident
from workflow import audit, case_reminders
from workflow.hooks import TransitionEvent
from workflow.i18n import N_
from workflow.item_effects import Step
from workflow.views import iso

LEAK_LABELS = {"none": N_("无泄密情形"), "state_secret": N_("泄露国家秘密"), "work_secret": N_("泄露工作秘密"),
               "personal_info": N_("泄露个人信息")}
NO_LEAK = "none"
_INSERT = insert(Incident.__table__).returning(Incident.__table__.c.id)


def report_due(recorded_at: datetime, settings: Any) -> datetime:
    """``incidents.report_hours`` clock hours after the incident was recorded (24 by default)."""
    return recorded_at + timedelta(hours=float(settings.get("incidents.report_hours", 24)))


def record_incident(step: Step) -> list[TransitionEvent]:
    """take_down with a leak named: the incident, its report deadline and its reminder."""
    kind = step.context.inputs.get("leak")
    if not kind or kind == NO_LEAK:
        return []
    item, now = step.item, step.now
    due = report_due(now, step.app.settings)
    incident_id = step.session.connection().execute(_INSERT, {
        "item_id": item.id, "kind": kind, "recorded_at": now, "recorded_by_id": step.actor.id, "report_due": due,
        "reported_at": None, "reported_to": None, "report_text": None, "reported_by_id": None}).scalar_one()
    case_reminders.schedule_incident(step.session, incident_id, due)
    audit.defer(step.session, at=now, actor=step.actor, subject=f"incident:{incident_id}", item_id=item.id,
                action="incident_recorded", data={"incident": incident_id, "kind": kind, "report_due": due.isoformat()})
    return []


def incident_to_dict(incident: Incident, now: datetime, item_title: str | None = None) -> dict[str, Any]:
    """One incident as the API and the pages show it; ``overdue``: not reported and past due, ``late``:
    reported after the due time."""
    reported = incident.reported_at
    return {"id": incident.id, "item_id": incident.item_id, "item_title": item_title, "kind": incident.kind,
            "recorded_at": iso(incident.recorded_at), "recorded_by_id": incident.recorded_by_id,
            "report_due": iso(incident.report_due), "reported_at": iso(reported),
            "reported_to": incident.reported_to, "report_text": incident.report_text,
            "reported_by_id": incident.reported_by_id,
            "overdue": reported is None and now > incident.report_due,
            "late": reported is not None and reported > incident.report_due}
