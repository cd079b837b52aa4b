"""Requests for disclosure over HTTP: the public form (CSRF on), status lookup, API, stats, extension."""
from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.applications_helpers import id_file
from tests.conftest import CLEAR, World
from workflow.services.users import add_user

FORM = {"applicant_kind": "natural", "name": "李四", "contact": "lisi@example.com",
        "request_text": "请提供2024学年奖学金评定办法", "delivery_form": "email"}
STAFF = {**FORM, "channel": "in_person", "received_at": "2025-09-26T09:00:00+08:00"}


def _token(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


_ADDRESSES = iter(f"198.51.100.{n}" for n in range(1, 255))


def _apply(client: FlaskClient, ip: str | None = None, **fields: str):
    """Post the public form (with an identity document); each call from a fresh address unless ``ip`` is given."""
    return client.post("/public/apply", data={**FORM, **fields, "identity_document": id_file(),
                                              "csrf_token": _token(client, "/public/apply")},
                       environ_base={"REMOTE_ADDR": ip or next(_ADDRESSES)})


def test_public_form_issues_a_tracking_number_and_status_needs_the_contact(client: FlaskClient) -> None:
    assert client.get("/public/apply").status_code == 200
    response = _apply(client)
    assert response.status_code == 201
    number = re.search(r'id="tracking-no"[^>]*>([0-9A-Z]+)<', response.get_data(as_text=True)).group(1)
    assert re.fullmatch(r"2025[2-9A-Z]{12}", number)
    token = _token(client, "/public/apply/status")
    ok = client.post("/public/apply/status", data={"tracking_no": number, "contact": "LiSi@example.com",
                                                   "csrf_token": token})
    assert ok.status_code == 200 and "2025年10月23日" in ok.get_data(as_text=True)
    for tracking, contact in ((number, "other@example.com"), ("2025AAAAAAAAAAAA", "lisi@example.com"), ("", "")):
        wrong = client.post("/public/apply/status", data={"tracking_no": tracking, "contact": contact,
                                                          "csrf_token": token})
        assert wrong.status_code == 404
        assert "未找到与该查询号和联系方式匹配的申请" in wrong.get_data(as_text=True)


def test_public_form_refuses_bad_input_clearly_never_500(client: FlaskClient) -> None:
    empty = _apply(client, name="", contact="", request_text="")
    assert empty.status_code == 422 and "请填写申请人姓名或名称" in empty.get_data(as_text=True)
    bad_contact = _apply(client, contact="not a contact")
    assert bad_contact.status_code == 422 and "联系方式应为电话号码或电子邮件地址" in bad_contact.get_data(as_text=True)
    huge = _apply(client, request_text="很" * 6000)
    assert huge.status_code == 422 and "过长" in huge.get_data(as_text=True)
    bad_kind = _apply(client, applicant_kind="alien")
    assert bad_kind.status_code == 422
    script = "<script>alert(1)</script>"
    injected = _apply(client, name=script, request_text=script)
    body = injected.get_data(as_text=True)
    assert injected.status_code == 201 and script not in body
    redisplayed = _apply(client, name=script, contact="bad")
    assert redisplayed.status_code == 422 and script not in redisplayed.get_data(as_text=True)
    assert "&lt;script&gt;" in redisplayed.get_data(as_text=True)
    no_csrf = client.post("/public/apply", data=FORM)
    assert no_csrf.status_code == 400 and "安全令牌" in no_csrf.get_data(as_text=True)


def test_public_form_is_rate_limited_per_address(client: FlaskClient) -> None:
    statuses = [_apply(client, ip="192.0.2.7").status_code for _ in range(6)]
    assert statuses == [201] * 5 + [429]
    assert "请一小时后再试" in _apply(client, ip="192.0.2.7").get_data(as_text=True)


def test_staff_page_shows_the_escaped_application_and_its_clock(client: FlaskClient, api) -> None:
    created = api("admin").post("/api/v1/applications", json={**STAFF, "name": "<b>王五</b>"})
    assert created.status_code == 201, created.get_json()
    token = _token(client, "/login")
    assert client.post("/login", data={"username": "admin", "password": "password-123", "csrf_token": token}) \
        .status_code == 302
    page = client.get(f"/applications/{created.get_json()['id']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "&lt;b&gt;王五&lt;/b&gt;" in html and "2025年10月23日" in html
    assert client.get("/applications").status_code == 200
    assert client.get("/applications/stats?year=2025-2026").status_code == 200


def test_api_extension_without_office_head_is_403(api, world: World, clock) -> None:
    created = api("admin").post("/api/v1/applications", json=STAFF).get_json()
    refused = api("admin").post(f"/api/v1/applications/{created['id']}/actions",
                                json={"action": "extend", "workdays": 10, "reason": "复杂"})
    assert refused.status_code == 403 and refused.get_json()["error"] == "office_head_required"
    add_user(world.app, "head", roles=["admin"], departments=["*"], office_head=True)
    granted = api("head").post(f"/api/v1/applications/{created['id']}/actions",
                               json={"action": "extend", "workdays": 10, "reason": "复杂"})
    assert granted.status_code == 200 and granted.get_json()["due_on"] == "2025-11-06"
    assert api("drafter").post(f"/api/v1/applications/{created['id']}/actions",
                               json={"action": "consult", "third_party": "x"}).status_code in (403, 404)


def test_api_reply_flow_and_stats_table(api, world: World) -> None:
    admin = api("admin")
    created = admin.post("/api/v1/applications", json={**STAFF, "department": "xsc"}).get_json()
    reply = api("drafter").post(f"/api/v1/applications/{created['id']}/actions",
                                json={"action": "reply", "outcome": "disclosed", "supplied": "评定办法全文见附件。"})
    assert reply.status_code == 200 and reply.get_json()["state"] == "replying"
    item_id = reply.get_json()["reply_item"]
    for user, body in (("drafter", {"trigger": "submit"}), ("reviewer", {"trigger": "pass_review", "checklist": CLEAR}),
                       ("approver", {"trigger": "approve"})):
        assert api(user).post(f"/api/v1/items/{item_id}/transitions", json=body).status_code == 200
    assert admin.get(f"/api/v1/applications/{created['id']}").get_json()["state"] == "replied"
    assert api(None).get("/api/v1/public/items").get_json()["total"] == 0
    stats = admin.get("/api/v1/applications/stats?year=2025-2026")
    table = stats.get_json()
    assert stats.status_code == 200 and table["check"]["ok"]
    rows = {row["key"]: row["counts"] for row in table["rows"]}
    assert rows["received"]["natural"] == 1 and rows["results.disclosed"]["total"] == 1
    assert admin.get("/api/v1/applications/stats?year=2025").status_code == 400
    assert admin.post(f"/api/v1/applications/{created['id']}/actions", json={"action": "nope"}).status_code == 400


@pytest.mark.parametrize("body", [{}, {"name": "x"}, {**FORM, "contact": "x" * 300}, {**FORM, "delivery_form": 3}])
def test_public_api_bad_input_is_4xx(api, body: dict) -> None:
    response = api(None).post("/api/v1/public/applications", json=body)
    assert 400 <= response.status_code < 500 and response.get_json()["message"]


def test_transitions_is_the_actions_endpoint_under_the_items_name(api, world: World, clock) -> None:
    admin = api("admin")
    created = admin.post("/api/v1/applications", json=STAFF).get_json()
    base = f"/api/v1/applications/{created['id']}"
    paused = admin.post(f"{base}/transitions", json={"trigger": "consult", "third_party": "某企业"})
    assert paused.status_code == 200 and paused.get_json()["state"] == "consulting"
    again = admin.post(f"{base}/transitions", json={"trigger": "consult", "third_party": "某企业"})
    assert again.status_code == 409 and again.get_json()["error"] == "invalid_state"
    resumed = admin.post(f"{base}/actions", json={"action": "consulted"})
    assert resumed.status_code == 200 and resumed.get_json()["state"] == "received"
    for body in ({"trigger": "nope"}, {"trigger": "reply_sent"}, {"action": "consult", "third_party": "x"}):
        assert admin.post(f"{base}/transitions", json=body).status_code == 400, body
    missing = admin.post(f"{base}/transitions", json={"trigger": "clarify"})
    assert missing.status_code == 422 and missing.get_json()["field"] == "note"
    history = [e["trigger"] for e in admin.get(f"{base}/history").get_json()]
    assert history == ["application_received", "clock_pause", "clock_resume"]


def test_staff_page_offers_the_actions_the_spec_permits(ui_app, world: World) -> None:
    from tests.web.ui_helpers import login
    from workflow.services import applications as svc
    application = svc.register_application(world.app, world.admin, {**STAFF, "department": "xsc"})
    admin_page = login(ui_app.test_client(), "admin").get(f"/applications/{application.id}").get_data(as_text=True)
    forms = set(re.findall(r'id="action-([a-z_]+)"', admin_page))
    assert forms == {"assign", "clarify", "consult", "fee"}  # no extension without the office head, no reply
    assert 'name="third_party"' in admin_page and 'name="answer_by"' in admin_page
    drafter = login(ui_app.test_client(), "drafter")
    assert set(re.findall(r'id="action-([a-z_]+)"', drafter.get(f"/applications/{application.id}")
                          .get_data(as_text=True))) == {"reply"}
    response = drafter.post(f"/applications/{application.id}/actions", data={"action": "reply", "outcome": "disclosed"})
    replying = svc.get_application(world.app, world.admin, application.id)
    assert replying.state == "replying" and response.headers["Location"].endswith(f"/items/{replying.reply_item_id}")


def test_statistics_page_rows_in_english(client: FlaskClient) -> None:
    """The statistics page prints table 3's rows in the reader's language, numbered as in English."""
    token = _token(client, "/login")
    client.post("/login", data={"username": "admin", "password": "password-123", "csrf_token": token})
    html = client.get("/applications/stats?year=2025-2026&lang=en").get_data(as_text=True)
    assert "(1) Disclosed" in html and "予以公开" not in html and "（七）" not in html
    chinese = client.get("/applications/stats?year=2025-2026&lang=zh_Hans_CN").get_data(as_text=True)
    assert "（一）予以公开" in chinese


def test_the_reply_form_offers_labelled_reasons_not_numbers(ui_app, world: World) -> None:
    """Issue 15: 「理由编号」 was an integer box; staff now pick 「（三）不予公开 · 1. 属于国家秘密」 in one choice."""
    from tests.web.ui_helpers import login
    from workflow.services import applications as svc
    application = svc.register_application(world.app, world.admin, {**STAFF, "department": "xsc"})
    drafter = login(ui_app.test_client(), "drafter")
    page = drafter.get(f"/applications/{application.id}").get_data(as_text=True)
    form = page[page.index('id="action-reply"'):]
    form = form[:form.index("</form>")]
    assert "理由编号" not in form and 'name="reason"' not in form
    assert '<optgroup label="（三）不予公开"><option value="withheld:1">1. 属于国家秘密</option>' in form
    assert '<option value="disclosed">予以公开</option>' in form
    english = drafter.get(f"/applications/{application.id}?lang=en").get_data(as_text=True)
    assert '<option value="withheld:1">1. State secret</option>' in english
    response = drafter.post(f"/applications/{application.id}/actions",
                            data={"action": "reply", "outcome_reason": "withheld:1"})
    assert response.status_code == 302
    replying = svc.get_application(world.app, world.admin, application.id)
    assert (replying.outcome, replying.outcome_reason) == ("withheld", 1)
