"""The item lifecycle through the service layer, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from db.models import AuditEvent, Decision, Item, Revision
from tests.conftest import CLEAR, World, item_payload
from workflow import audit
from workflow.clock import SHANGHAI
from workflow.errors import (BadInput, Forbidden, InvalidState, NotFound, StaleVersion, ValidationFailed)
from workflow.services import items as svc
from workflow.services import queries


def _published(world: World) -> Item:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)
    svc.pass_review(app, world.reviewer, item.id, checklist=CLEAR)
    return svc.approve(app, world.approver, item.id)


def _snapshot(app, item_id: int) -> tuple:
    with app.db.read() as session:
        item = session.get(Item, item_id)
        events = session.scalar(select(func.count(AuditEvent.id)))
        decisions = session.scalar(select(func.count(Decision.id)))
        return (item.state, item.version, item.revision, item.stage_due, item.reviewed_by_id, events, decisions)


def test_full_cycle_publishes_with_deadlines_and_history(world: World) -> None:
    item = _published(world)
    assert item.state == "published"
    assert item.publish_deadline == date(2025, 10, 30)  # 国庆/中秋 2025 skipped, 09-28 and 10-11 worked
    assert item.published_at is not None and item.content_hash
    history = queries.item_history(world.app, world.drafter, item.id)
    assert [h["trigger"] for h in history] == ["create", "submit", "pass_review", "approve"]
    assert history[-1]["from"] == "approval" and history[-1]["to"] == "published"
    assert history[1]["revision"] == item.content_hash


def test_submit_requires_complete_fields(world: World) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload(body="", channels=[]))
    with pytest.raises(ValidationFailed) as refused:
        svc.submit(world.app, world.drafter, item.id)
    assert refused.value.details == {"missing": ["body", "channels"]}
    assert _snapshot(world.app, item.id)[0] == "draft"


def test_return_and_reject_need_a_reason_and_change_nothing_without_one(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)
    before = _snapshot(app, item.id)
    with pytest.raises(ValidationFailed) as refused:
        svc.return_item(app, world.reviewer, item.id, reason="   ")
    assert refused.value.code == "reason_required"
    assert _snapshot(app, item.id) == before
    returned = svc.return_item(app, world.reviewer, item.id, reason="请删除身份证号")
    assert returned.state == "draft"
    assert queries.item_history(app, world.drafter, item.id)[-1]["reason"] == "请删除身份证号"


@pytest.mark.parametrize("answers, code", [
    ({"state_secret": False}, "checklist_incomplete"),
    ({**CLEAR, "state_secret": "no"}, "checklist_invalid"),
    ({**CLEAR, "work_secret": True}, "checklist_blocks"),
    ({**CLEAR, "undecided": True}, "justification_required"),   # 过程性信息: a judgement, not a block
    ({**CLEAR, "commercial_secret": True}, "justification_required"),
    ({**CLEAR, "personal_info": True}, "legal_basis_required"),
    ({**CLEAR, "extra": False}, "checklist_invalid"),
])
def test_pass_review_checklist_rules(world: World, answers: dict, code: str) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)
    before = _snapshot(app, item.id)
    with pytest.raises(ValidationFailed) as refused:
        svc.pass_review(app, world.reviewer, item.id, checklist=answers)
    assert refused.value.code == code
    assert _snapshot(app, item.id) == before


def test_personal_info_passes_with_legal_basis_recorded(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)
    svc.pass_review(app, world.reviewer, item.id, checklist={**CLEAR, "personal_info": True},
                    legal_basis="教财厅函〔2017〕28号：公示姓名、院系、年级",
                    justifications={"personal_info": {"ground": "legal_duty"}})
    with app.db.read() as session:
        decision = session.scalars(select(Decision).where(Decision.kind == "pass_review")).one()
    assert decision.legal_basis.startswith("教财厅函")
    assert decision.justifications == {"personal_info": {"ground": "legal_duty"}}
    assert queries.item_history(app, world.drafter, item.id)[-1]["data"]["legal_basis"].startswith("教财厅函")


def test_separation_of_duties_holds_for_every_role(world: World) -> None:
    app = world.app
    own = svc.create_item(app, world.all_rounder, item_payload())
    svc.submit(app, world.all_rounder, own.id)
    with pytest.raises(Forbidden) as refused:
        svc.pass_review(app, world.all_rounder, own.id, checklist=CLEAR)
    assert refused.value.code == "separation_of_duties"
    other = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, other.id)
    svc.pass_review(app, world.all_rounder, other.id, checklist=CLEAR)
    with pytest.raises(Forbidden):  # reviewed it, so may not approve it
        svc.approve(app, world.all_rounder, other.id)
    with pytest.raises(Forbidden):  # admin is no exemption: not an approver
        svc.approve(app, world.admin, other.id)
    assert svc.approve(app, world.approver, other.id).state == "published"


def test_scope_hides_other_departments_drafts_as_not_found(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    with pytest.raises(NotFound):
        svc.get_item(app, world.other_drafter, item.id)
    with pytest.raises(NotFound):
        svc.submit(app, world.other_drafter, item.id)
    with pytest.raises(NotFound):
        svc.pass_review(app, world.other_reviewer, item.id, checklist=CLEAR)
    assert svc.get_item(app, world.admin, item.id).id == item.id
    assert queries.list_items(app, world.other_drafter).total == 0
    with pytest.raises(Forbidden):
        svc.create_item(app, world.other_drafter, item_payload())


def test_wrong_state_and_unknown_trigger(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    before = _snapshot(app, item.id)
    with pytest.raises(InvalidState):
        svc.approve(app, world.approver, item.id)
    with pytest.raises(BadInput) as unknown:
        svc.transition(app, world.drafter, item.id, "explode")
    assert unknown.value.code == "unknown_trigger"
    assert _snapshot(app, item.id) == before


def test_editing_only_in_draft_and_edits_void_decisions(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)
    with pytest.raises(InvalidState):
        svc.update_item(app, world.drafter, item.id, {"title": "偷偷改标题"})
    svc.pass_review(app, world.reviewer, item.id, checklist=CLEAR)
    svc.withdraw(app, world.drafter, item.id)
    edited = svc.update_item(app, world.drafter, item.id, {"body": "修改后的正文"})
    assert edited.reviewed_by_id is not None  # still the old revision's reviewer until resubmitted
    resubmitted = svc.submit(app, world.drafter, item.id)
    assert resubmitted.revision == 2 and resubmitted.reviewed_by_id is None
    with app.db.read() as session:
        hashes = session.scalars(select(Revision.content_hash).where(Revision.item_id == item.id)
                                 .order_by(Revision.number)).all()
    assert len(set(hashes)) == 2 and hashes[-1] == resubmitted.content_hash


def test_stale_version_is_a_conflict(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    svc.update_item(app, world.drafter, item.id, {"title": "第一次修改"}, expected_version=item.version)
    with pytest.raises(StaleVersion):
        svc.update_item(app, world.drafter2, item.id, {"title": "基于旧版本的修改"}, expected_version=item.version)
    assert svc.get_item(app, world.drafter, item.id).title == "第一次修改"


def test_scheduled_publish_and_take_down(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)
    svc.pass_review(app, world.reviewer, item.id, checklist=CLEAR)
    later = (app.now() + timedelta(days=2)).isoformat()
    scheduled = svc.approve(app, world.approver, item.id, publish_at=later)
    assert scheduled.state == "scheduled"
    with pytest.raises(Forbidden):
        svc.publish(app, world.drafter, item.id)
    assert svc.publish(app, world.admin, item.id).state == "published"
    with pytest.raises(ValidationFailed):
        svc.take_down(app, world.admin, item.id, reason="")
    down = svc.take_down(app, world.admin, item.id, reason="发现泄露个人信息")
    assert down.state == "archived" and down.archive_reason == "发现泄露个人信息"


def test_revision_supersedes_and_archives_old_on_publish(world: World) -> None:
    app = world.app
    old = _published(world)
    new = svc.revise(app, world.drafter2, old.id)
    assert new.state == "draft" and new.supersedes_id == old.id
    with pytest.raises(Exception):
        svc.revise(app, world.drafter2, old.id)  # one open revision at a time
    svc.update_item(app, world.drafter2, new.id, {"body": "更正后的内容"})
    svc.submit(app, world.drafter2, new.id)
    svc.pass_review(app, world.reviewer, new.id, checklist=CLEAR)
    svc.approve(app, world.approver, new.id)
    old_now = svc.get_item(app, world.admin, old.id)
    assert old_now.state == "archived" and old_now.archive_reason == "superseded"
    assert old_now.superseded_by_id == new.id
    assert queries.item_history(app, world.admin, old.id)[-1]["reason"] == "superseded"


def test_audit_chain_verifies_and_detects_tampering(world: World) -> None:
    app = world.app
    _published(world)
    with app.db.read() as session:
        assert audit.verify(session).ok
    from sqlalchemy import text
    with app.db.engine.begin() as conn:  # an attacker with database access, triggers bypassed
        if app.db.is_postgres:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("UPDATE audit_events SET reason = 'forged' WHERE seq = 3"))
    with app.db.read() as session:
        result = audit.verify(session)
    assert not result.ok and result.bad_seq == 3


def test_audit_rows_cannot_be_updated_or_deleted(world: World) -> None:
    app = world.app
    svc.create_item(app, world.drafter, item_payload())
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError
    for statement in ("UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError):
            with app.db.engine.begin() as conn:
                conn.execute(text(statement))


def test_formed_on_in_future_is_refused(world: World) -> None:
    tomorrow = (world.app.now() + timedelta(days=1)).date().isoformat()
    with pytest.raises(ValidationFailed) as refused:
        svc.create_item(world.app, world.drafter, item_payload(formed_on=tomorrow))
    assert refused.value.field == "formed_on"


def test_stage_due_is_capped_by_publish_deadline(world: World) -> None:
    app = world.app
    app.clock.set(datetime(2025, 10, 29, 9, 0, tzinfo=SHANGHAI))
    item = svc.create_item(app, world.drafter, item_payload(formed_on="2025-09-26"))
    submitted = svc.submit(app, world.drafter, item.id)
    assert submitted.stage_due.astimezone(SHANGHAI).date() == date(2025, 10, 30)


def test_available_actions_follow_the_guards(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    assert svc.available_actions(app, world.drafter, item) == {"edit", "submit"}
    assert svc.available_actions(app, world.reviewer, item) == set()
    submitted = svc.submit(app, world.drafter, item.id)
    assert svc.available_actions(app, world.reviewer, submitted) == {"pass_review", "return", "refer"}
    assert svc.available_actions(app, world.drafter, submitted) == {"withdraw"}
    own = svc.submit(app, world.all_rounder, svc.create_item(app, world.all_rounder, item_payload()).id)
    assert "pass_review" not in svc.available_actions(app, world.all_rounder, own)  # separation of duties
    reviewed = svc.pass_review(app, world.all_rounder, submitted.id, checklist=CLEAR)
    assert svc.available_actions(app, world.all_rounder, reviewed) == {"reject", "withdraw"}  # not approve: reviewed it
    assert svc.available_actions(app, world.approver, reviewed) == {"approve", "reject"}
    published = svc.approve(app, world.approver, reviewed.id)
    assert svc.available_actions(app, world.admin, published) == {"archive", "take_down"}
    assert svc.available_actions(app, world.drafter2, published) == {"revise"}
