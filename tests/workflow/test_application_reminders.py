"""Requests for disclosure on the reminder ledger: exactly-once rungs across the 2025 National Day,
clock stops/pauses, replies, and the 视为放弃 job — on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from db.models import Notification, Reminder, User
from tests.conftest import CLEAR, World
from workflow.clock import SHANGHAI
from workflow.reminders import pending_for_application, sweep
from workflow.scheduler import run_sweep
from workflow.services import applications as svc
from workflow.services import items as item_service

INTAKE = {"applicant_kind": "business", "name": "某某科技有限公司", "contact": "office@example.com",
          "request_text": "请公开2024年学生公寓维修工程招标文件", "delivery_form": "email",
          "channel": "post", "received_at": "2025-09-26T09:00:00+08:00"}
XSC_STAFF = {"drafter", "drafter2", "reviewer", "approver", "all_rounder"}  # handlers of 学生处


def _at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=SHANGHAI)


def _receive(world: World, department: str | None = "xsc", **extra: object):
    application = svc.register_application(world.app, world.admin, {**INTAKE, **extra})
    if department:
        svc.assign(world.app, world.admin, application.id, department)
    return application


def _pending(world: World, application_id: int) -> list[tuple[int, str, str]]:
    """(entry, rung, local due time) of the rows still pending."""
    return [(r.stage_entry, r.rung, r.due_at.astimezone(SHANGHAI).strftime("%m-%d %H:%M"))
            for r in pending_for_application(world.app, application_id) if r.state == "pending"]


def _fired(world: World, moments: list[datetime]) -> dict[datetime, list[tuple[str, int | None, frozenset[str]]]]:
    fired = {}
    for moment in moments:
        world.app.clock.set(moment)  # type: ignore[attr-defined]
        notices = sweep(world.app).notices
        if notices:
            fired[moment] = [(n.rung, n.application_id, frozenset(n.recipients)) for n in notices]
    return fired


def _inbox(world: World, username: str) -> list[str]:
    with world.app.db.read() as session:
        return list(session.scalars(select(Notification.kind).join(User, User.id == Notification.user_id)
                                    .where(User.username == username, Notification.kind.in_(
                                        ("due_soon", "overdue", "very_overdue"))).order_by(Notification.id)))


def test_rungs_walk_the_clock_across_national_day(world: World, clock) -> None:
    application = _receive(world)
    assert application.due_on.isoformat() == "2025-10-23"  # 国庆/中秋 10-01..08 skipped, 09-28, 10-11 worked
    # due_soon 1 working day before the due day, overdue when it ends, very_overdue 5 working days
    # later (10-24, 27, 28, 29, 30).
    assert _pending(world, application.id) == [(1, "due_soon", "10-22 00:00"), (1, "overdue", "10-24 00:00"),
                                               (1, "very_overdue", "10-30 00:00")]
    moments = [_at(9, 30), _at(10, 8, 23), _at(10, 21, 23), _at(10, 22, 0), _at(10, 22, 10), _at(10, 23, 23),
               _at(10, 24, 0), _at(10, 29, 23), _at(10, 30, 0), _at(10, 30, 9)]
    fired = _fired(world, moments)
    assert fired == {
        _at(10, 22, 0): [("due_soon", application.id, frozenset(XSC_STAFF))],
        _at(10, 24, 0): [("overdue", application.id, frozenset(XSC_STAFF))],  # reviewer is the head
        _at(10, 30, 0): [("very_overdue", application.id, frozenset(XSC_STAFF | {"admin"}))],
    }
    assert _inbox(world, "drafter") == ["due_soon", "overdue", "very_overdue"]
    assert _inbox(world, "admin") == ["very_overdue"]
    assert _inbox(world, "other_drafter") == _inbox(world, "other_reviewer") == []
    with world.app.db.read() as session:
        body = session.scalar(select(Notification.body).where(Notification.kind == "very_overdue"))
    assert f"/applications/{application.id}" in body and "5 个工作日" in body
    assert sweep(world.app).notices == []  # swept twice: nothing new
    clock.set(_at(10, 31))
    assert sweep(world.app).notices == []
    assert [(r["id"], r["rung"], r["workdays_late"], r["applicant_kind"])
            for r in svc.overdue_applications(world.app)] == [(application.id, "very_overdue", 6, "business")]


def test_unassigned_application_reminds_the_admins(world: World) -> None:
    application = _receive(world, department=None)
    fired = _fired(world, [_at(10, 22, 1), _at(10, 24, 1)])
    assert fired == {_at(10, 22, 1): [("due_soon", application.id, frozenset({"admin"}))],
                     _at(10, 24, 1): [("overdue", application.id, frozenset({"admin"}))]}


def test_clarification_stops_reminders_and_the_restart_schedules_fresh_ones(world: World, clock) -> None:
    application = _receive(world)
    clock.set(_at(9, 30))
    svc.request_clarification(world.app, world.admin, application.id, "请说明所需信息的年份", answer_by="2025-10-24")
    assert _pending(world, application.id) == []  # clock stopped: nothing pending
    assert _fired(world, [_at(10, 22, 1), _at(10, 24, 1), _at(10, 20, 8)]) == {}
    clock.set(_at(10, 20))
    restarted = svc.record_supplement(world.app, world.admin, application.id)
    assert restarted.due_on.isoformat() == "2025-11-10"
    # entry 3: the clock events start, stop, restart (assigning the department is no clock event)
    assert _pending(world, application.id) == [(3, "due_soon", "11-07 00:00"), (3, "overdue", "11-11 00:00"),
                                               (3, "very_overdue", "11-17 00:00")]
    fired = _fired(world, [_at(11, 6, 23), _at(11, 7, 0), _at(11, 11, 0)])
    assert [(m, [n[0] for n in v]) for m, v in fired.items()] == [(_at(11, 7, 0), ["due_soon"]),
                                                                  (_at(11, 11, 0), ["overdue"])]
    states = {(r.stage_entry, r.rung): r.state for r in pending_for_application(world.app, application.id)}
    assert states[(1, "due_soon")] == "cancelled" and states[(3, "very_overdue")] == "pending"


def test_pause_and_extension_re_date_the_rungs(world: World, clock) -> None:
    application = _receive(world)
    clock.set(_at(10, 9))
    svc.start_consultation(world.app, world.admin, application.id, "第三方：某企业")
    assert _pending(world, application.id) == []  # paused: never due
    clock.set(_at(10, 16))
    resumed = svc.end_consultation(world.app, world.admin, application.id)
    assert resumed.due_on.isoformat() == "2025-10-31"
    assert [p[:2] for p in _pending(world, application.id)] == [(3, "due_soon"), (3, "overdue"), (3, "very_overdue")]
    head = _office_head(world)
    svc.extend(world.app, head, application.id, 5, "需调取档案")
    assert _pending(world, application.id)[0] == (4, "due_soon", "11-06 00:00")  # due 11-07
    assert _fired(world, [_at(10, 30, 1), _at(11, 3, 1)]) == {}  # the old dates are void


def _office_head(world: World):
    from workflow.services.users import add_user
    add_user(world.app, "head", roles=["admin"], departments=["*"], office_head=True)
    return world.actor("head")


def test_reply_cancels_pending_rungs(world: World, clock) -> None:
    application = _receive(world)
    item = svc.prepare_reply(world.app, world.drafter, application.id, "disclosed")
    assert len(_pending(world, application.id)) == 3  # replying: the statutory clock still runs
    item_service.submit(world.app, world.drafter, item.id)
    item_service.pass_review(world.app, world.reviewer, item.id, checklist=CLEAR)
    item_service.approve(world.app, world.approver, item.id)
    assert svc.get_application(world.app, world.admin, application.id).state == "replied"
    assert _pending(world, application.id) == []
    fired = _fired(world, [_at(10, 22, 1), _at(10, 24, 1), _at(10, 30, 1)])
    assert all(n[1] is None for notices in fired.values() for n in notices)  # nothing about the application


def test_abandon_job_closes_expired_clarifications_once(world: World, clock) -> None:
    application = _receive(world)
    clock.set(_at(9, 30))
    svc.request_clarification(world.app, world.admin, application.id, "内容不明确", answer_by="2025-10-17")
    clock.set(_at(10, 17, 23))
    assert run_sweep(world.app)["applications_abandoned"] == 0  # the last day is still the applicant's
    clock.set(_at(10, 20, 0))
    assert run_sweep(world.app)["applications_abandoned"] == 1
    assert run_sweep(world.app)["applications_abandoned"] == 0  # idempotent (a second scheduler finds nothing)
    assert svc.abandon_expired(world.app) == []
    closed = svc.get_application(world.app, world.admin, application.id)
    assert (closed.state, closed.outcome, closed.outcome_reason) == ("abandoned", "other", 1)
    assert _pending(world, application.id) == []
    actions = [e["trigger"] for e in svc.history(world.app, world.admin, application.id)]
    assert actions.count("abandoned") == 1


def test_ledger_row_names_exactly_one_subject(world: World) -> None:
    application = _receive(world)
    with pytest.raises(IntegrityError):
        with world.app.db.write() as session:
            session.add(Reminder(item_id=None, application_id=None, stage="application", stage_entry=9,
                                 rung="overdue", due_at=_at(12, 1), state="pending"))
    with world.app.db.read() as session:
        row = session.scalar(select(Reminder).where(Reminder.application_id == application.id).limit(1))
    with pytest.raises(IntegrityError):  # one rung per (application, entry) — the exactly-once key
        with world.app.db.write() as session:
            session.add(Reminder(application_id=application.id, stage="application", stage_entry=row.stage_entry,
                                 rung=row.rung, due_at=_at(12, 1), state="pending"))


def test_admin_overdue_page_lists_overdue_applications(world: World, clock) -> None:
    from web.app import create_app
    application = _receive(world)
    clock.set(_at(10, 30, 10))
    client = create_app(world.app, {"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()
    assert client.post("/login", data={"username": "admin", "password": "password-123"}).status_code == 302
    page = client.get("/admin/overdue").get_data(as_text=True)
    section = page.split('id="overdue-applications"')[1]
    assert application.tracking_no in section and f"/applications/{application.id}" in section
    assert "商业企业" in section and "2025年10月23日" in section and "严重超期" in section
    assert ">5</td>" in section.replace(" ", "")  # working days late
