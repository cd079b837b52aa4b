"""催办 (issue 14): who may nudge, who is told, once per person per item per working day, audited; over the API
and from the item and overdue pages, on both databases."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from db.models import AuditEvent, Notification, User
from db.models.nudges import Nudge
from tests.conftest import CLEAR, World, item_payload
from workflow.clock import SHANGHAI
from workflow.services import items as svc


def _submitted(world: World) -> int:
    item = svc.create_item(world.app, world.drafter, item_payload())
    svc.submit(world.app, world.drafter, item.id)
    return item.id


def _nudges_of(world: World, username: str) -> list[str]:
    with world.app.db.read() as session:
        return list(session.scalars(select(Notification.body).join(User, User.id == Notification.user_id)
                                    .where(User.username == username, Notification.kind == "nudge")))


def test_submitter_nudges_the_reviewers_once_a_working_day(api, world: World, clock: Any) -> None:
    clock.set(datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI))  # a Friday
    item_id = _submitted(world)
    first = api("drafter").post(f"/api/v1/items/{item_id}/nudge", json={"message": "明天截止，请尽快审查"})
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert {h["username"] for h in body["nudged"]} == {"reviewer", "all_rounder"} and body["already"] == []
    assert any("明天截止" in text for text in _nudges_of(world, "reviewer"))
    again = api("drafter").post(f"/api/v1/items/{item_id}/nudge")
    assert again.status_code == 429
    error = again.get_json()
    assert error["error"] == "already_nudged" and "每人每个工作日只催办一次" in error["message"]
    # Friday's nudge: the next is allowed on the next working day — Sunday 09-28, a make-up working day
    # before National Day 2025 (the calendar's, not the weekday's)
    assert error["details"]["next_allowed_at"].startswith("2025-09-28T00:00")
    clock.set(datetime(2025, 9, 28, 9, 0, tzinfo=SHANGHAI))
    assert api("drafter").post(f"/api/v1/items/{item_id}/nudge").status_code == 201
    assert len(_nudges_of(world, "reviewer")) == 2
    with world.app.db.read() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "nudge")).all()
    assert len(events) == 2 and events[0].data["to"] and events[0].data["message"] == "明天截止，请尽快审查"


def test_only_the_office_and_the_submitter_may_nudge(api, world: World) -> None:
    item_id = _submitted(world)
    assert api("drafter2").post(f"/api/v1/items/{item_id}/nudge").status_code == 403  # same department, not submitter
    assert api("reviewer").post(f"/api/v1/items/{item_id}/nudge").status_code == 403
    assert api("other_drafter").post(f"/api/v1/items/{item_id}/nudge").status_code == 404  # cannot see it
    assert api("admin").post(f"/api/v1/items/{item_id}/nudge").status_code == 201
    with world.app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Nudge)) == 2


def test_hostile_and_pointless_nudges_are_refused_and_change_nothing(api, world: World) -> None:
    item_id = _submitted(world)
    for body, status in (({"message": "x" * 501}, 422), ({"message": ["list"]}, 422), ({"message": "響\x07"}, 422),
                         ({"message": "bad\x00"}, 400)):  # NUL: refused by the request guard, before parsing
        assert api("drafter").post(f"/api/v1/items/{item_id}/nudge", json=body).status_code == status, body
    svc.pass_review(world.app, world.reviewer, item_id, checklist=CLEAR)
    svc.approve(world.app, world.approver, item_id)
    published = api("admin").post(f"/api/v1/items/{item_id}/nudge")
    assert published.status_code == 409 and published.get_json()["error"] == "nobody_to_nudge"
    with world.app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Nudge)) == 0
    assert api("admin").post("/api/v1/items/999999/nudge").status_code == 404


def test_the_office_nudges_every_overdue_item_of_a_department(api, world: World, clock: Any) -> None:
    clock.set(datetime(2025, 11, 3, 10, 0, tzinfo=SHANGHAI))
    late = [_submitted(world) for _ in range(2)]
    clock.set(datetime(2025, 11, 12, 10, 0, tzinfo=SHANGHAI))  # both past their 3 working days
    assert api("reviewer").post("/api/v1/departments/xsc/nudge").status_code == 403
    done = api("admin").post("/api/v1/departments/xsc/nudge", json={"message": "请本周内完成"})
    assert done.status_code == 201
    body = done.get_json()
    assert sorted(r["item"] for r in body["items"]) == sorted(late) and body["nudged"] == 4
    again = api("admin").post("/api/v1/departments/xsc/nudge").get_json()
    assert again["nudged"] == 0 and all(len(r["already"]) == 2 for r in again["items"])
    assert api("admin").post("/api/v1/departments/nope/nudge").status_code == 404


def test_nudge_from_the_item_page_and_the_overdue_page(as_user, world: World, clock: Any) -> None:
    clock.set(datetime(2025, 11, 3, 10, 0, tzinfo=SHANGHAI))
    item_id = _submitted(world)
    drafter = as_user("drafter")
    page = drafter.get(f"/items/{item_id}").get_data(as_text=True)
    assert 'id="nudge"' in page and "发送催办" in page
    assert 'id="nudge"' not in as_user("drafter2").get(f"/items/{item_id}").get_data(as_text=True)
    sent = drafter.post(f"/items/{item_id}/nudge", data={"message": "请尽快"}, follow_redirects=True)
    assert sent.status_code == 200 and "已催办" in sent.get_data(as_text=True)
    refused = drafter.post(f"/items/{item_id}/nudge", data={"message": ""})
    assert refused.status_code == 429 and "下次可催办时间" in refused.get_data(as_text=True)
    clock.set(datetime(2025, 11, 12, 10, 0, tzinfo=SHANGHAI))
    admin = as_user("admin")
    overdue = admin.get("/admin/overdue").get_data(as_text=True)
    assert f'id="nudge-item-{item_id}"' in overdue and 'id="nudge-dept-xsc"' in overdue
    done = admin.post("/admin/overdue/departments/xsc/nudge", data={}, follow_redirects=True)
    assert done.status_code == 200 and "已催办 1 个事项的 2 人次" in done.get_data(as_text=True)
    assert as_user("reviewer").post("/admin/overdue/departments/xsc/nudge", data={}).status_code == 403
