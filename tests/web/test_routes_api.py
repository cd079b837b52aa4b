"""API of review routes: CRUD for admins, 403 for others, 409 on a stale version, 4xx for bad input."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import AuditEvent
from workflow.services.users import add_department, add_user

ZHAOSHENG = {
    "name": "招生类信息", "catalog_codes": ["zsks"], "departments": [],
    "steps": [
        {"stage": "secrecy_review", "name": "部门负责人审核", "role": "reviewer", "quorum": "any"},
        {"stage": "secrecy_review", "name": "保密办复审", "role": "reviewer", "department": "bmb", "quorum": "any"},
        {"stage": "approval", "name": "招生就业处、财务处会签", "role": "approver", "users": ["zs", "cw"],
         "quorum": "all"},
        {"stage": "approval", "name": "分管校领导审批", "role": "approver", "quorum": 1, "workdays": 2},
    ]}


@pytest.fixture
def college(world):
    """The world plus a 保密办 with two reviewers and the 会签 approvers of 招生就业处 and 财务处."""
    app = world.app
    add_department(app, "bmb", "保密办")
    for code, name in (("zsjyc", "招生就业处"), ("cwc", "财务处")):
        add_department(app, code, name)
    for name, roles, scope in (("bm1", ["reviewer"], ["bmb"]), ("bm2", ["reviewer"], ["bmb"]),
                               ("zs", ["approver"], ["zsjyc"]), ("cw", ["approver"], ["cwc"]),
                               ("jwc_approver", ["approver"], ["jwc"])):
        add_user(app, name, roles=roles, departments=scope, password="password-123")
    return world


def _put(api, path, body, **headers):
    caller = api("admin")
    return caller.client.put(path, json=body, headers={**caller.headers, **headers})


def _events(app) -> int:
    with app.db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent))


def test_crud(api, college) -> None:
    admin = api("admin")
    listed = admin.get("/api/v1/routes").get_json()
    assert listed["routes"] == []
    assert [s["role"] for s in listed["default"]["steps"]] == ["reviewer", "approver"]

    created = admin.post("/api/v1/routes", json=ZHAOSHENG)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["version"] == 1 and body["active"] is True and body["updated_by"] == "admin"
    assert [s["quorum"] for s in body["steps"]] == ["any", "any", "all", 1]
    assert body["steps"][1]["department"] == "bmb" and body["steps"][2]["users"] == ["cw", "zs"]
    assert body["steps"][3]["workdays"] == 2 and "department" not in body["steps"][0]
    location = created.headers["Location"]
    assert admin.get(location).get_json() == body

    renamed = {**ZHAOSHENG, "name": "招生考试信息路线", "version": 1}
    updated = _put(api, location, renamed)
    assert updated.status_code == 200, updated.get_json()
    assert updated.get_json()["version"] == 2 and updated.get_json()["name"] == "招生考试信息路线"
    assert [r["name"] for r in admin.get("/api/v1/routes").get_json()["routes"]] == ["招生考试信息路线"]

    off = _put(api, location, {**renamed, "active": False}, **{"If-Match": '"2"'})
    assert off.status_code == 200 and off.get_json()["active"] is False


def test_each_change_is_audited(api, college) -> None:
    before = _events(college.app)
    created = api("admin").post("/api/v1/routes", json=ZHAOSHENG)
    _put(api, created.headers["Location"], {**ZHAOSHENG, "version": 1})
    assert _events(college.app) == before + 2


def test_stale_version_is_409_and_changes_nothing(api, college) -> None:
    location = api("admin").post("/api/v1/routes", json=ZHAOSHENG).headers["Location"]
    assert _put(api, location, {**ZHAOSHENG, "name": "甲", "version": 1}).status_code == 200
    stale = _put(api, location, {**ZHAOSHENG, "name": "乙", "version": 1})
    assert stale.status_code == 409 and stale.get_json()["error"] == "stale_version"
    assert api("admin").get(location).get_json()["name"] == "甲"
    missing = _put(api, location, {**ZHAOSHENG, "name": "乙"})
    assert missing.status_code == 422 and missing.get_json()["field"] == "version"


@pytest.mark.parametrize("caller", ["drafter", "reviewer", "approver"])
def test_non_admins_are_refused(api, college, caller) -> None:
    assert api(caller).get("/api/v1/routes").status_code == 403
    assert api(caller).post("/api/v1/routes", json={"junk": 1}).status_code == 403  # before validation
    location = api("admin").post("/api/v1/routes", json=ZHAOSHENG).headers["Location"]
    assert api(caller).get(location).status_code == 403
    as_caller = api(caller)
    assert as_caller.client.put(location, json={**ZHAOSHENG, "version": 1},
                                headers=as_caller.headers).status_code == 403


def test_session_writes_need_csrf(client, college) -> None:
    import re
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"username": "admin", "password": "password-123",
                                       "csrf_token": token}).status_code == 302
    page = client.get("/admin/departments").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    refused = client.post("/api/v1/routes", json=ZHAOSHENG)
    assert refused.status_code == 403 and refused.get_json()["error"] == "csrf_failed"
    assert client.post("/api/v1/routes", json=ZHAOSHENG, headers={"X-CSRFToken": token}).status_code == 201


def _step(**changes):
    return {"stage": "approval", "name": "审批", "role": "approver", "quorum": "any", **changes}


REVIEW = {"stage": "secrecy_review", "name": "审查", "role": "reviewer", "quorum": "any"}
BAD = {
    "bad quorum": ({"steps": [REVIEW, _step(quorum=0)]}, "invalid_quorum", "steps[1].quorum"),
    "quorum as float": ({"steps": [REVIEW, _step(quorum=1.5)]}, "invalid_quorum", "steps[1].quorum"),
    "unknown role": ({"steps": [REVIEW, _step(role="boss")]}, "unknown_role", "steps[1].role"),
    "unknown stage": ({"steps": [REVIEW, _step(stage="publish")]}, "invalid_stage", "steps[1].stage"),
    "empty steps": ({"steps": []}, "missing_field", "steps"),
    "approval before review": ({"steps": [_step(), REVIEW]}, "stage_order", "steps[1].stage"),
    "no approval step": ({"steps": [REVIEW]}, "stage_without_step", "steps"),
    "unknown department": ({"departments": ["nowhere"]}, "unknown_department", "departments"),
    "unknown step department": ({"steps": [REVIEW, _step(department="nowhere")]}, "unknown_department",
                                "steps[1].department"),
    "unknown user": ({"steps": [REVIEW, _step(users=["ghost"])]}, "unknown_user", "steps[1].users"),
    "user without the role": ({"steps": [REVIEW, _step(users=["drafter"])]}, "user_lacks_role", "steps[1].users"),
    "unknown category": ({"catalog_codes": ["nope"], "departments": []}, "unknown_category", "catalog_codes"),
    "huge list": ({"departments": [f"d{i}" for i in range(201)]}, "too_many", "departments"),
    "too many steps": ({"steps": [REVIEW] * 21}, "too_many", "steps"),
    "unknown field": ({"colour": "red"}, "unknown_field", "colour"),
    "quorum beyond the eligible": ({"steps": [REVIEW, _step(quorum=3)]}, "too_few_eligible", None),
    "no scope": ({"departments": [], "catalog_codes": []}, "route_without_scope", "catalog_codes"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_422_in_chinese_and_saves_nothing(api, college, case) -> None:
    changes, code, field = BAD[case]
    body = {"name": "坏路线", "departments": ["xsc"], "steps": [REVIEW, _step()], **changes}
    response = api("admin").post("/api/v1/routes", json=body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()
    assert error["error"] == code and error.get("field") == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
    assert api("admin").get("/api/v1/routes").get_json()["routes"] == []


def test_unreachable_step_lists_every_problem(api, college) -> None:
    body = {"name": "全体会签", "departments": ["xsc", "jwc"],
            "steps": [REVIEW, _step(quorum="all", users=["approver", "all_rounder", "zs"]), _step(name="终审"),
                      _step(name="再审", department="bmb")]}
    response = api("admin").post("/api/v1/routes", json=body)
    assert response.status_code == 422
    problems = response.get_json()["details"]["problems"]
    # xsc's two approvers both sign the 会签, so nobody is left for 终审; 保密办 has no approver at all
    assert [(p["code"], p["department"], p["step"]) for p in problems] == [
        ("needed_elsewhere", "xsc", 3), ("too_few_eligible", "xsc", 4), ("too_few_eligible", "jwc", 4)]
    assert "“审批”" in problems[0]["message"] and "学生处" in problems[0]["message"]


def test_english(api, college) -> None:
    response = api("admin").post("/api/v1/routes?lang=en", json={"name": "x", "departments": ["xsc"],
                                                                 "steps": [REVIEW, _step(quorum="most")]},
                                 headers={"Accept-Language": "en"})
    assert response.status_code == 422 and "any" in response.get_json()["message"]
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in response.get_json()["message"].replace("任一人", ""))


def test_duplicate_name_is_409(api, college) -> None:
    assert api("admin").post("/api/v1/routes", json=ZHAOSHENG).status_code == 201
    again = api("admin").post("/api/v1/routes", json={**ZHAOSHENG, "catalog_codes": ["cwzc"]})
    assert again.status_code == 409 and again.get_json()["error"] == "route_exists"


def test_tie_is_refused(api, college) -> None:
    assert api("admin").post("/api/v1/routes", json=ZHAOSHENG).status_code == 201
    tie = api("admin").post("/api/v1/routes", json={**ZHAOSHENG, "name": "另一条", "catalog_codes": ["zsks", "cwzc"]})
    assert tie.status_code == 422 and tie.get_json()["error"] == "route_tie"


def test_unknown_route_is_404(api, college) -> None:
    assert api("admin").get("/api/v1/routes/999").status_code == 404
    assert _put(api, "/api/v1/routes/999", {**ZHAOSHENG, "version": 1}).status_code == 404


@pytest.mark.parametrize(("method", "path"), [("put", "/api/v1/routes/0"), ("put", "/api/v1/routes/99999999999"),
                                              ("patch", "/api/v1/items/0")])
def test_an_id_out_of_range_is_404_for_every_method(api, college, method, path) -> None:
    caller = api("admin")
    response = getattr(caller.client, method)(path, json={}, headers=caller.headers)
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    assert caller.client.delete("/api/v1/routes/1", headers=caller.headers).status_code == 405  # a real 405
