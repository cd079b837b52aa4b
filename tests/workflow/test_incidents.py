"""Leak incidents: ``take_down`` naming a leak records one, its report is due within 24 clock hours
(保守国家秘密法实施条例 Art. 61), filed once by an admin, and the admins are reminded exactly once if not."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from db.models import AuditEvent, Notification
from db.models.referrals import CaseReminder, Incident
from tests.conftest import CLEAR, World, item_payload
from workflow.case_reminders import sweep_cases
from workflow.clock import SHANGHAI
from workflow.errors import Conflict, Forbidden, NotFound, ValidationFailed
from workflow.scheduler import run_sweep
from workflow.services import incidents as incident_svc
from workflow.services import items as svc


def _at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


def _published(world: World) -> int:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)
    svc.pass_review(app, world.reviewer, item.id, CLEAR)
    svc.approve(app, world.approver, item.id)
    return item.id


def _taken_down(world: World, clock, leak: str = "personal_info") -> tuple[int, int]:
    item_id = _published(world)
    clock.set(_at(10, 3, 20))  # a holiday evening: the 24 hours are clock hours, not working days
    svc.take_down(world.app, world.admin, item_id, "名单中含学生身份证号码", leak=leak)
    [incident] = incident_svc.list_incidents(world.app, world.admin)
    return item_id, incident["id"]


def test_take_down_with_a_leak_records_an_incident_due_in_24_hours(world: World, clock) -> None:
    item_id, _incident_id = _taken_down(world, clock)
    [incident] = incident_svc.list_incidents(world.app, world.admin)
    assert (incident["item_id"], incident["kind"]) == (item_id, "personal_info")
    assert incident["recorded_at"] == "2025-10-03T20:00:00+08:00"
    assert incident["report_due"] == "2025-10-04T20:00:00+08:00"
    assert incident["reported_at"] is None and not incident["overdue"]
    clock.set(_at(10, 4, 20, 1))
    assert incident_svc.list_incidents(world.app, world.admin)[0]["overdue"]


@pytest.mark.parametrize("leak", [None, "none"])
def test_take_down_without_a_leak_records_nothing(world: World, leak: str | None) -> None:
    item_id = _published(world)
    svc.take_down(world.app, world.admin, item_id, "内容有误", leak=leak)
    assert incident_svc.list_incidents(world.app, world.admin) == []


def test_unknown_leak_kind_is_refused_and_changes_nothing(world: World) -> None:
    item_id = _published(world)
    with pytest.raises(ValidationFailed) as refused:
        svc.take_down(world.app, world.admin, item_id, "内容有误", leak="rumour")
    assert (refused.value.code, refused.value.field) == ("invalid_value", "leak")
    assert svc.get_item(world.app, world.admin, item_id).state == "published"


def test_admins_are_reminded_once_at_24_hours(world: World, clock) -> None:
    item_id, _incident_id = _taken_down(world, clock)
    assert sweep_cases(world.app, _at(10, 4, 19, 59)) == []
    [notice] = sweep_cases(world.app, _at(10, 4, 20, 0))
    assert (notice.rung, notice.item_id, notice.recipients) == ("incident_overdue", item_id, ("admin",))
    assert sweep_cases(world.app, _at(10, 5)) == []
    clock.set(_at(10, 6))
    assert run_sweep(world.app)["case_reminders"] == 0
    with world.app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Notification)
                              .where(Notification.kind == "incident_overdue")) == 1


def test_the_scheduler_sweep_sends_it(world: World, clock) -> None:
    _taken_down(world, clock)
    clock.set(_at(10, 4, 21))
    assert run_sweep(world.app)["case_reminders"] == 1


def test_report_is_filed_once_and_cancels_the_reminder(world: World, clock) -> None:
    app = world.app
    item_id, incident_id = _taken_down(world, clock)
    clock.set(_at(10, 4, 10))
    filed = incident_svc.file_report(app, world.admin, item_id, incident_id, {
        "reported_to": "漳州市国家保密局、福建省教育厅", "text": "10月3日20时发现……已撤下并删除缓存。",
        "reported_at": "2025-10-04T09:30:00+08:00"})
    assert (filed["reported_at"], filed["late"], filed["overdue"]) == ("2025-10-04T09:30:00+08:00", False, False)
    with pytest.raises(Conflict) as again:
        incident_svc.file_report(app, world.admin, item_id, incident_id, {"reported_to": "某局", "text": "再报一次"})
    assert again.value.code == "already_reported"
    assert sweep_cases(app, _at(10, 5)) == []
    with app.db.read() as session:
        assert session.scalar(select(CaseReminder.state).where(CaseReminder.incident_id == incident_id)) == "cancelled"
        stored = session.get(Incident, incident_id)
        assert stored.reported_to == "漳州市国家保密局、福建省教育厅"
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.item_id == item_id)
                                       .order_by(AuditEvent.seq)))
    assert actions[-3:] == ["take_down", "incident_recorded", "incident_reported"]


def test_report_inputs_and_permissions(world: World, clock) -> None:
    app = world.app
    item_id, incident_id = _taken_down(world, clock)
    good = {"reported_to": "市国家保密局", "text": "已报告"}
    with pytest.raises(Forbidden):
        incident_svc.file_report(app, world.reviewer, item_id, incident_id, good)
    with pytest.raises(Forbidden):
        incident_svc.list_incidents(app, world.drafter)
    with pytest.raises(NotFound):
        incident_svc.file_report(app, world.admin, item_id + 1, incident_id, good)
    for bad, field in [({"text": "已报告"}, "reported_to"), ({"reported_to": "市国家保密局"}, "text"),
                       ({**good, "reported_at": "2025-10-09T09:00:00+08:00"}, "reported_at"),
                       ({**good, "reported_at": "2025-10-01T09:00:00+08:00"}, "reported_at"),
                       ({**good, "reported_at": "昨天"}, "reported_at")]:
        with pytest.raises(ValidationFailed) as refused:
            incident_svc.file_report(app, world.admin, item_id, incident_id, bad)
        assert refused.value.field == field
    assert incident_svc.list_incidents(app, world.admin)[0]["reported_at"] is None  # nothing changed
