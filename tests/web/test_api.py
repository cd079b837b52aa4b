"""HTTP API v1: contract shapes, status codes, scoping, bad input — on both databases."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import AuditEvent, Item
from tests.conftest import CLEAR, item_payload


def _counts(world) -> tuple[int, int]:
    with world.app.db.read() as session:
        return (session.scalar(select(func.count(Item.id))), session.scalar(select(func.count(AuditEvent.id))))


def test_whole_cycle_over_http(api, world) -> None:
    created = api("drafter").post("/api/v1/items", json=item_payload())
    assert created.status_code == 201, created.json
    item = created.json
    for key in ("id", "title", "body", "department", "catalog_code", "channels", "formed_on", "publish_deadline",
                "deadline_estimated", "state", "stage_due", "overdue", "version", "revision", "author",
                "submitted_by", "publish_at", "published_at", "display_until", "supersedes"):
        assert key in item
    assert item["publish_deadline"] == "2025-10-30" and item["state"] == "draft"
    path = f"/api/v1/items/{item['id']}/transitions"
    assert api("drafter").post(path, json={"trigger": "submit"}).json["state"] == "secrecy_review"
    tasks = api("reviewer").get("/api/v1/tasks").json
    assert [t["id"] for t in tasks["items"]] == [item["id"]]
    assert api("reviewer").post(path, json={"trigger": "pass_review", "checklist": CLEAR}).json["state"] == "approval"
    approved = api("approver").post(path, json={"trigger": "approve"})
    assert approved.status_code == 200 and approved.json["state"] == "published"
    public = api(None).get("/api/v1/public/items").json
    assert [p["id"] for p in public["items"]] == [item["id"]]
    history = api("drafter").get(f"/api/v1/items/{item['id']}/history").json
    assert [h["trigger"] for h in history] == ["create", "submit", "pass_review", "approve"]
    assert set(history[0]) >= {"at", "actor", "trigger", "from", "to", "reason", "revision"}


def test_unauthenticated_and_bad_token(api) -> None:
    response = api(None).get("/api/v1/items")
    assert response.status_code == 401 and response.json["error"] == "not_authenticated"
    bad = api(None).get("/api/v1/me", headers={"Authorization": "Bearer gk_nope"})
    assert bad.status_code == 401 and bad.json["message"]


def test_other_department_gets_404_not_a_leak(api) -> None:
    item = api("drafter").post("/api/v1/items", json=item_payload()).json
    response = api("other_drafter").get(f"/api/v1/items/{item['id']}")
    assert response.status_code == 404 and response.json["error"] == "item_not_found"
    assert api("other_drafter").get("/api/v1/items").json["total"] == 0
    assert api("other_drafter").get("/api/v1/departments/xsc/tasks").status_code == 404
    assert api("drafter").get("/api/v1/overdue").status_code == 403


@pytest.mark.parametrize("body, status, code", [
    ({"trigger": "explode"}, 400, "unknown_trigger"),
    ({}, 422, "missing_field"),
    ({"trigger": "return"}, 409, "invalid_state"),
    ({"trigger": "submit", "surprise": 1}, 422, "unknown_field"),
])
def test_bad_transitions_change_nothing(api, world, body, status, code) -> None:
    item = api("drafter").post("/api/v1/items", json=item_payload()).json
    before = _counts(world)
    response = api("drafter").post(f"/api/v1/items/{item['id']}/transitions", json=body)
    assert (response.status_code, response.json["error"]) == (status, code)
    assert response.json["message"]
    assert _counts(world) == before


@pytest.mark.parametrize("raw, content_type, status, code", [
    (b"{not json", "application/json", 400, "malformed_json"),
    (b"[1, 2]", "application/json", 400, "malformed_json"),
    ('{"title": "\xff"}'.encode("latin-1"), "application/json", 400, "bad_encoding"),
])
def test_malformed_bodies(api, world, raw, content_type, status, code) -> None:
    before = _counts(world)
    response = api("drafter").post("/api/v1/items", data=raw, headers={"Content-Type": content_type})
    assert (response.status_code, response.json["error"]) == (status, code)
    assert _counts(world) == before


@pytest.mark.parametrize("field, value, code", [
    ("department", "nope", "unknown_department"),
    ("catalog_code", "999", "unknown_catalog_code"),
    ("channels", ["carrier_pigeon"], "invalid_value"),
    ("channels", "website", "invalid_type"),
    ("formed_on", "2025-13-45", "invalid_value"),
    ("title", 42, "invalid_type"),
    ("title", "", "missing_field"),
    ("title", "长" * 201, "too_long"),
])
def test_invalid_fields_are_422(api, world, field, value, code) -> None:
    before = _counts(world)
    response = api("drafter").post("/api/v1/items", json=item_payload(**{field: value}))
    assert response.status_code == 422, response.json
    assert response.json["error"] == code and response.json["field"] == field
    assert _counts(world) == before


def test_oversized_body_is_413(api, world, flask_app) -> None:
    flask_app.config["MAX_CONTENT_LENGTH"] = 1024
    response = api("drafter").post("/api/v1/items", json=item_payload(body="字" * 2000))
    assert response.status_code == 413 and response.json["error"] == "too_large"


def test_patch_only_drafts_and_with_version(api) -> None:
    item = api("drafter").post("/api/v1/items", json=item_payload()).json
    path = f"/api/v1/items/{item['id']}"
    ok = api("drafter").patch(path, json={"title": "新标题", "version": item["version"]})
    assert ok.status_code == 200 and ok.json["title"] == "新标题"
    stale = api("drafter2").patch(path, json={"title": "旧版本上的修改"}, headers={"If-Match": f'"{item["version"]}"'})
    assert stale.status_code == 409 and stale.json["error"] == "stale_version"
    api("drafter").post(f"{path}/transitions", json={"trigger": "submit"})
    locked = api("drafter").patch(path, json={"title": "审查中修改"})
    assert locked.status_code == 409


def test_english_messages_on_request(api) -> None:
    response = api("drafter").post("/api/v1/items?lang=en", json=item_payload(department="nope"))
    assert response.status_code == 422
    assert response.json["message"].startswith("Unknown department")
    chinese = api("drafter").post("/api/v1/items", json=item_payload(department="nope"))
    assert chinese.json["message"].startswith("未知的部门")


def test_openapi_matches_routes(flask_app, api) -> None:
    doc = api(None).get("/api/v1/openapi.json").json
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    routed = set()
    for rule in flask_app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed


def test_department_board_and_catalog(api) -> None:
    item = api("drafter").post("/api/v1/items", json=item_payload()).json
    api("drafter").post(f"/api/v1/items/{item['id']}/transitions", json={"trigger": "submit"})
    board = api("reviewer").get("/api/v1/departments/xsc/tasks").json
    assert board["stages"]["secrecy_review"]["count"] == 1
    catalog = api("drafter").get("/api/v1/catalog").json
    assert len(catalog["categories"]) == 10
    assert sum(len(c["items"]) for c in catalog["categories"]) == 50
    assert {"code": "xsc", "name": "学生处"} in api("drafter").get("/api/v1/departments").json


def test_pagination(api) -> None:
    for n in range(5):
        api("drafter").post("/api/v1/items", json=item_payload(title=f"事项{n}"))
    page = api("drafter").get("/api/v1/items?per_page=2&page=3").json
    assert (page["total"], page["pages"], len(page["items"])) == (5, 3, 1)
    assert api("drafter").get("/api/v1/items?page=0").status_code == 422
    assert api("drafter").get("/api/v1/items?state=nonsense").status_code == 422


def test_checklist_tells_clients_the_questions_what_blocks_and_what_is_required(api) -> None:
    """GET /api/v1/checklist is what a pass_review must answer: a client built from it passes a clear
    item, is refused on a blocking "yes", and is asked for the legal basis where a "yes" requires it."""
    questions = api("drafter").get("/api/v1/checklist").json
    assert [q["key"] for q in questions if q["required"]] == list(CLEAR)   # the first six, still required
    assert questions[0]["question"] == "是否涉及国家秘密"
    by_key = {q["key"]: q for q in questions}
    assert by_key["state_secret"]["blocks_on"] is True and by_key["personal_info"]["blocks_on"] is None
    assert by_key["personal_info"]["requires"][0]["fields"] == ["legal_basis", "justifications.personal_info.ground"]
    english = api("drafter").get("/api/v1/checklist?lang=en").json
    assert english[0]["question"] != "是否涉及国家秘密" and english[0]["key"] == "state_secret"

    def submitted() -> int:
        item = api("drafter").post("/api/v1/items", json=item_payload()).json
        api("drafter").post(f"/api/v1/items/{item['id']}/transitions", json={"trigger": "submit"})
        return item["id"]

    answers = {q["key"]: False for q in questions}
    blocked = {**answers, **{q["key"]: True for q in questions if q["blocks_on"]}}
    refused = api("reviewer").post(f"/api/v1/items/{submitted()}/transitions",
                                   json={"trigger": "pass_review", "checklist": blocked})
    assert refused.status_code == 422 and refused.json["error"] == "checklist_blocks"
    needing = {q["key"]: True for q in questions if q["requires"]}
    asked = api("reviewer").post(f"/api/v1/items/{submitted()}/transitions",
                                 json={"trigger": "pass_review", "checklist": {**answers, "personal_info": True}})
    assert asked.status_code == 422 and asked.json["field"] == "legal_basis"
    asked = api("reviewer").post(f"/api/v1/items/{submitted()}/transitions",
                                 json={"trigger": "pass_review", "checklist": {**answers, **needing}})
    assert asked.status_code == 422 and asked.json["field"].startswith("justifications.")
    passed = api("reviewer").post(f"/api/v1/items/{submitted()}/transitions",
                                  json={"trigger": "pass_review", "checklist": answers})
    assert passed.status_code == 200 and passed.json["state"] == "approval"
    assert api(None).get("/api/v1/checklist").status_code == 401
