"""The register of 举报/投诉, 行政复议 and 行政诉讼 cases against the disclosure work, and their outcomes."""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models.applications import RemedyCase
from workflow import audit
from workflow.access import Actor
from workflow.applications import reads
from workflow.applications.vocabulary import RemedyKind, RemedyOutcome
from workflow.clock import local_date
from workflow.context import Gongkai
from workflow.errors import NotFound, ValidationFailed
from workflow.i18n import N_
from workflow.inputs import check_id, parse_choice, parse_date, parse_text

SUMMARY_MAX = 5000
LABELS = {"kind": N_("案件类型"), "outcome": N_("案件结果"), "summary": N_("案由")}


def register(session: Session, app: Gongkai, actor: Actor, data: Mapping[str, Any]) -> RemedyCase:
    """Record a case (filed today unless ``filed_on``), optionally linked to an application ``actor`` sees."""
    if not isinstance(data, Mapping):
        raise ValidationFailed("请求内容无效", code="invalid_value")
    kind = parse_choice(data.get("kind"), "kind", RemedyKind.codes(), label=LABELS["kind"])
    outcome = parse_choice(data.get("outcome"), "outcome", RemedyOutcome.codes(), label=LABELS["outcome"],
                           default=RemedyOutcome.PENDING.value)
    filed_on = parse_date(data.get("filed_on"), "filed_on") or local_date(app.now())
    summary = parse_text(data.get("summary"), "summary", label=LABELS["summary"], max_len=SUMMARY_MAX,
                         required=False, multiline=True) or ""
    after = data.get("after_reconsideration")
    if after is not None and not isinstance(after, bool):  # "no" must not count as true
        raise ValidationFailed("%(field)s 必须是布尔值", code="invalid_type", field="after_reconsideration")
    application_id = data.get("application_id")
    # A positive 32-bit id or nothing: 2^31 used to reach PostgreSQL (integer out of range, a 500).
    application_id = check_id(application_id, "application_id") if application_id not in (None, "") else None
    if application_id is not None:
        reads.load(session, actor, application_id)
    now = app.now()
    case = RemedyCase(kind=kind, after_reconsideration=bool(after), application_id=application_id,
                      filed_on=filed_on, summary=summary, outcome=outcome,
                      decided_on=filed_on if outcome != RemedyOutcome.PENDING else None, created_at=now,
                      updated_at=now)
    session.add(case)
    session.flush()
    audit.append(session, at=now, actor=actor, subject=f"remedy:{case.id}", action="remedy_filed",
                 to_state=outcome, data={"kind": kind, "application": case.application_id})
    return case


def decide(session: Session, app: Gongkai, actor: Actor, case_id: int, outcome: Any,
           decided_on: Any = None) -> RemedyCase:
    """Record the outcome of a case: 维持 / 纠正 / 其他 / 尚未审结 (pending clears the decision date)."""
    value = parse_choice(outcome, "outcome", RemedyOutcome.codes(), label=LABELS["outcome"])
    day = parse_date(decided_on, "decided_on") or local_date(app.now())
    case = session.get(RemedyCase, case_id)
    if case is None:
        raise NotFound("案件不存在", code="remedy_not_found")
    old = case.outcome
    case.outcome, case.decided_on = value, (day if value != RemedyOutcome.PENDING else None)
    case.updated_at = app.now()
    audit.append(session, at=app.now(), actor=actor, subject=f"remedy:{case.id}", action="remedy_decided",
                 from_state=old, to_state=value, data={"decided_on": day.isoformat()})
    return case


def all_cases(session: Session) -> list[RemedyCase]:
    """Every case, newest first."""
    return list(session.scalars(select(RemedyCase).order_by(RemedyCase.filed_on.desc(), RemedyCase.id.desc())))
