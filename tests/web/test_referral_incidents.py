"""Referral and leak incidents over HTTP: the transitions, the report endpoint (admin, once), the incident
list, and the item page's forms (UI)."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from db.models import AuditEvent
from db.models.referrals import Incident, Referral
from tests.conftest import CLEAR, World, item_payload
from workflow.clock import SHANGHAI
from workflow.services import items as svc

QUESTION = "附件中的实验室设备清单是否属于国家秘密？"


def _counts(world: World) -> tuple[int, int, int]:
    with world.app.db.read() as session:
        return (session.scalar(select(func.count()).select_from(Referral)),
                session.scalar(select(func.count()).select_from(Incident)),
                session.scalar(select(func.count()).select_from(AuditEvent)))


def _in_review(world: World) -> int:
    item = svc.create_item(world.app, world.drafter, item_payload())
    svc.submit(world.app, world.drafter, item.id)
    return item.id


def _taken_down(world: World) -> tuple[int, int]:
    app = world.app
    item_id = _in_review(world)
    svc.pass_review(app, world.reviewer, item_id, CLEAR)
    svc.approve(app, world.approver, item_id)
    svc.take_down(app, world.admin, item_id, "名单中含身份证号码", leak="personal_info")
    with app.db.read() as session:
        return item_id, session.scalar(select(Incident.id).where(Incident.item_id == item_id))


def test_refer_and_record_over_the_api(api, world) -> None:
    item_id = _in_review(world)
    transitions = f"/api/v1/items/{item_id}/transitions"
    referred = api("reviewer").post(transitions, json={"trigger": "refer", "question": QUESTION})
    assert referred.status_code == 200 and referred.json["state"] == "secrecy_review"
    assert referred.json["stage_due"] is None
    refused = api("all_rounder").post(transitions, json={"trigger": "pass_review", "checklist": CLEAR})
    assert (refused.status_code, refused.json["error"]) == (409, "referral_open")
    assert item_id not in [row["id"] for row in api("reviewer").get("/api/v1/tasks").json["items"]]
    [referral] = api("reviewer").get(f"/api/v1/items/{item_id}/referrals").json
    assert (referral["due_at"], referral["open"], referral["authority"]) == ("2025-10-16T23:59:59+08:00", True,
                                                                             "学校保密办公室")
    assert api("other_reviewer").get(f"/api/v1/items/{item_id}/referrals").status_code == 404
    answered = api("admin").post(transitions, json={"trigger": "record_referral", "determination": "not_secret",
                                                    "answer": "不属于国家秘密", "document_no": "校保密〔2025〕3号"})
    assert answered.status_code == 200 and answered.json["stage_due"] is not None
    passed = api("all_rounder").post(transitions, json={"trigger": "pass_review", "checklist": CLEAR})
    assert passed.status_code == 200 and passed.json["state"] == "approval"


@pytest.mark.parametrize("who, body, status, code", [
    ("reviewer", {"trigger": "refer"}, 422, "question_required"),
    ("reviewer", {"trigger": "refer", "question": 42}, 422, "invalid_type"),
    ("reviewer", {"trigger": "record_referral", "determination": "secret", "answer": "是"}, 409, "no_open_referral"),
    ("drafter2", {"trigger": "refer", "question": QUESTION}, 403, "forbidden"),
    ("other_reviewer", {"trigger": "refer", "question": QUESTION}, 404, "item_not_found"),
])
def test_bad_referrals_change_nothing(api, world, who, body, status, code) -> None:
    item_id = _in_review(world)
    before = _counts(world)
    response = api(who).post(f"/api/v1/items/{item_id}/transitions", json=body)
    assert (response.status_code, response.json["error"]) == (status, code)
    assert response.json["message"] and _counts(world) == before


def test_unknown_determination_is_422(api, world) -> None:
    item_id = _in_review(world)
    svc.refer(world.app, world.reviewer, item_id, QUESTION)
    before = _counts(world)
    response = api("reviewer").post(f"/api/v1/items/{item_id}/transitions", json={
        "trigger": "record_referral", "determination": "unsure", "answer": "?"})
    assert (response.status_code, response.json["error"], response.json["field"]) == (422, "invalid_value",
                                                                                      "determination")
    assert _counts(world) == before


def test_take_down_with_leak_and_the_report_over_the_api(api, world) -> None:
    app = world.app
    item_id = _in_review(world)
    svc.pass_review(app, world.reviewer, item_id, CLEAR)
    svc.approve(app, world.approver, item_id)
    bad = api("admin").post(f"/api/v1/items/{item_id}/transitions",
                            json={"trigger": "take_down", "reason": "泄密", "leak": "gossip"})
    assert (bad.status_code, bad.json["field"]) == (422, "leak")
    down = api("admin").post(f"/api/v1/items/{item_id}/transitions",
                             json={"trigger": "take_down", "reason": "名单含身份证号", "leak": "state_secret"})
    assert down.status_code == 200 and down.json["state"] == "archived"
    [incident] = api("admin").get("/api/v1/incidents").json
    assert (incident["kind"], incident["report_due"], incident["overdue"]) == ("state_secret",
                                                                               "2025-09-27T10:00:00+08:00", False)
    report = f"/api/v1/items/{item_id}/incidents/{incident['id']}/report"
    assert api("reviewer").post(report, json={"reported_to": "市保密局", "text": "已报告"}).status_code == 403
    assert api("drafter").get("/api/v1/incidents").status_code == 403
    assert api("admin").post(report, json={"text": "已报告"}).json["field"] == "reported_to"
    assert api("admin").post(report, json=["x"]).status_code == 400
    assert api("admin").post(f"/api/v1/items/{item_id}/incidents/999/report",
                             json={"reported_to": "市保密局", "text": "已报告"}).status_code == 404
    filed = api("admin").post(report, json={"reported_to": "漳州市国家保密局", "text": "已撤下并报告"})
    assert filed.status_code == 200 and filed.json["reported_to"] == "漳州市国家保密局"
    again = api("admin").post(report, json={"reported_to": "漳州市国家保密局", "text": "再报"})
    assert (again.status_code, again.json["error"]) == (409, "already_reported")
    assert api("admin").get("/api/v1/incidents?open=1").json == []


def test_openapi_documents_the_new_routes_and_inputs(api) -> None:
    document = api(None).get("/api/v1/openapi.json").json
    assert "/api/v1/items/{item_id}/incidents/{incident_id}/report" in document["paths"]
    assert "/api/v1/incidents" in document["paths"]
    text = str(document["components"]["schemas"])
    for name in ("question", "determination", "document_no", "leak"):
        assert name in text


# --------------------------------------------------------------------------- the item page (UI)

def test_the_page_offers_refer_then_shows_the_open_referral(as_user, world) -> None:
    item_id = _in_review(world)
    reviewer = as_user("reviewer")
    page = reviewer.get(f"/items/{item_id}").get_data(as_text=True)
    assert 'id="refer-form"' in page and 'id="refer-question"' in page and 'id="record_referral-form"' not in page
    empty = reviewer.post(f"/items/{item_id}/do/refer", data={"question": ""})
    assert empty.status_code == 422 and "请填写请求审定的问题" in empty.get_data(as_text=True)
    done = reviewer.post(f"/items/{item_id}/do/refer", data={"question": QUESTION, "authority": ""})
    assert done.status_code == 302
    page = reviewer.get(f"/items/{item_id}").get_data(as_text=True)
    assert "等待学校保密办公室审定" in page and QUESTION in page and "剩 10 个工作日" in page
    assert 'id="record_referral-form"' in page and 'id="refer-form"' not in page
    tasks = reviewer.get("/").get_data(as_text=True)
    assert 'id="waiting-authority"' in tasks and f"#{item_id}" in tasks
    refused = as_user("all_rounder").post(f"/items/{item_id}/do/pass_review",
                                          data={f"q_{key}": "no" for key in CLEAR})
    assert refused.status_code == 409 and "须待登记审定结果" in refused.get_data(as_text=True)
    recorded = reviewer.post(f"/items/{item_id}/do/record_referral",
                             data={"determination": "secret", "answer": "属于秘密级", "document_no": ""})
    assert recorded.status_code == 302
    page = reviewer.get(f"/items/{item_id}").get_data(as_text=True)
    assert "属于国家秘密" in page and "属于秘密级" in page and ">secret<" not in page


def test_the_admin_files_the_report_on_the_item_page(as_user, world, clock) -> None:
    item_id, incident_id = _taken_down(world)
    page = as_user("admin").get(f"/items/{item_id}").get_data(as_text=True)
    assert f'id="incident-{incident_id}-form"' in page and "泄露个人信息" in page and "待报告" in page
    clock.set(datetime(2025, 9, 27, 11, 0, tzinfo=SHANGHAI))  # 25 hours later
    admin = as_user("admin")
    assert "报告已超时" in admin.get(f"/items/{item_id}").get_data(as_text=True)
    overdue = admin.get("/admin/overdue").get_data(as_text=True)
    assert f'id="open-incident-{incident_id}"' in overdue and "报告已超时" in overdue
    bad = admin.post(f"/items/{item_id}/incidents/{incident_id}/report", data={"reported_to": "", "text": "已报告"})
    assert bad.status_code == 422 and "请填写报告对象" in bad.get_data(as_text=True)
    assert as_user("reviewer").post(f"/items/{item_id}/incidents/{incident_id}/report",
                                    data={"reported_to": "市保密局", "text": "已报告"}).status_code == 403
    done = admin.post(f"/items/{item_id}/incidents/{incident_id}/report",
                      data={"reported_to": "漳州市国家保密局", "text": "已撤下并报告", "reported_at": "2025-09-27T09:00"})
    assert done.status_code == 302
    page = admin.get(f"/items/{item_id}").get_data(as_text=True)
    assert "已报告" in page and "漳州市国家保密局" in page and f'id="incident-{incident_id}-form"' not in page
    assert f'id="open-incident-{incident_id}"' not in admin.get("/admin/overdue").get_data(as_text=True)


def test_take_down_form_asks_about_a_leak(as_user, world) -> None:
    app = world.app
    item_id = _in_review(world)
    svc.pass_review(app, world.reviewer, item_id, CLEAR)
    svc.approve(app, world.approver, item_id)
    admin = as_user("admin")
    page = admin.get(f"/items/{item_id}").get_data(as_text=True)
    assert 'id="take_down-leak"' in page and "泄露国家秘密" in page
    done = admin.post(f"/items/{item_id}/do/take_down", data={"reason": "泄密", "leak": "work_secret"})
    assert done.status_code == 302
    with app.db.read() as session:
        assert session.scalar(select(Incident.kind).where(Incident.item_id == item_id)) == "work_secret"
