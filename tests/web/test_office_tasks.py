"""The disclosure office's own 我的待办 (issue 15): an admin's task list was always empty; it now shows
what the office must act on, each with a link to where it is done."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import CLEAR, World, item_payload, published_item
from workflow.services import applications
from workflow.services import items as svc

REQUEST = {"applicant_kind": "natural", "name": "李四", "contact": "lisi@example.com",
           "request_text": "请提供2024学年奖学金评定办法", "delivery_form": "email", "channel": "in_person",
           "received_at": "2025-09-26T09:00:00+08:00"}


def _approved(world: World, **fields) -> int:
    return published_item(world, **fields)


def _section(page: str, section_id: str) -> str:
    start = page.index(f'id="{section_id}"')
    return page[start:page.index("</", page.index("<li", start))]


def test_the_office_sees_its_work(as_user, world: World) -> None:
    app = world.app
    scheduled = svc.create_item(app, world.drafter, item_payload(title="定时发布的事项",
                                                                 publish_at="2025-10-20T09:00:00+08:00"))
    svc.submit(app, world.drafter, scheduled.id)
    svc.pass_review(app, world.reviewer, scheduled.id, CLEAR)
    svc.approve(app, world.approver, scheduled.id)
    ended = _approved(world, title="公示已满的名单", display_until="2025-09-28T17:00:00+08:00")
    assert svc.get_item(app, world.admin, ended).state == "published"
    leaked = _approved(world, title="误发的通知")
    svc.take_down(app, world.admin, leaked, reason="含有个人信息", leak="personal_info")
    referred = svc.create_item(app, world.drafter, item_payload(title="转审定的事项"))
    svc.submit(app, world.drafter, referred.id)
    svc.refer(app, world.reviewer, referred.id, question="是否涉密？")
    request = applications.register_application(app, world.admin, REQUEST)
    late = svc.create_item(app, world.drafter, item_payload(title="拖延的草稿"))
    app.clock.set(app.now() + timedelta(days=40))
    page = as_user("admin").get("/").get_data(as_text=True)
    assert 'id="office-tasks"' in page
    assert "定时发布的事项" in page and "计划发布 2025年10月20日 09:00" in page
    assert "公示已满的名单" in _section(page, "office-display-ended")
    assert "误发的通知" in _section(page, "office-incidents")
    assert "转审定的事项" in _section(page, "office-referrals")
    assert request.tracking_no in _section(page, "office-applications")
    assert f'/applications/{request.id}"' in page
    assert "个事项已超过本阶段期限" in page and late.id
    assert "定时发布（1）" in page


def test_others_do_not_see_it_and_an_empty_office_says_so(as_user, world: World) -> None:
    assert 'id="office-tasks"' not in as_user("reviewer").get("/").get_data(as_text=True)
    page = as_user("admin").get("/").get_data(as_text=True)
    assert "目前没有需要办公室处理的事项。" in page


def test_a_missing_holiday_calendar_is_office_work(as_user, world: World) -> None:
    world.app.clock.set(world.app.now().replace(year=2031))          # no holiday data for 2031
    page = as_user("admin").get("/").get_data(as_text=True)
    assert "2031 年的节假日安排尚未导入" in page and "/admin/calendar?year=2031" in page
