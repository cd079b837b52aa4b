"""Verbs on 个人信息保护影响评估 records: deleting one, only after its retention period.

The record is kept at least three years (个人信息保护法 Art. 56). Nothing in Gongkai deletes it on its own;
an admin may remove a record whose ``retain_until`` has passed. Before then the service refuses with a
409 (and the database and the ORM would refuse too: db/models/assessments.py, migration 0018).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import DBAPIError

from db.models.assessments import PersonalInfoAssessment, RetainedRecord
from workflow import audit
from workflow.access import ADMIN, Actor, require_role
from workflow.clock import local_date
from workflow.context import Gongkai
from workflow.errors import Conflict, NotFound
from workflow.services.items import write_transaction


def delete_assessment(app: Gongkai, actor: Actor, assessment_id: int) -> None:
    """Admin: delete an assessment whose retention period is over (409 ``retention_period`` before)."""
    require_role(actor, ADMIN)
    now = app.now()
    try:
        with write_transaction(app) as session:
            record = session.get(PersonalInfoAssessment, assessment_id)
            if record is None:
                raise NotFound("个人信息保护影响评估记录不存在", code="assessment_not_found")
            if record.retain_until > now:
                raise _kept(record)
            session.delete(record)
            session.flush()
            audit.append(session, at=now, actor=actor, subject=f"item:{record.item_id}", item_id=record.item_id,
                         action="assessment_deleted", data={"assessment": record.id,
                                                            "retain_until": record.retain_until.isoformat()})
    except (RetainedRecord, DBAPIError) as refused:  # the database's or the ORM's clock says not yet
        raise Conflict("个人信息保护影响评估须至少保存三年（个人信息保护法第五十六条），保存期满前不能删除",
                       code="retention_period") from refused


def _chinese_date(at: datetime) -> str:
    day = local_date(at)
    return f"{day.year}年{day.month}月{day.day}日"


def _kept(record: PersonalInfoAssessment) -> Conflict:
    return Conflict("个人信息保护影响评估须至少保存三年（个人信息保护法第五十六条），保存至 %(date)s，之前不能删除",
                    code="retention_period", date=_chinese_date(record.retain_until),
                    details={"retain_until": record.retain_until.isoformat()})
