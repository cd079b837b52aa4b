"""Applications through the service layer, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from tests.applications_helpers import ID_PNG
from tests.conftest import CLEAR, World
from workflow.access import Actor
from workflow.applications.documents import Upload
from workflow.clock import SHANGHAI
from workflow.applications.figures import FeeFigures
from workflow.applications.views import application_to_dict
from workflow.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationFailed
from workflow.services import applications as svc
from workflow.services import items as item_service
from workflow.services import queries

ID = Upload("身份证.png", ID_PNG)
INTAKE = {"applicant_kind": "natural", "name": "张三", "contact": "zhangsan@example.com",
          "request_text": "请公开2024年学生资助资金使用情况", "delivery_form": "email"}


def _head(world: World) -> Actor:
    from workflow.services.users import add_user
    add_user(world.app, "head", roles=["admin"], departments=["*"], office_head=True)
    return world.actor("head")


def _at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=SHANGHAI)


def _staff_intake(world: World, **extra: object):
    data = {**INTAKE, "channel": "post", "received_at": "2025-09-26T09:00:00+08:00", **extra}
    return svc.register_application(world.app, world.admin, data)


def test_whole_clock_through_holidays_with_pause_and_history(world: World, clock) -> None:
    app = world.app
    application = _staff_intake(world)
    assert application.received_on == date(2025, 9, 26) and application.due_on == date(2025, 10, 23)
    clock.set(_at(2025, 10, 9))
    svc.start_consultation(app, world.admin, application.id, "第三方：某企业")
    assert svc.get_application(app, world.admin, application.id).due_on is None
    assert svc.overdue_applications(app, _at(2025, 12, 1)) == []  # paused: never overdue
    clock.set(_at(2025, 10, 16))
    application = svc.end_consultation(app, world.admin, application.id)
    assert application.due_on == date(2025, 10, 31)
    view = application_to_dict(app, svc.get_application(app, world.admin, application.id))
    assert [(s["kind"], s["workdays"]) for s in view["clock"]["segments"]] == [
        ("counted", 4), ("paused", 6), ("counted", 11)]
    actions = [event["trigger"] for event in svc.history(app, world.admin, application.id)]
    assert actions == ["application_received", "clock_pause", "clock_resume"]
    late = svc.overdue_applications(app, _at(2025, 11, 4))
    assert [(row["id"], row["workdays_late"]) for row in late] == [(application.id, 2)]


def test_clarification_restart_and_abandonment(world: World, clock) -> None:
    app = world.app
    first = _staff_intake(world)
    clock.set(_at(2025, 9, 30))
    svc.request_clarification(app, world.admin, first.id, "请说明所需信息的年份", answer_by="2025-10-24")
    with pytest.raises(Conflict):
        svc.request_clarification(app, world.admin, first.id, "再问一次")
    clock.set(_at(2025, 10, 20))
    restarted = svc.record_supplement(app, world.admin, first.id)
    assert restarted.state == "received" and restarted.due_on == date(2025, 11, 10)

    second = _staff_intake(world)
    clock.set(_at(2025, 10, 13, 9))
    svc.request_clarification(app, world.admin, second.id, "内容不明确", answer_by="2025-10-17")
    with pytest.raises(Conflict):
        svc.abandon(app, world.admin, second.id)  # the applicant still has time
    clock.set(_at(2025, 10, 20))
    assert svc.abandon_expired(app) == [second.id]
    closed = svc.get_application(app, world.admin, second.id)
    assert (closed.state, closed.outcome, closed.outcome_reason) == ("abandoned", "other", 1)


def test_clarification_after_seven_working_days_is_refused(world: World, clock) -> None:
    application = _staff_intake(world)
    clock.set(_at(2025, 10, 14))
    with pytest.raises(Conflict):
        svc.request_clarification(world.app, world.admin, application.id, "太晚了")


def test_extension_needs_the_office_head_and_notifies(world: World, clock) -> None:
    application = _staff_intake(world)
    clock.set(_at(2025, 10, 20))
    with pytest.raises(Forbidden):
        svc.extend(world.app, world.admin, application.id, 15, "情况复杂")
    with pytest.raises(ValidationFailed):
        svc.extend(world.app, _head(world), application.id, 16, "超过上限")
    extended = svc.extend(world.app, world.actor("head"), application.id, 15, "情况复杂")
    assert extended.due_on == date(2025, 11, 13)
    assert [n.kind for n in svc.get_application(world.app, world.admin, application.id).notices] == ["extension"]
    with pytest.raises(Conflict):
        svc.extend(world.app, world.actor("head"), application.id, 1, "再延一次")


def test_reply_goes_through_review_and_stays_out_of_the_directory(world: World, clock) -> None:
    app = world.app
    application = _staff_intake(world)
    svc.assign(app, world.admin, application.id, "xsc")
    with pytest.raises(ValidationFailed):
        svc.prepare_reply(app, world.drafter, application.id, "withheld")  # reason missing
    item = svc.prepare_reply(app, world.drafter, application.id, "withheld", 4)
    assert "可以向学校主管教育行政部门提出申诉" in item.body and "保护第三方合法权益" in item.body
    assert "行政复议" not in item.body and "行政诉讼" not in item.body
    assert f"受理编号：{application.tracking_no}" in item.body and "第十五条" in item.body
    assert item.title == f"信息公开申请答复书（{application.tracking_no}）"
    item_service.submit(app, world.drafter, item.id)
    item_service.pass_review(app, world.reviewer, item.id, checklist=CLEAR)
    with pytest.raises(Forbidden):  # separation of duties holds for replies too
        item_service.approve(app, world.reviewer, item.id)
    item_service.approve(app, world.approver, item.id)
    replied = svc.get_application(app, world.admin, application.id)
    assert replied.state == "replied" and replied.closed_on == date(2025, 9, 26)
    assert item_service.get_item(app, world.admin, item.id).state == "archived"
    assert queries.public_items(app).total == 0
    with pytest.raises(NotFound):
        item_service.get_item(app, world.other_drafter, item.id)


def test_public_submit_track_and_rate_limit(world: World) -> None:
    app = world.app
    application = svc.submit_public(app, {**INTAKE, "contact": "138 0000 0000"}, "203.0.113.9", identity=ID)
    assert application.channel == "online" and application.tracking_no.startswith("2025")
    status = svc.track(app, application.tracking_no.lower(), "13800000000", "203.0.113.9")
    assert status["due_on"] == "2025-10-23" and "name" not in status
    with pytest.raises(NotFound):
        svc.track(app, application.tracking_no, "13900000000", "203.0.113.9")
    for _ in range(4):
        svc.submit_public(app, INTAKE, "203.0.113.9", identity=ID)
    with pytest.raises(RateLimited):
        svc.submit_public(app, INTAKE, "203.0.113.9", identity=ID)
    svc.submit_public(app, INTAKE, "198.51.100.1", identity=ID)  # another client is not affected


def test_year_stats_fees_and_remedies(world: World, clock) -> None:
    app = world.app
    open_one = _staff_intake(world, applicant_kind="business")
    second = _staff_intake(world)
    clock.set(_at(2025, 9, 29))
    svc.request_clarification(app, world.admin, second.id, "请补正", answer_by="2025-10-09")
    clock.set(_at(2025, 10, 10))
    svc.abandon(app, world.admin, second.id)
    svc.record_fee(app, world.admin, open_one.id, charged="12.50", waived="0")
    case = svc.register_remedy(app, world.admin, {"kind": "reconsideration", "application_id": open_one.id,
                                                  "filed_on": "2025-10-10"})
    svc.decide_remedy(app, world.admin, case.id, "maintained")
    svc.register_remedy(app, world.admin, {"kind": "report", "filed_on": "2025-10-10"})
    figures = svc.year_stats(app, "2025-2026")
    # 视为放弃 is a result of table 3 (其他处理 / 逾期不补正) but no reply: not counted as 已答复 (issue 12)
    assert (figures.received, figures.carried_over, figures.replied, figures.carried_forward) == (2, 0, 0, 1)
    assert figures.by_outcome["other"].count == 1 and figures.by_outcome["other"].reasons[1] == 1
    assert figures.fees == FeeFigures(Decimal("12.50"), Decimal("0.00"), 1)
    assert figures.remedies.total("reconsideration") == 1 and figures.remedies.total("report") == 1
    assert figures.remedies.by_kind["reconsideration"]["maintained"] == 1
    assert figures.check_ok
    assert svc.year_stats(app, "2026-2027").carried_over == 1


def test_calendar_override_redates_open_applications(world: World, clock) -> None:
    from datetime import date

    from workflow.calendar.admin import remove_override, set_override
    app = world.app
    clock.set(_at(2025, 9, 26))
    application = _staff_intake(world)
    assert application.due_on == date(2025, 10, 23)
    set_override(app, world.admin, date(2025, 10, 13), "rest", "校庆放假")
    assert svc.get_application(app, world.admin, application.id).due_on == date(2025, 10, 24)
    remove_override(app, world.admin, date(2025, 10, 13))
    assert svc.get_application(app, world.admin, application.id).due_on == date(2025, 10, 23)


def test_a_college_without_extensions_gets_a_clear_refusal(world: World, clock) -> None:
    """The extension is local practice (docs/applications.md): extension_workdays = 0 switches it off."""
    world.app.settings = world.app.settings.with_overrides({"applications": {"extension_workdays": 0}})
    application = _staff_intake(world)
    clock.set(_at(2025, 10, 20))
    due_before = svc.get_application(world.app, world.admin, application.id).due_on
    with pytest.raises(Conflict) as refused:
        svc.extend(world.app, _head(world), application.id, 5, "情况复杂")
    assert refused.value.code == "extension_disabled"
    assert svc.get_application(world.app, world.admin, application.id).due_on == due_before


def _late_clarification(world: World, clock):
    application = _staff_intake(world)
    clock.set(_at(2025, 10, 13, 9))
    svc.request_clarification(world.app, world.admin, application.id, "内容不明确", answer_by="2025-10-17")
    clock.set(_at(2025, 10, 20))
    return application


def test_a_late_supplement_is_accepted_only_with_a_recorded_good_reason(world: World, clock) -> None:
    """条例 Art. 30: after the 补正 deadline the supplement counts only with the applicant's 正当理由."""
    app, application = world.app, _late_clarification(world, clock)
    with pytest.raises(Conflict) as refused:
        svc.record_supplement(app, world.admin, application.id)
    assert refused.value.code == "clarify_expired"
    assert svc.get_application(app, world.admin, application.id).state == "clarifying"
    accepted = svc.transition(app, world.admin, application.id, "supplement",
                              {"late_reason": "申请人住院，出具了医院证明"})
    assert accepted.state == "received" and accepted.due_on == date(2025, 11, 10)
    [event] = [e for e in svc.history(app, world.admin, application.id) if e["trigger"] == "clock_restart"]
    assert event["data"]["late_reason"] == "申请人住院，出具了医院证明"
    assert svc.abandon_expired(app) == []


def test_a_good_reason_recorded_before_the_supplement_keeps_the_sweep_away(world: World, clock) -> None:
    """视为放弃 is automatic only when no reason is recorded: ``excuse`` sets a new deadline with the reason."""
    app, application = world.app, _late_clarification(world, clock)
    excused = svc.transition(app, world.admin, application.id, "excuse",
                             {"reason": "申请人出差，已来电说明", "answer_by": "2025-10-31"})
    assert excused.state == "clarifying" and excused.clarify_by == date(2025, 10, 31)
    assert svc.abandon_expired(app) == []
    with pytest.raises(ValidationFailed):
        svc.transition(app, world.admin, application.id, "excuse", {"reason": "  "})
    clock.set(_at(2025, 11, 3))
    assert svc.abandon_expired(app) == [application.id]
