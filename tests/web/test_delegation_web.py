"""委托 and 转办 over the API and on the pages, on both databases: every route × role, hostile input, 乙 代 甲 shown."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import AuditEvent
from db.models.delegations import Delegation
from tests.conftest import CLEAR, World, item_payload
from workflow.services import delegations
from workflow.services import items as svc
from workflow.services import routes as route_service
from workflow.services.users import add_user

WEEK = {"delegate": "other_reviewer", "starts_on": "2025-09-26", "ends_on": "2025-10-02"}


def _call(api, user: str | None, method: str, path: str, body: Any = None, **kw: Any):
    caller = api(user)
    return getattr(caller.client, method)(path, json=body, headers={**caller.headers, **kw.pop("headers", {})}, **kw)


def _submitted(world: World) -> int:
    item = svc.create_item(world.app, world.drafter, item_payload())
    svc.submit(world.app, world.drafter, item.id)
    return item.id


def _count(world: World) -> int:
    with world.app.db.read() as session:
        return session.scalar(select(func.count()).select_from(Delegation)) or 0


def test_own_delegation_set_read_end(api, world: World) -> None:
    assert _call(api, "reviewer", "get", "/api/v1/me/delegation").status_code == 404
    put = _call(api, "reviewer", "put", "/api/v1/me/delegation", WEEK)
    assert put.status_code == 200, put.get_json()
    body = put.get_json()
    assert body["delegate"] == {"username": "other_reviewer", "name": "other_reviewer"} and body["active"] is True
    got = _call(api, "reviewer", "get", "/api/v1/me/delegation").get_json()
    assert got["id"] == body["id"] and got["ends_on"] == "2025-10-02"
    ended = _call(api, "reviewer", "delete", "/api/v1/me/delegation")
    assert ended.status_code == 200 and ended.get_json()["ended_at"]
    assert _call(api, "reviewer", "delete", "/api/v1/me/delegation").status_code == 404
    assert _count(world) == 1


def test_routes_by_role(api, client, world: World) -> None:
    for method in ("get", "put", "delete"):
        assert getattr(client, method)("/api/v1/me/delegation", json=WEEK).status_code == 401
        assert getattr(client, method)("/api/v1/users/reviewer/delegation", json=WEEK).status_code == 401
        assert _call(api, "drafter", method, "/api/v1/users/reviewer/delegation", WEEK).status_code == 403
    assert _call(api, "drafter", "get", "/api/v1/delegations").status_code == 403
    assert client.get("/api/v1/delegations").status_code == 401
    assert _call(api, "admin", "put", "/api/v1/users/nobody/delegation", WEEK).status_code == 404
    assert _call(api, "admin", "put", "/api/v1/users/reviewer/delegation", WEEK).status_code == 200
    listed = _call(api, "admin", "get", "/api/v1/delegations").get_json()
    assert [d["user"]["username"] for d in listed] == ["reviewer"]
    assert _call(api, "admin", "get", "/api/v1/users/reviewer/delegation").get_json()["delegate"]["username"] == \
        "other_reviewer"
    assert _call(api, "admin", "delete", "/api/v1/users/reviewer/delegation").status_code == 200


@pytest.mark.parametrize("body", [
    {"delegate": "reviewer", "starts_on": "2025-09-26", "ends_on": "2025-09-30"},
    {"delegate": "other_reviewer", "starts_on": "2025-09-26", "ends_on": "99999-01-01"},
    {"delegate": "other_reviewer", "starts_on": "0001-01-01", "ends_on": "2025-09-30"},
    {"delegate": "other_reviewer", "starts_on": True, "ends_on": "2025-09-30"},
    {"delegate": 12, "starts_on": "2025-09-26", "ends_on": "2025-09-30"},
    {"delegate": "other\u0007reviewer", "starts_on": "2025-09-26", "ends_on": "2025-09-30"},
    {"delegate": "x" * 10000, "starts_on": "2025-09-26", "ends_on": "2025-09-30"},
    {"delegate": "other_reviewer", "starts_on": "2025-09-26\n", "ends_on": "2025-09-30\x00"},
    {"delegate": "other_reviewer", "starts_on": "2025-09-26", "ends_on": "2025-09-30", "role": "admin"},
    [], "string",
])
def test_hostile_delegations_are_4xx_and_change_nothing(api, world: World, body: Any) -> None:
    response = _call(api, "reviewer", "put", "/api/v1/me/delegation", body)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert response.get_json()["message"]
    assert _count(world) == 0


def test_refusals_speak_english_on_request(api, world: World) -> None:
    response = _call(api, "reviewer", "put", "/api/v1/me/delegation",
                     {"delegate": "reviewer", "starts_on": "2025-09-26", "ends_on": "2025-09-30"},
                     headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.get_json()["message"] == "You cannot delegate to yourself"


def test_the_delegate_passes_the_task_over_the_api(api, world: World) -> None:
    item_id = _submitted(world)
    assert _call(api, "other_reviewer", "get", "/api/v1/tasks").get_json()["total"] == 0
    _call(api, "reviewer", "put", "/api/v1/me/delegation", WEEK)
    tasks = _call(api, "other_reviewer", "get", "/api/v1/tasks").get_json()
    assert [row["id"] for row in tasks["items"]] == [item_id]
    assert tasks["items"][0]["on_behalf_of"] == {"username": "reviewer", "name": "reviewer"}
    assert _call(api, "reviewer", "get", "/api/v1/tasks").get_json()["items"][0]["on_behalf_of"] is None
    bad = _call(api, "other_reviewer", "post", f"/api/v1/items/{item_id}/transitions",
                {"trigger": "pass_review", "checklist": CLEAR, "on_behalf_of": ["reviewer"]})
    assert bad.status_code == 422
    wrong = _call(api, "other_reviewer", "post", f"/api/v1/items/{item_id}/transitions",
                  {"trigger": "pass_review", "checklist": CLEAR, "on_behalf_of": "approver"})
    assert wrong.status_code == 403 and wrong.get_json()["error"] == "not_a_delegate"
    done = _call(api, "other_reviewer", "post", f"/api/v1/items/{item_id}/transitions",
                 {"trigger": "pass_review", "checklist": CLEAR, "on_behalf_of": "reviewer"})
    assert done.status_code == 200, done.get_json()
    history = _call(api, "admin", "get", f"/api/v1/items/{item_id}/history").get_json()
    assert (history[-1]["actor"], history[-1]["on_behalf_of"], history[-1]["acted_by"]) == \
        ("other_reviewer", "reviewer", "other_reviewer")
    assert history[0]["on_behalf_of"] is None and history[0]["acted_by"] is None
    votes = done.get_json()["route"]["steps"][0]["votes"]
    assert (votes[0]["user"], votes[0]["acted_by"]) == ("reviewer", "other_reviewer")


def test_pages_show_the_delegation(as_user, world: World) -> None:
    item_id = _submitted(world)
    reviewer = as_user("reviewer")
    page = reviewer.get("/settings").get_data(as_text=True)
    assert 'id="delegation-form"' in page and 'value="other_reviewer"' in page
    refused = reviewer.post("/settings/delegation", data={"delegate": "reviewer", "starts_on": "2025-09-26",
                                                          "ends_on": "2025-09-30"})
    assert refused.status_code == 422 and "不能委托给自己" in refused.get_data(as_text=True)
    assert reviewer.post("/settings/delegation", data=WEEK).status_code == 302
    assert "生效中" in reviewer.get("/settings").get_data(as_text=True)
    delegate = as_user("other_reviewer")
    tasks = delegate.get("/").get_data(as_text=True)
    assert "代 reviewer" in tasks and f"item-row-{item_id}" in tasks
    item_page = delegate.get(f"/items/{item_id}").get_data(as_text=True)
    assert "（代 reviewer）" in item_page and 'name="on_behalf_of" value="reviewer"' in item_page
    form = {f"q_{key}": "no" for key in CLEAR} | {"on_behalf_of": "reviewer", "opinion": "同意公开"}
    assert delegate.post(f"/items/{item_id}/do/pass_review", data=form).status_code == 302
    shown = as_user("admin").get(f"/items/{item_id}").get_data(as_text=True)
    assert "other_reviewer 代 reviewer" in shown
    record = as_user("admin").get(f"/items/{item_id}/record").get_data(as_text=True)
    assert "other_reviewer 代 reviewer" in record
    assert reviewer.post("/settings/delegation/end").status_code == 302
    assert "代 reviewer" not in delegate.get("/").get_data(as_text=True)


def test_admin_delegations_page(as_user, world: World) -> None:
    assert as_user("reviewer").get("/admin/delegations").status_code == 403
    assert as_user(None).get("/admin/delegations").status_code in (302, 401)
    admin = as_user("admin")
    assert admin.post("/admin/delegations", data={"user": "reviewer", **WEEK}).status_code == 302
    page = admin.get("/admin/delegations").get_data(as_text=True)
    assert 'id="delegation-reviewer"' in page
    assert as_user("reviewer").post("/admin/delegations/reviewer/end").status_code == 403
    assert admin.post("/admin/delegations/reviewer/end").status_code == 302
    assert 'id="delegation-reviewer"' not in admin.get("/admin/delegations").get_data(as_text=True)


@pytest.fixture
def leaders(world: World) -> int:
    """An item at a 会签 step naming approver and approver2 (approver3 may take a vote over)."""
    for name in ("approver2", "approver3"):
        add_user(world.app, name, roles=["approver"], departments=["xsc"], password="password-123")
    route_service.create_route(world.app, world.admin, {"name": "会签路线", "departments": ["xsc"], "steps": [
        {"stage": "secrecy_review", "name": "部门审核", "role": "reviewer", "quorum": "any"},
        {"stage": "approval", "name": "校领导会签", "role": "approver", "quorum": "all",
         "users": ["approver", "approver2"]}]})
    item_id = _submitted(world)
    svc.transition(world.app, world.reviewer, item_id, "pass_review", {"checklist": CLEAR})
    return item_id


def test_reassign_over_the_api(api, client, world: World, leaders: int) -> None:
    path = f"/api/v1/items/{leaders}/reassign"
    body = {"from": "approver", "to": "approver3", "reason": "出差"}
    assert client.post(path, json=body).status_code == 401
    assert _call(api, "approver", "post", path, body).status_code == 403
    assert _call(api, "other_drafter", "post", path, body).status_code == 403
    assert _call(api, "admin", "post", "/api/v1/items/999999/reassign", body).status_code == 404
    for hostile in ({"from": "approver", "to": "approver3"}, {"from": 1, "to": "approver3", "reason": "x"},
                    {**body, "reason": "x" * 501}, {**body, "to": "approver3\x00"}, [], {**body, "extra": True}):
        response = _call(api, "admin", "post", path, hostile)
        assert 400 <= response.status_code < 500, hostile
    assert _call(api, "admin", "post", path, {**body, "to": "drafter"}).status_code == 422
    assert _call(api, "admin", "post", path, {**body, "from": "approver3"}).status_code == 409
    moved = _call(api, "admin", "post", path, body)
    assert moved.status_code == 200, moved.get_json()
    assert sorted(h["username"] for h in moved.get_json()["holders"]) == ["approver2", "approver3"]
    with world.app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "reassign")) == 1


def test_reassign_needs_a_named_step(api, world: World) -> None:
    item_id = _submitted(world)
    response = _call(api, "admin", "post", f"/api/v1/items/{item_id}/reassign",
                     {"from": "reviewer", "to": "all_rounder", "reason": "请假"})
    assert response.status_code == 409 and response.get_json()["error"] == "reassign_not_applicable"
    assert "转办只适用于" in response.get_json()["message"]


def test_reassign_from_the_item_page(as_user, world: World, leaders: int) -> None:
    admin = as_user("admin")
    page = admin.get(f"/items/{leaders}").get_data(as_text=True)
    assert 'id="reassign-form"' in page and 'value="approver3"' in page
    assert 'id="reassign-form"' not in as_user("reviewer").get(f"/items/{leaders}").get_data(as_text=True)
    refused = admin.post(f"/items/{leaders}/reassign", data={"from": "approver", "to": "approver3", "reason": ""})
    assert refused.status_code == 422
    assert admin.post(f"/items/{leaders}/reassign", data={"from": "approver", "to": "approver3",
                                                          "reason": "出差"}).status_code == 302
    shown = admin.get(f"/items/{leaders}").get_data(as_text=True)
    assert "approver3" in shown.split('id="holders"')[1][:300]
    assert as_user("approver").post(f"/items/{leaders}/reassign", data={"from": "approver2", "to": "approver",
                                                                       "reason": "x"}).status_code == 403


def test_a_delegate_approves_with_the_confirmation(as_user, world: World) -> None:
    item_id = _submitted(world)
    svc.transition(world.app, world.reviewer, item_id, "pass_review", {"checklist": CLEAR})
    delegations.set_delegation(world.app, world.approver, WEEK)
    delegate = as_user("other_reviewer")
    page = delegate.get(f"/items/{item_id}").get_data(as_text=True)
    assert "（代 approver）" in page
    confirm = delegate.post(f"/items/{item_id}/do/approve", data={"on_behalf_of": "approver"})
    assert confirm.status_code == 200 and 'name="on_behalf_of"' in confirm.get_data(as_text=True)
    done = delegate.post(f"/items/{item_id}/do/approve", data={"on_behalf_of": "approver", "confirmed": "1"})
    assert done.status_code == 302
    assert svc.get_item(world.app, world.admin, item_id).state == "published"
