"""Recording a 个人信息保护影响评估 with the pass that found sensitive personal information.

The assessment (个人信息保护法 Art. 55(1), (3); content as Art. 56) is written in the pass_review's own
transaction, after the decision row it belongs to (``item_store.write`` inserts that one: on PostgreSQL
in the item's UPDATE), so it names the decision by selecting it: this item's newest pass_review of this
revision — the item's row is locked by the UPDATE, so no other pass of it can be in between.
The row is never changed and is kept until ``retain_until`` (db/models/assessments.py, migration 0018).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import Integer, Text, bindparam, insert, select
from sqlalchemy.orm import Session

from db.models import Decision
from db.models.assessments import PersonalInfoAssessment, retain_until
from db.types import UTCDateTime

_table = PersonalInfoAssessment.__table__
_DECISION = (select(Decision.id).where(Decision.item_id == bindparam("item_id"),
                                       Decision.revision_id == bindparam("revision_id"),
                                       Decision.kind == "pass_review")
             .order_by(Decision.id.desc()).limit(1).scalar_subquery())
_INSERT = insert(_table).from_select(
    ["item_id", "revision_id", "decision_id", "assessed_by_id", "purpose_necessity", "impact_risks",
     "protective_measures", "created_at", "retain_until"],
    select(bindparam("item_id", type_=Integer()), bindparam("revision_id", type_=Integer()), _DECISION,
           bindparam("assessed_by_id", type_=Integer()), bindparam("purpose_necessity", type_=Text()),
           bindparam("impact_risks", type_=Text()), bindparam("protective_measures", type_=Text()),
           bindparam("created_at", type_=UTCDateTime()), bindparam("retain_until", type_=UTCDateTime())))


def record_assessment(session: Session, *, item_id: int, revision_id: int, actor_id: int | None, now: datetime,
                      assessment: Mapping[str, Any]) -> None:
    """Write the assessment recorded with the pass_review decision just written for ``item_id``."""
    session.connection().execute(_INSERT, {
        "item_id": item_id, "revision_id": revision_id, "assessed_by_id": actor_id,
        "purpose_necessity": assessment["purpose_necessity"], "impact_risks": assessment["impact_risks"],
        "protective_measures": assessment["protective_measures"], "created_at": now,
        "retain_until": retain_until(now)})
