"""Referral to the secrecy authority (转保密审定): the item waits in secrecy review for the answer.

保守国家秘密法实施条例 Art. 25 ¶2: the authority decides within 10 working days. The referral's due date is
counted on the injectable calendar (across the 2025 National Day holiday and its make-up workdays), the
pass is refused while it is open or when the revision was found secret, the reviewers' task list leaves
the item alone meanwhile, and the referrer and the admins are reminded exactly once per rung.
"""
from __future__ import annotations

import threading
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from db.models import AuditEvent, Notification, User
from db.models.referrals import CaseReminder, Referral
from tests.conftest import CLEAR, World, item_payload
from workflow.calendar.admin import set_override
from workflow.case_reminders import sweep_cases
from workflow.clock import SHANGHAI, local_date
from workflow.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from workflow.services import incidents as incident_svc
from workflow.services import items as svc
from workflow.services import queries

QUESTION = "附件中的实验室设备清单是否属于国家秘密？"


def _at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


def _in_review(world: World) -> int:
    item = svc.create_item(world.app, world.drafter, item_payload())
    svc.submit(world.app, world.drafter, item.id)
    return item.id


def _inbox(world: World, username: str) -> list[tuple[str, int | None]]:
    with world.app.db.read() as session:
        rows = session.execute(select(Notification.kind, Notification.item_id).join(User, User.id == Notification.user_id)
                               .where(User.username == username).order_by(Notification.id)).all()
    return [tuple(row) for row in rows]


def _task_ids(world: World, who: str) -> list[int]:
    return [item.id for item in queries.my_tasks(world.app, getattr(world, who)).items]


def test_referral_is_due_ten_working_days_later_across_national_day(world: World, clock) -> None:
    item_id = _in_review(world)  # 2025-09-26 (Fri) 10:00
    item = svc.refer(world.app, world.reviewer, item_id, QUESTION)
    assert item.state == "secrecy_review"
    [referral] = incident_svc.item_referrals_json(world.app, world.reviewer, item_id)
    # 09-28 (Sun, 调休 workday), 09-29, 09-30, 10-09, 10-10, 10-11 (Sat, 调休), 10-13, 10-14, 10-15, 10-16
    assert referral["due_at"] == "2025-10-16T23:59:59+08:00"
    assert referral["authority"] == "学校保密办公室"  # the settings' default
    assert referral["question"] == QUESTION and referral["open"] and referral["workdays_left"] == 10
    clock.set(_at(10, 9))
    assert incident_svc.item_referrals_json(world.app, world.reviewer, item_id)[0]["workdays_left"] == 6  # 10-10, 10-11, 10-13 … 10-16


def test_pass_is_refused_while_the_referral_is_open_and_return_stays_possible(world: World) -> None:
    app = world.app
    item_id = _in_review(world)
    svc.refer(app, world.reviewer, item_id, QUESTION, authority="福建省国家保密局")
    with pytest.raises(Conflict) as refused:
        svc.pass_review(app, world.all_rounder, item_id, CLEAR)
    assert refused.value.code == "referral_open" and "保密办审定" in refused.value.message
    with pytest.raises(Conflict) as again:
        svc.refer(app, world.all_rounder, item_id, "另一个问题")
    assert again.value.code == "referral_open"
    returned = svc.return_item(app, world.reviewer, item_id, "按保密办意见删除设备清单后再提交")
    assert returned.state == "draft"


def test_a_returned_and_resubmitted_revision_is_reviewed_afresh(world: World, clock) -> None:
    app = world.app
    item_id = _in_review(world)
    svc.refer(app, world.reviewer, item_id, QUESTION)
    svc.return_item(app, world.reviewer, item_id, "先删除设备清单")
    svc.update_item(app, world.drafter, item_id, {"body": "经评审，现将结果公布如下（不含设备清单）。"})
    resubmitted = svc.submit(app, world.drafter, item_id)
    assert resubmitted.stage_due is not None  # a new stage entry: the review clock runs
    assert item_id in _task_ids(world, "reviewer")  # the old question no longer holds the new revision up
    with pytest.raises(Conflict) as second:
        svc.refer(app, world.reviewer, item_id, "新的问题")  # one open question per item: record the first
    assert second.value.code == "referral_open"
    clock.set(_at(10, 9, 10))
    answered = svc.record_referral(app, world.reviewer, item_id, "secret", "原设备清单属于秘密级")
    assert answered.stage_due == resubmitted.stage_due  # answering the old question does not restart the clock
    assert svc.pass_review(app, world.all_rounder, item_id, CLEAR).state == "approval"  # secret was the old one


def test_answer_not_secret_lets_the_review_go_on(world: World, clock) -> None:
    app = world.app
    item_id = _in_review(world)
    svc.refer(app, world.reviewer, item_id, QUESTION)
    clock.set(_at(10, 10, 15))
    svc.record_referral(app, world.all_rounder, item_id, "not_secret", "经审定，不属于国家秘密。", "校保密〔2025〕3号")
    passed = svc.pass_review(app, world.reviewer, item_id, CLEAR)
    assert passed.state == "approval"
    [referral] = incident_svc.item_referrals_json(app, world.reviewer, item_id)
    assert (referral["determination"], referral["document_no"], referral["open"]) == ("not_secret", "校保密〔2025〕3号",
                                                                                      False)


@pytest.mark.parametrize("determination, code", [("secret", "referral_secret"), ("partly", "referral_partly_secret")])
def test_a_secret_revision_cannot_pass_a_new_one_can(world: World, determination: str, code: str) -> None:
    app = world.app
    item_id = _in_review(world)
    svc.refer(app, world.reviewer, item_id, QUESTION)
    svc.record_referral(app, world.reviewer, item_id, determination, "属于机密级事项。")
    with pytest.raises(Conflict) as refused:
        svc.pass_review(app, world.all_rounder, item_id, CLEAR)
    assert refused.value.code == code
    assert item_id in _task_ids(world, "reviewer")  # still the reviewer's: to return it
    svc.return_item(app, world.reviewer, item_id, "删除涉密内容")
    svc.update_item(app, world.drafter, item_id, {"body": "经评审，现将结果公布如下（已删除涉密内容）。"})
    svc.submit(app, world.drafter, item_id)
    assert svc.pass_review(app, world.reviewer, item_id, CLEAR).state == "approval"  # a new revision


def test_task_lists_show_the_item_as_waiting_for_the_authority(world: World) -> None:
    app = world.app
    item_id = _in_review(world)
    assert item_id in _task_ids(world, "reviewer") and item_id in _task_ids(world, "all_rounder")
    svc.refer(app, world.reviewer, item_id, QUESTION)
    assert item_id not in _task_ids(world, "reviewer") and item_id not in _task_ids(world, "all_rounder")
    assert [item.id for item in queries.awaiting_authority(app, world.reviewer)] == [item_id]
    assert queries.awaiting_authority(app, world.other_reviewer) == []  # another department's
    svc.record_referral(app, world.admin, item_id, "not_secret", "不属于国家秘密")
    assert item_id in _task_ids(world, "reviewer")
    assert queries.awaiting_authority(app, world.reviewer) == []


def test_the_stage_clock_stops_the_publish_deadline_does_not_move(world: World, clock) -> None:
    app = world.app
    item_id = _in_review(world)
    before = svc.get_item(app, world.reviewer, item_id)
    assert before.stage_due is not None
    referred = svc.refer(app, world.reviewer, item_id, QUESTION)
    assert referred.stage_due is None and referred.publish_deadline == before.publish_deadline
    page, _extra = queries.overdue_items(app, world.admin)
    clock.set(_at(10, 20))  # long past the review's own 3 working days
    page, _extra = queries.overdue_items(app, world.admin)
    assert item_id not in [item.id for item in page.items]
    answered = svc.record_referral(app, world.reviewer, item_id, "not_secret", "不属于国家秘密")
    # a fresh review period from the answer (3 working days: 10-21, 10-22, 10-23), capped by the publish
    # deadline (formed 09-26 + 20 working days = 10-30), which stays where it was
    assert answered.publish_deadline == before.publish_deadline == date(2025, 10, 30)
    assert local_date(answered.stage_due) == date(2025, 10, 23)
    assert answered.stage_entry == before.stage_entry + 2


def test_who_may_refer_and_record(world: World) -> None:
    app = world.app
    item_id = _in_review(world)
    with pytest.raises(Forbidden):
        svc.refer(app, world.drafter2, item_id, QUESTION)  # a drafter of the department
    with pytest.raises(NotFound):
        svc.refer(app, world.other_reviewer, item_id, QUESTION)  # another department's reviewer
    with pytest.raises(ValidationFailed) as empty:
        svc.refer(app, world.reviewer, item_id, "  ")
    assert empty.value.code == "question_required"
    with pytest.raises(Conflict) as nothing_open:
        svc.record_referral(app, world.reviewer, item_id, "secret", "属于国家秘密")
    assert nothing_open.value.code == "no_open_referral"
    svc.refer(app, world.reviewer, item_id, QUESTION)
    with pytest.raises(Forbidden):
        svc.record_referral(app, world.drafter2, item_id, "not_secret", "不属于")
    with pytest.raises(ValidationFailed) as bad:
        svc.record_referral(app, world.reviewer, item_id, "maybe", "不确定")
    assert bad.value.code == "invalid_value"
    with pytest.raises(ValidationFailed) as no_answer:
        svc.record_referral(app, world.reviewer, item_id, "secret", "")
    assert no_answer.value.code == "answer_required"
    names = [action.name for action in svc.item_actions(app, world.all_rounder, svc.get_item(app, world.reviewer, item_id))]
    assert "record_referral" in names and "refer" not in names


def test_audit_trail_names_question_and_answer(world: World) -> None:
    app = world.app
    item_id = _in_review(world)
    svc.refer(app, world.reviewer, item_id, QUESTION)
    svc.record_referral(app, world.reviewer, item_id, "partly", "第3页须删除", "校保密〔2025〕9号")
    with app.db.read() as session:
        events = session.execute(select(AuditEvent.action, AuditEvent.data).where(AuditEvent.item_id == item_id)
                                 .order_by(AuditEvent.seq)).all()
    actions = [event.action for event in events]
    assert actions[-4:] == ["refer", "referral_opened", "record_referral", "referral_answered"]
    assert events[-3].data["question"] == QUESTION
    assert events[-1].data["determination"] == "partly" and events[-1].data["document_no"] == "校保密〔2025〕9号"


def test_referrer_and_admins_are_reminded_once_per_rung(world: World, clock) -> None:
    app = world.app
    item_id = _in_review(world)
    svc.refer(app, world.reviewer, item_id, QUESTION)  # due 10-16
    assert sweep_cases(app, _at(10, 13, 23)) == []
    soon = sweep_cases(app, _at(10, 14, 0, 1))  # two working days before the due day
    assert [(n.rung, n.item_id, n.recipients) for n in soon] == [("referral_due_soon", item_id, ("reviewer", "admin"))]
    assert sweep_cases(app, _at(10, 16, 23)) == []
    late = sweep_cases(app, _at(10, 17, 0, 1))
    assert [(n.rung, n.recipients) for n in late] == [("referral_overdue", ("reviewer", "admin"))]
    assert sweep_cases(app, _at(10, 20)) == []
    assert _inbox(world, "admin") == [("referral_due_soon", item_id), ("referral_overdue", item_id)]
    assert ("referral_due_soon", item_id) not in _inbox(world, "all_rounder")  # not the referrer, not an admin


def test_no_reminder_once_answered(world: World) -> None:
    app = world.app
    item_id = _in_review(world)
    svc.refer(app, world.reviewer, item_id, QUESTION)
    svc.record_referral(app, world.reviewer, item_id, "not_secret", "不属于国家秘密")
    assert sweep_cases(app, _at(11, 30)) == []
    with app.db.read() as session:
        assert set(session.scalars(select(CaseReminder.state))) == {"cancelled"}


def test_two_sweeps_racing_remind_exactly_once(world: World) -> None:
    app = world.app
    referred = []
    for n in range(6):
        item = svc.create_item(app, world.drafter, item_payload(title=f"事项{n}"))
        svc.submit(app, world.drafter, item.id)
        svc.refer(app, world.reviewer, item.id, QUESTION)
        referred.append(item.id)
    barrier = threading.Barrier(2)
    results: list[list] = [[], []]
    errors: list[BaseException] = []

    def run(slot: int) -> None:
        try:
            barrier.wait()
            results[slot] = sweep_cases(app, _at(10, 20))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    sent = [(n.rung, n.item_id) for result in results for n in result]
    assert sorted(sent) == sorted((rung, i) for i in referred for rung in ("referral_due_soon", "referral_overdue"))
    with app.db.read() as session:
        told = session.scalar(select(func.count()).select_from(Notification)
                              .where(Notification.kind.like("referral_%")))
    assert told == len(referred) * 2 * 2  # two rungs, two people (the referrer and the admin)


def test_calendar_override_moves_the_due_date_and_its_reminders(world: World) -> None:
    app = world.app
    item_id = _in_review(world)
    svc.refer(app, world.reviewer, item_id, QUESTION)
    set_override(app, world.admin, date(2025, 10, 13), "rest", "校运会停课")
    with app.db.read() as session:
        referral = session.scalar(select(Referral).where(Referral.item_id == item_id))
        assert local_date(referral.due_at) == date(2025, 10, 17)
        due = dict(session.execute(select(CaseReminder.rung, CaseReminder.due_at)).all())
    assert local_date(due["referral_due_soon"]) == date(2025, 10, 15)
    item = svc.get_item(app, world.reviewer, item_id)
    assert item.stage_due is None  # the stopped review clock is not restarted by the re-dating


def test_domain_errors_change_nothing(world: World) -> None:
    app = world.app
    item_id = _in_review(world)
    before = svc.get_item(app, world.reviewer, item_id)
    with pytest.raises(DomainError):
        svc.transition(app, world.reviewer, item_id, "refer", {"question": QUESTION, "bogus": "x"})
    with app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Referral)) == 0
    assert svc.get_item(app, world.reviewer, item_id).version == before.version
