"""Phase 2 over the API: the item JSON's ``route`` and the refusals a voter sees."""
from __future__ import annotations

from tests.conftest import CLEAR, World, item_payload
from workflow.services import routes as route_service
from workflow.services.users import add_department, add_user

STEPS = [{"stage": "secrecy_review", "name": "部门负责人审核", "role": "reviewer", "quorum": "any"},
         {"stage": "secrecy_review", "name": "保密办复审", "role": "reviewer", "quorum": "any", "department": "bmb"},
         {"stage": "approval", "name": "审批", "role": "approver", "quorum": "any"}]


def _fire(api, user: str, item_id: int, trigger: str, **fields):
    return api(user).post(f"/api/v1/items/{item_id}/transitions", json={"trigger": trigger, **fields})


def test_route_in_the_item_json_follows_the_votes(api, world: World) -> None:
    add_department(world.app, "bmb", "保密办")
    add_user(world.app, "bmb1", roles=["reviewer"], departments=["bmb"], password="password-123",
             email="bmb1@example.edu.cn")
    route_service.create_route(world.app, world.admin, {"name": "学生处路线", "departments": ["xsc"], "steps": STEPS})
    item = api("drafter").post("/api/v1/items", json=item_payload()).get_json()
    assert [s["status"] for s in item["route"]["steps"]] == ["pending", "pending"]  # not submitted: default
    submitted = _fire(api, "drafter", item["id"], "submit").get_json()
    assert submitted["route"]["name"] == "学生处路线"
    assert [s["status"] for s in submitted["route"]["steps"]] == ["active", "pending", "pending"]
    first = _fire(api, "reviewer", item["id"], "pass_review", checklist=CLEAR)
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["state"] == "secrecy_review"
    steps = body["route"]["steps"]
    assert [s["status"] for s in steps] == ["done", "active", "pending"]
    assert steps[0]["votes"][0]["user"] == "reviewer" and steps[0]["votes"][0]["decision"] == "pass_review"
    assert steps[0]["votes"][0]["opinion"] is None and steps[0]["needed"] == 1 and steps[0]["quorum"] == "any"
    again = _fire(api, "reviewer", item["id"], "pass_review", checklist=CLEAR)
    assert again.status_code == 403 and again.get_json()["error"] == "not_a_step_decider"
    passed = _fire(api, "bmb1", item["id"], "pass_review", checklist=CLEAR).get_json()
    assert passed["state"] == "approval"
    assert [s["status"] for s in passed["route"]["steps"]] == ["done", "done", "active"]


def test_default_route_in_the_item_json(api, world: World) -> None:
    item = api("drafter").post("/api/v1/items", json=item_payload()).get_json()
    _fire(api, "drafter", item["id"], "submit")
    body = _fire(api, "reviewer", item["id"], "pass_review", checklist=CLEAR).get_json()
    assert body["route"]["name"] == "默认路线"
    review, approval = body["route"]["steps"]
    assert (review["status"], approval["status"]) == ("done", "active")
    assert [v["user"] for v in review["votes"]] == ["reviewer"]


def test_unreachable_route_refuses_the_submission_over_the_api(api, world: World) -> None:
    route_service.create_route(world.app, world.admin, {"name": "全体", "departments": ["xsc"], "steps": [
        {"stage": "secrecy_review", "name": "全体审核", "role": "reviewer", "quorum": "all"},
        {"stage": "approval", "name": "审批", "role": "approver", "quorum": "any"}]})
    item = api("all_rounder").post("/api/v1/items", json=item_payload()).get_json()
    refused = _fire(api, "all_rounder", item["id"], "submit")
    assert refused.status_code == 422
    error = refused.get_json()
    assert error["error"] == "route_unreachable" and "全体审核" in error["message"]
    assert api("all_rounder").get(f"/api/v1/items/{item['id']}").get_json()["state"] == "draft"


def test_the_item_page_shows_the_route_as_a_progress_line(as_user, world: World) -> None:
    from workflow.services import items as svc
    route_service.create_route(world.app, world.admin, {"name": "两级审核", "departments": ["xsc"], "steps": [
        {"stage": "secrecy_review", "name": "部门负责人审核", "role": "reviewer", "quorum": "any"},
        {"stage": "secrecy_review", "name": "分管领导复核", "role": "reviewer", "quorum": "any"},
        {"stage": "approval", "name": "审批", "role": "approver", "quorum": "any"}]})
    item = svc.create_item(world.app, world.drafter, item_payload())
    svc.submit(world.app, world.drafter, item.id)
    svc.pass_review(world.app, world.reviewer, item.id, checklist=CLEAR)
    page = as_user("drafter").get(f"/items/{item.id}").get_data(as_text=True)
    assert "审批路线：两级审核" in page
    assert "route-step route-done" in page and "route-step route-active" in page and "route-pending" in page
    assert "需 1 人决定，已有 1 人" in page and "审查通过" in page


def test_holders_follow_the_active_step_in_json_and_on_the_page(api, as_user, world: World) -> None:
    add_department(world.app, "bmb", "保密办")
    add_user(world.app, "bmb1", roles=["reviewer"], departments=["bmb"], password="password-123",
             email="bmb1@example.edu.cn", display_name="保密办王老师")
    route_service.create_route(world.app, world.admin, {"name": "学生处路线", "departments": ["xsc"], "steps": STEPS})
    item = api("drafter").post("/api/v1/items", json=item_payload()).get_json()
    assert [h["username"] for h in item["holders"]] == ["drafter"]  # a draft is its author's
    submitted = _fire(api, "drafter", item["id"], "submit").get_json()
    assert {h["username"] for h in submitted["holders"]} == {"reviewer", "all_rounder"}
    passed = _fire(api, "reviewer", item["id"], "pass_review", checklist=CLEAR).get_json()
    assert passed["holders"] == [{"username": "bmb1", "name": "保密办王老师"}]
    # the 保密办's reviewer decides a step: they see the item as its department does, holders included
    as_bmb = api("bmb1").get(f"/api/v1/items/{item['id']}").get_json()
    assert as_bmb["holders"] == [{"username": "bmb1", "name": "保密办王老师"}] and as_bmb["route"]
    assert api("other_reviewer").get(f"/api/v1/items/{item['id']}").status_code == 404
    page = as_user("bmb1").get(f"/items/{item['id']}").get_data(as_text=True)
    assert "当前处理人" in page and "保密办王老师" in page and "审查通过" in page
