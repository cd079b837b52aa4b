"""Verbs on leak incidents and referrals: file the 24-hour report once, list incidents, read referrals.

Filing is admin-only (the 信息公开办公室 reports to the 保密行政管理部门 and the superior authority) and
happens once: the UPDATE only matches an incident not yet reported, so a second filing, concurrent or
not, is 409 and changes nothing. The report, its reminder cancelled and the audit event commit together.
"""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import select, update

from db.models import Item
from db.models.referrals import Incident, Referral
from workflow import audit, case_reminders, referrals
from workflow.access import ADMIN, Actor, require_role
from workflow.context import Gongkai
from workflow.errors import Conflict, NotFound, ValidationFailed
from workflow.incidents import incident_to_dict
from workflow.inputs import parse_datetime, parse_text
from workflow.services.items import load_internal, write_transaction, today


def _report_inputs(app: Gongkai, data: Mapping[str, Any], recorded_at: Any) -> dict[str, Any]:
    reported_to = parse_text(data.get("reported_to"), "reported_to", label="报告对象", max_len=200)
    text = parse_text(data.get("text"), "text", label="报告内容", max_len=20000, multiline=True)
    now = app.now()
    reported_at = parse_datetime(data.get("reported_at"), "reported_at") or now
    if reported_at > now:
        raise ValidationFailed("报告时间不能晚于现在", code="invalid_value", field="reported_at")
    if reported_at < recorded_at:
        raise ValidationFailed("报告时间不能早于事件登记时间", code="invalid_value", field="reported_at")
    return {"reported_to": reported_to, "report_text": text, "reported_at": reported_at}


def file_report(app: Gongkai, actor: Actor, item_id: int, incident_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """Record that the incident was reported (to whom, when, the text): once; again → 409."""
    require_role(actor, ADMIN)
    if not isinstance(data, Mapping):
        raise ValidationFailed("请求内容应为对象", code="invalid_type")
    now = app.now()
    with write_transaction(app) as session:
        incident = session.get(Incident, incident_id)
        if incident is None or incident.item_id != item_id:
            raise NotFound("泄密事件不存在", code="incident_not_found")
        if incident.reported_at is not None:
            raise Conflict("该泄密事件已报告，不能重复登记", code="already_reported")
        values = _report_inputs(app, data, incident.recorded_at)
        changed = session.execute(update(Incident).where(Incident.id == incident_id, Incident.reported_at.is_(None))
                                  .values(**values, reported_by_id=actor.id)
                                  .execution_options(synchronize_session=False)).rowcount
        if changed != 1:
            raise Conflict("该泄密事件已报告，不能重复登记", code="already_reported")
        case_reminders.cancel_incident(session, incident_id)
        audit.append(session, at=now, actor=actor, subject=f"incident:{incident_id}", item_id=item_id,
                     action="incident_reported",
                     data={"incident": incident_id, "reported_to": values["reported_to"],
                           "reported_at": values["reported_at"].isoformat(), "text": values["report_text"]})
        session.refresh(incident)
        return incident_to_dict(incident, now)


def incident_rows(app: Gongkai, actor: Actor, *, open_only: bool = False) -> list[tuple[Incident, str]]:
    """Admin: every incident with its item's title, newest first (``open_only``: not reported yet)."""
    require_role(actor, ADMIN)
    with app.db.read() as session:
        query = select(Incident, Item.title).join(Item, Item.id == Incident.item_id)
        if open_only:
            query = query.where(Incident.reported_at.is_(None))
        rows = session.execute(query.order_by(Incident.recorded_at.desc(), Incident.id.desc())).all()
        return [(incident, title) for incident, title in rows]


def list_incidents(app: Gongkai, actor: Actor, *, open_only: bool = False) -> list[dict[str, Any]]:
    """Admin: every incident, newest first, with its overdue flag (``open_only``: not reported yet)."""
    now = app.now()
    return [incident_to_dict(incident, now, title) for incident, title in incident_rows(app, actor, open_only=open_only)]


def item_incidents(app: Gongkai, actor: Actor, item_id: int) -> list[Incident]:
    """The incidents of one item (the item page): admins and the department scope."""
    with app.db.read() as session:
        load_internal(session, actor, item_id, today(app))
        return list(session.scalars(select(Incident).where(Incident.item_id == item_id).order_by(Incident.id.desc())))


def item_referrals(app: Gongkai, actor: Actor, item_id: int) -> list[Referral]:
    """The referrals of one item, newest first: the department scope and admins (a referral is part of
    the review record)."""
    with app.db.read() as session:
        load_internal(session, actor, item_id, today(app))
        return referrals.of_item(session, item_id)


def item_referrals_json(app: Gongkai, actor: Actor, item_id: int) -> list[dict[str, Any]]:
    """``item_referrals`` as the API shows them, with working days left while open."""
    now = app.now()
    return [referrals.referral_to_dict(row, app.calendar, now) for row in item_referrals(app, actor, item_id)]


def open_referral_rows(app: Gongkai, actor: Actor) -> list[tuple[Referral, str]]:
    """Admin: referrals still waiting for the secrecy authority, earliest due first, with the item's title
    (the overdue page shows them; those past due are flagged there)."""
    require_role(actor, ADMIN)
    with app.db.read() as session:
        rows = session.execute(select(Referral, Item.title).join(Item, Item.id == Referral.item_id)
                               .where(Referral.answered_at.is_(None)).order_by(Referral.due_at, Referral.id)).all()
        return [(referral, title) for referral, title in rows]
