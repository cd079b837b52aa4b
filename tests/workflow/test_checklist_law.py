"""The secrecy checklist as the law has it (issue 12), through the service layer on SQLite and PostgreSQL.

国家秘密/工作秘密/敏感信息 block; 商业秘密 passes on a recorded ground (条例 Art. 15); 过程性信息 is a
judgement (Art. 16); 事先批准 needs the approval document (Art. 11); personal information needs its
legal basis and PIPL basis; sensitive personal information needs an impact assessment kept three years
(个人信息保护法 Art. 55, 56), which neither the database, the ORM nor the service lets anyone delete early.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from db.models import AuditEvent, Decision, Item
from db.models.assessments import PersonalInfoAssessment, RetainedRecord
from tests.conftest import CLEAR, World, item_payload
from workflow import checklist
from workflow.errors import Conflict, ValidationFailed
from workflow.services import assessments as assessment_svc
from workflow.services import attachments
from workflow.services import items as svc
from workflow.services import queries

ALL_NO = dict(checklist.ALL_CLEAR)
ASSESSMENT = {"purpose_necessity": "资助公示依规定进行，仅公示必要信息", "impact_risks": "可能暴露家庭经济困难，风险可控",
              "protective_measures": "身份证号脱敏，公示期满撤下"}


def _in_review(world: World, with_attachment: bool = False) -> tuple[Item, int | None]:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    attachment_id = None
    if with_attachment:
        attachment_id = attachments.add_attachment(app, world.drafter, item.id, "同意书.txt", "text/plain",
                                                   "权利人同意公开。".encode()).id
    svc.submit(app, world.drafter, item.id)
    return item, attachment_id


def _snapshot(app: Any, item_id: int) -> tuple:
    with app.db.read() as session:
        item = session.get(Item, item_id)
        return (item.state, item.version, item.reviewed_by_id,
                session.scalar(select(func.count(AuditEvent.id))), session.scalar(select(func.count(Decision.id))),
                session.scalar(select(func.count(PersonalInfoAssessment.id))))


def _refused(world: World, item: Item, **kw: Any) -> ValidationFailed:
    before = _snapshot(world.app, item.id)
    with pytest.raises(ValidationFailed) as refused:
        svc.pass_review(world.app, world.reviewer, item.id, **kw)
    assert _snapshot(world.app, item.id) == before  # a failed pass leaves the item as it was
    return refused.value


def _decision(world: World) -> Decision:
    with world.app.db.read() as session:
        return session.scalars(select(Decision).where(Decision.kind == "pass_review")).one()


@pytest.mark.parametrize("key", ["state_secret", "work_secret", "sensitive"])
def test_secrets_and_sensitive_information_block(world: World, key: str) -> None:
    item, _ = _in_review(world)
    error = _refused(world, item, checklist={**ALL_NO, key: True})
    assert error.code == "checklist_blocks"
    assert error.details == {"blocking": [key]}


def test_commercial_secret_passes_with_the_holders_consent_and_its_evidence(world: World) -> None:
    item, attachment_id = _in_review(world, with_attachment=True)
    answers = {**ALL_NO, "commercial_secret": True}
    assert _refused(world, item, checklist=answers).field == "justifications.commercial_secret.ground"
    no_evidence = _refused(world, item, checklist=answers, justifications={"commercial_secret": {"ground": "consent"}})
    assert no_evidence.field == "justifications.commercial_secret.evidence_attachment_id"
    assert "请填写“商业秘密”的同意的证明材料" in no_evidence.message
    passed = svc.pass_review(world.app, world.reviewer, item.id, checklist=answers, justifications={
        "commercial_secret": {"ground": "consent", "evidence_attachment_id": attachment_id}})
    assert passed.state == "approval"
    assert _decision(world).justifications == {
        "commercial_secret": {"ground": "consent", "evidence_attachment_id": attachment_id}}


def test_consent_evidence_must_be_an_attachment_of_the_item_under_review(world: World) -> None:
    _other, foreign_id = _in_review(world, with_attachment=True)
    item, _ = _in_review(world)
    error = _refused(world, item, checklist={**ALL_NO, "commercial_secret": True}, justifications={
        "commercial_secret": {"ground": "consent", "evidence_attachment_id": foreign_id}})
    assert error.code == "evidence_not_attached"
    assert error.message == "“商业秘密”的同意的证明材料（本事项的附件）须是本事项的附件"


def test_commercial_secret_passes_on_public_interest_with_its_reasoning(world: World) -> None:
    item, _ = _in_review(world)
    answers = {**ALL_NO, "commercial_secret": True}
    error = _refused(world, item, checklist=answers, justifications={"commercial_secret": {"ground": "public_interest"}})
    assert error.field == "justifications.commercial_secret.reason"
    svc.pass_review(world.app, world.reviewer, item.id, checklist=answers, justifications={
        "commercial_secret": {"ground": "public_interest", "reason": "涉及全体学生收费，不公开将严重影响公共利益"}})
    assert _decision(world).justifications["commercial_secret"]["ground"] == "public_interest"


def test_process_information_is_a_judgement_published_anyway_with_a_reason(world: World) -> None:
    item, _ = _in_review(world)
    answers = {**ALL_NO, "undecided": True}
    assert _refused(world, item, checklist=answers).code == "justification_required"
    svc.pass_review(world.app, world.reviewer, item.id, checklist=answers, justifications={
        "undecided": {"ground": "publicity", "reason": "评优结果公示，公示期内接受监督"}})
    history = queries.item_history(world.app, world.reviewer, item.id)[-1]
    assert history["data"]["justifications"]["undecided"]["ground"] == "publicity"


def test_process_information_not_published_is_the_return(world: World) -> None:
    item, _ = _in_review(world)
    returned = svc.return_item(world.app, world.reviewer, item.id, reason="属于过程性信息，暂不公开")
    assert returned.state == "draft"


def test_prior_approval_needs_the_documents_number_and_a_date_not_ahead(world: World) -> None:
    item, _ = _in_review(world)
    answers = {**ALL_NO, "prior_approval": True}
    assert _refused(world, item, checklist=answers).field == "justifications.prior_approval.document_number"
    assert _refused(world, item, checklist=answers, justifications={"prior_approval": {
        "document_number": "校发〔2025〕12号"}}).field == "justifications.prior_approval.document_date"
    ahead = _refused(world, item, checklist=answers, justifications={"prior_approval": {
        "document_number": "校发〔2025〕12号", "document_date": "2025-09-27"}})  # the clock says 2025-09-26
    assert ahead.message == "“事先批准”的批准日期不能晚于今天"
    assert _refused(world, item, checklist=answers, justifications={"prior_approval": {
        "document_number": "校发〔2025〕12号", "document_date": "26/09/2025"}}).code == "invalid_value"
    svc.pass_review(world.app, world.reviewer, item.id, checklist=answers, justifications={
        "prior_approval": {"document_number": " 校发〔2025〕12号 ", "document_date": "2025-09-20"}})
    assert _decision(world).justifications == {
        "prior_approval": {"document_number": "校发〔2025〕12号", "document_date": "2025-09-20"}}


def test_personal_information_needs_the_legal_basis_and_the_pipl_basis(world: World) -> None:
    item, attachment_id = _in_review(world, with_attachment=True)
    answers = {**ALL_NO, "personal_info": True}
    assert _refused(world, item, checklist=answers, justifications={
        "personal_info": {"ground": "legal_duty"}}).code == "legal_basis_required"
    assert _refused(world, item, checklist=answers, legal_basis="《高等学校信息公开办法》第七条").field \
        == "justifications.personal_info.ground"
    assert _refused(world, item, checklist=answers, legal_basis="《高等学校信息公开办法》第七条", justifications={
        "personal_info": {"ground": "separate_consent"}}).field == "justifications.personal_info.evidence_attachment_id"
    svc.pass_review(world.app, world.reviewer, item.id, checklist=answers, legal_basis="《高等学校信息公开办法》第七条",
                    justifications={"personal_info": {"ground": "separate_consent",
                                                      "evidence_attachment_id": str(attachment_id)}})
    assert _decision(world).justifications == {
        "personal_info": {"ground": "separate_consent", "evidence_attachment_id": attachment_id}}


def test_sensitive_personal_information_records_an_assessment_kept_three_years(world: World) -> None:
    item, _ = _in_review(world)
    answers = {**ALL_NO, "personal_info": True, "sensitive_personal_info": True}
    basis = {"legal_basis": "教财厅函〔2017〕28号"}
    assert _refused(world, item, checklist={**answers, "personal_info": False}).code == "checklist_inconsistent"
    missing = _refused(world, item, checklist=answers, **basis,
                       justifications={"personal_info": {"ground": "legal_duty"}})
    assert missing.code == "justification_required"
    assert missing.field == "justifications.sensitive_personal_info.assessment"
    partial = _refused(world, item, checklist=answers, **basis, justifications={
        "personal_info": {"ground": "legal_duty"},
        "sensitive_personal_info": {"assessment": {**ASSESSMENT, "impact_risks": " "}}})
    assert partial.field == "justifications.sensitive_personal_info.assessment.impact_risks"
    svc.pass_review(world.app, world.reviewer, item.id, checklist=answers, **basis, justifications={
        "personal_info": {"ground": "legal_duty"}, "sensitive_personal_info": {"assessment": ASSESSMENT}})
    decision = _decision(world)
    with world.app.db.read() as session:
        record = session.scalars(select(PersonalInfoAssessment)).one()
    assert (record.item_id, record.decision_id, record.assessed_by_id) == (item.id, decision.id, world.reviewer.id)
    assert record.revision_id == decision.revision_id
    assert (record.purpose_necessity, record.impact_risks, record.protective_measures) == tuple(ASSESSMENT.values())
    assert record.retain_until == record.created_at.replace(year=record.created_at.year + 3)


def _assessed(world: World) -> tuple[Item, int]:
    item, _ = _in_review(world)
    svc.pass_review(world.app, world.reviewer, item.id, checklist={**ALL_NO, "personal_info": True,
                                                                   "sensitive_personal_info": True},
                    legal_basis="教财厅函〔2017〕28号", justifications={
                        "personal_info": {"ground": "legal_duty"}, "sensitive_personal_info": {"assessment": ASSESSMENT}})
    with world.app.db.read() as session:
        return item, session.scalars(select(PersonalInfoAssessment.id)).one()


@pytest.mark.parametrize("statement", [
    "DELETE FROM personal_info_assessments",
    "UPDATE personal_info_assessments SET impact_risks = 'x'",
    "UPDATE personal_info_assessments SET retain_until = created_at",
    "DELETE FROM items",
])
def test_the_database_keeps_the_assessment_and_its_item(world: World, statement: str) -> None:
    item, _ = _assessed(world)
    with pytest.raises(DBAPIError):
        with world.app.db.engine.begin() as connection:
            connection.execute(text(statement))
    with world.app.db.read() as session:
        assert session.scalar(select(func.count(PersonalInfoAssessment.id))) == 1
        assert session.get(Item, item.id) is not None


def _another_decision(world: World, record_id: int) -> tuple[int, int, int]:
    """A second pass_review decision on the assessed item's revision: (item, revision, decision) ids."""
    with world.app.db.write() as session:
        first = session.get(PersonalInfoAssessment, record_id)
        decision = Decision(item_id=first.item_id, revision_id=first.revision_id, kind="pass_review",
                            actor_id=world.reviewer.id, at=datetime(2020, 1, 2, tzinfo=timezone.utc))
        session.add(decision)
        session.flush()
        return first.item_id, first.revision_id, decision.id


def test_the_database_refuses_a_retention_shorter_than_three_years(world: World) -> None:
    _item, record_id = _assessed(world)
    item_id, revision_id, decision_id = _another_decision(world, record_id)
    created = datetime(2020, 1, 2, tzinfo=timezone.utc)
    with pytest.raises(DBAPIError):
        with world.app.db.write() as session:
            session.add(PersonalInfoAssessment(
                item_id=item_id, revision_id=revision_id, decision_id=decision_id, purpose_necessity="a",
                impact_risks="b", protective_measures="c", created_at=created,
                retain_until=created.replace(year=2023) - timedelta(seconds=1)))


def _expired_row(world: World, record_id: int) -> int:
    """Another assessment of the same item, written as if made in 2020 (kept until 2023: past)."""
    item_id, revision_id, decision_id = _another_decision(world, record_id)
    created = datetime(2020, 1, 2, tzinfo=timezone.utc)
    with world.app.db.write() as session:
        old = PersonalInfoAssessment(item_id=item_id, revision_id=revision_id, decision_id=decision_id,
                                     purpose_necessity="a", impact_risks="b", protective_measures="c",
                                     created_at=created, retain_until=created.replace(year=2023))
        session.add(old)
        session.flush()
        return old.id


def test_an_assessment_past_its_retention_may_be_deleted_by_the_database(world: World) -> None:
    _item, kept_id = _assessed(world)
    old_id = _expired_row(world, kept_id)
    with world.app.db.engine.begin() as connection:
        assert connection.execute(text("DELETE FROM personal_info_assessments WHERE id = :id"),
                                  {"id": old_id}).rowcount == 1
        with pytest.raises(DBAPIError):
            with connection.begin_nested():
                connection.execute(text("DELETE FROM personal_info_assessments"))  # the kept one stays


def test_the_orm_refuses_early_deletes_and_any_change(world: World) -> None:
    item, record_id = _assessed(world)
    for change in ("delete", "update", "item"):
        with pytest.raises(RetainedRecord):
            with world.app.db.write() as session:
                record = session.get(PersonalInfoAssessment, record_id)
                if change == "delete":
                    session.delete(record)
                elif change == "update":
                    record.impact_risks = "改写"
                else:
                    session.delete(session.get(Item, item.id))
                session.flush()


def test_the_service_deletes_an_assessment_only_after_its_retention(world: World) -> None:
    _item, kept_id = _assessed(world)
    with pytest.raises(Conflict) as refused:
        assessment_svc.delete_assessment(world.app, world.admin, kept_id)
    assert refused.value.code == "retention_period"
    assert "至少保存三年" in refused.value.message
    old_id = _expired_row(world, kept_id)
    assessment_svc.delete_assessment(world.app, world.admin, old_id)
    with world.app.db.read() as session:
        assert session.get(PersonalInfoAssessment, old_id) is None
        assert session.get(PersonalInfoAssessment, kept_id) is not None


def test_clients_sending_the_first_six_answers_keep_working_and_the_record_says_what_was_not_asked(
        world: World) -> None:
    item, _ = _in_review(world)
    svc.pass_review(world.app, world.reviewer, item.id, checklist=CLEAR)
    decision = _decision(world)
    assert decision.checklist == CLEAR  # no invented "no" for the questions never asked
    assert decision.justifications is None
    data = queries.item_history(world.app, world.reviewer, item.id)[-1]["data"]
    assert data["not_asked"] == ["sensitive_personal_info", "prior_approval"]


@pytest.mark.parametrize(("justifications", "code", "field"), [
    ("同意", "invalid_type", "justifications"),
    ({"state_secret": {}}, "justification_invalid", "justifications"),
    ({"nonsense": {}}, "justification_invalid", "justifications"),
    ({"commercial_secret": {"ground": "public_interest", "reason": "理由"}}, "justification_unexpected",
     "justifications"),
    ({"undecided": {"ground": "publicity", "reason": "公示", "evidence_attachment_id": 1}}, "justification_invalid",
     "justifications.undecided.evidence_attachment_id"),
    ({"undecided": {"ground": "nope", "reason": "公示"}}, "invalid_value", "justifications.undecided.ground"),
    ({"undecided": {"ground": ["publicity"], "reason": "公示"}}, "invalid_value", "justifications.undecided.ground"),
    ({"undecided": {"ground": "publicity", "reason": "长" * 2001}}, "too_long", "justifications.undecided.reason"),
    ({"undecided": {"ground": "publicity", "reason": 5}}, "invalid_type", "justifications.undecided.reason"),
    ({"undecided": "publicity"}, "invalid_type", "justifications.undecided"),
])
def test_justifications_are_validated_strictly(world: World, justifications: Any, code: str, field: str) -> None:
    item, _ = _in_review(world)
    error = _refused(world, item, checklist={**ALL_NO, "undecided": True}, justifications=justifications)
    assert (error.code, error.field) == (code, field)


# --- every combination of answers: pass iff nothing blocks and every requirement is met -------------------

FULL = {"commercial_secret": {"ground": "public_interest", "reason": "公共利益"},
        "personal_info": {"ground": "legal_duty"},
        "sensitive_personal_info": {"assessment": ASSESSMENT},
        "undecided": {"ground": "publish_anyway", "reason": "经研究决定公开"},
        "prior_approval": {"document_number": "校发〔2025〕1号", "document_date": "2025-09-01"}}

answers_strategy = st.fixed_dictionaries(
    {key: st.booleans() for key in checklist.REQUIRED_KEYS},
    optional={key: st.booleans() for key in checklist.KEYS if key not in checklist.REQUIRED_KEYS})


def _expected(answers: dict[str, bool], given: dict[str, Any], legal_basis: str | None) -> bool:
    if any(answers.get(key) for key in checklist.BLOCKING_KEYS):
        return False
    if answers.get("sensitive_personal_info") and not answers.get("personal_info"):
        return False
    if answers.get("personal_info") and not legal_basis:
        return False
    yes = {q.key for q in checklist.QUESTIONS if answers.get(q.key) and q.needs_justification}
    return set(given) == yes


@given(answers=answers_strategy, provide=st.sets(st.sampled_from(sorted(FULL))), basis=st.booleans())
@settings(max_examples=200, deadline=None)
def test_review_passes_iff_no_block_and_every_requirement_met(answers: dict[str, bool], provide: set[str],
                                                             basis: bool) -> None:
    given_justifications = {key: FULL[key] for key in provide}
    legal_basis = "《高等学校信息公开办法》第七条" if basis else None
    try:
        result = checklist.review(answers, legal_basis, given_justifications, today=datetime(2025, 9, 26).date())
    except ValidationFailed:
        assert not _expected(answers, given_justifications, legal_basis)
    else:
        assert _expected(answers, given_justifications, legal_basis)
        assert result.not_asked == tuple(key for key in checklist.KEYS if key not in answers)
        assert (result.assessment is not None) == bool(answers.get("sensitive_personal_info"))


@given(answers=answers_strategy, provide=st.sets(st.sampled_from(sorted(FULL))))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_pass_through_the_service_follows_the_same_rule_and_a_refusal_changes_nothing(
        world: World, answers: dict[str, bool], provide: set[str]) -> None:
    item, _ = _in_review(world)
    justifications = {key: FULL[key] for key in provide}
    legal_basis = "《高等学校信息公开办法》第七条"
    before = _snapshot(world.app, item.id)
    try:
        svc.pass_review(world.app, world.reviewer, item.id, checklist=answers, legal_basis=legal_basis,
                        justifications=justifications)
    except ValidationFailed:
        assert not _expected(answers, justifications, legal_basis)
        assert _snapshot(world.app, item.id) == before
    else:
        assert _expected(answers, justifications, legal_basis)
        assert _snapshot(world.app, item.id)[0] == "approval"
