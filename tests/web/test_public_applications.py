"""The public side of 依申请公开 (issue 15): the form takes a postal address (required for 纸质) and an identity
document (身份证明) that only the 信息公开办公室 ever sees; the answer is a printable 回执; the status page shows
the steps with their dates and, once the reply was sent, the letter — to the holder of the tracking number and
contact only."""
from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from db.models.applications import Application, ApplicationDocument
from tests.applications_helpers import ID_PDF, ID_PNG, id_file, id_json
from tests.conftest import CLEAR, World
from workflow.services import applications as svc
from workflow.services import items as item_service

ADDRESS = "福建省漳州市龙文区某某路1号 363000"
FORM = {"applicant_kind": "natural", "name": "李四", "contact": "lisi@example.com",
        "request_text": "请提供2024学年奖学金评定办法", "delivery_form": "paper", "postal_address": ADDRESS}
_ADDRESSES = iter(f"198.51.100.{n}" for n in range(1, 255))


def _apply(client: FlaskClient, identity: Any = "default", **fields: str):
    data: dict[str, Any] = {**FORM, **fields}
    if identity == "default":
        data["identity_document"] = id_file()
    elif identity is not None:
        data["identity_document"] = identity
    return client.post("/public/apply", data=data, environ_base={"REMOTE_ADDR": next(_ADDRESSES)})


def _tracking_no(html: str) -> str:
    match = re.search(r'id="receipt-tracking-no">([0-9A-Z]+)<', html)
    assert match, html[:3000]
    return match.group(1)


def _count(world: World, model: Any) -> int:
    with world.app.db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _application(world: World) -> Application:
    with world.app.db.read() as session:
        return session.scalars(select(Application).order_by(Application.id.desc())).first()


def test_paper_is_preselected_and_the_form_asks_for_address_and_identity(as_user) -> None:
    html = as_user(None).get("/public/apply").get_data(as_text=True)
    assert re.search(r'<option value="paper"\s+selected', html)
    assert 'name="postal_address"' in html and 'type="file" id="identity_document"' in html
    assert 'enctype="multipart/form-data"' in html and 'accept=".pdf,.png,.jpg,.jpeg"' in html


def test_a_submission_answers_with_a_printable_receipt(as_user, world: World) -> None:
    world.app.settings = world.app.settings.with_overrides({"institution": {"base_url": "https://xxgk.example.edu.cn/"}})
    response = as_user(None).post("/public/apply", data={**FORM, "identity_document": id_file()},
                                  environ_base={"REMOTE_ADDR": "198.51.100.200"}, headers={"Host": "evil.example"})
    html = response.get_data(as_text=True)
    assert response.status_code == 201, html[:2000]
    number = _tracking_no(html)
    assert re.fullmatch(r"2025[2-9A-Z]{12}", number)
    assert "信息公开申请回执" in html and 'id="print-receipt"' in html and "js/print-button.js" in html
    assert re.search(r'id="receipt-received">2025年9月26日<', html)
    assert re.search(r'id="receipt-due">2025年10月23日<', html)
    assert "https://xxgk.example.edu.cn/public/apply/status" in html and "evil.example" not in html
    assert "2025-09-26" not in html and "2025-10-23" not in html
    assert response.headers["Cache-Control"] == "no-store, private"
    stored = _application(world)
    assert stored.postal_address == ADDRESS and stored.delivery_form == "paper"
    with world.app.db.read() as session:
        document = session.scalar(select(ApplicationDocument))
        assert document.filename == "身份证.png" and document.content_type == "image/png"
        assert document.size == len(ID_PNG)


def test_paper_without_an_address_is_refused_and_nothing_is_stored(as_user, world: World) -> None:
    refused = _apply(as_user(None), postal_address="  ")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "选择纸质方式获取信息时，请填写邮寄地址" in html
    assert 'id="postal_address"' in html and "is-invalid" in html
    assert _apply(as_user(None), delivery_form="email", postal_address="").status_code == 201  # e-mail: none needed
    english = as_user(None).post("/public/apply?lang=en", data={**FORM, "postal_address": "",
                                                                "identity_document": id_file()},
                                 environ_base={"REMOTE_ADDR": "198.51.100.201"})
    assert english.status_code == 422 and "postal address" in english.get_data(as_text=True)
    assert _count(world, Application) == 1


@pytest.mark.parametrize("upload, status, message", [
    (None, 422, "请上传身份证明"),
    ((b"MZ\x90\x00" + b"\x00" * 64, "setup.exe"), 422, "只接受 PDF、JPG 或 PNG"),
    ((b"<html><script>alert(1)</script></html>", "id.png"), 422, "内容与其类型不符"),
    ((b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "id.svg"), 422, "只接受 PDF、JPG 或 PNG"),
    ((ID_PDF, "id.png"), 422, "内容与其类型不符"),
    ((b"", "id.png"), 422, "为空"),
    ((ID_PNG, ".png"), 422, "文件名无效"),
    ((ID_PNG, "id"), 422, "只接受 PDF、JPG 或 PNG"),
])
def test_hostile_or_missing_identity_documents_are_refused(as_user, world: World, upload, status, message) -> None:
    import io
    identity = None if upload is None else (io.BytesIO(upload[0]), upload[1])
    refused = _apply(as_user(None), identity=identity)
    assert refused.status_code == status and message in refused.get_data(as_text=True)
    assert _count(world, Application) == 0 and _count(world, ApplicationDocument) == 0


def test_too_large_an_identity_document_is_a_413(as_user, world: World) -> None:
    world.app.settings = world.app.settings.with_overrides({"applications": {"identity_max_bytes": 1024}})
    refused = _apply(as_user(None), identity=id_file(ID_PNG + b"\x00" * 2048))
    assert refused.status_code == 413 and "身份证明文件过大" in refused.get_data(as_text=True)
    assert _count(world, Application) == 0


def test_a_path_in_the_file_name_is_dropped_and_a_pdf_is_taken(as_user, world: World) -> None:
    assert _apply(as_user(None), identity=id_file(ID_PDF, "../../etc/护照.PDF")).status_code == 201
    with world.app.db.read() as session:
        document = session.scalar(select(ApplicationDocument))
        assert document.filename == "护照.PDF" and document.content_type == "application/pdf"


def _submitted(as_user, world: World) -> Application:
    assert _apply(as_user(None)).status_code == 201
    return _application(world)


def test_only_the_office_sees_the_address_and_the_identity_document(as_user, world: World) -> None:
    application = _submitted(as_user, world)
    svc.assign(world.app, world.admin, application.id, "xsc")
    office = as_user("admin")
    page = office.get(f"/applications/{application.id}").get_data(as_text=True)
    assert 'id="office-details"' in page and ADDRESS in page and "身份证.png" in page
    download = office.get(f"/applications/{application.id}/identity")
    assert download.status_code == 200 and download.data == ID_PNG
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Cache-Control"].startswith("no-store")
    # the handling department works on the request, not on the applicant's papers
    handling = as_user("drafter")
    page = handling.get(f"/applications/{application.id}").get_data(as_text=True)
    assert 'id="office-details"' not in page and ADDRESS not in page and "身份证.png" not in page
    assert handling.get(f"/applications/{application.id}/identity").status_code == 404
    assert as_user("other_drafter").get(f"/applications/{application.id}/identity").status_code == 404
    assert as_user(None).get(f"/applications/{application.id}/identity").status_code == 404
    assert office.get(f"/applications/{application.id + 1}/identity").status_code == 404


def test_the_api_takes_the_upload_and_shows_office_fields_to_the_office_only(api, world: World) -> None:
    body = {**FORM, "identity_document": id_json(ID_PDF, "id.pdf")}
    created = api(None).post("/api/v1/public/applications", json=body, environ_base={"REMOTE_ADDR": "192.0.2.50"})
    assert created.status_code == 201, created.get_json()
    for bad, field in (({**FORM}, "identity_document"),
                       ({**FORM, "identity_document": {"filename": "a.png", "content_base64": "%%%"}}, "identity_document"),
                       ({**body, "postal_address": None}, "postal_address")):
        refused = api(None).post("/api/v1/public/applications", json=bad, environ_base={"REMOTE_ADDR": "192.0.2.51"})
        assert refused.status_code == 422 and refused.get_json()["field"] == field
    application = _application(world)
    svc.assign(world.app, world.admin, application.id, "xsc")
    seen = api("admin").get(f"/api/v1/applications/{application.id}").get_json()
    assert seen["postal_address"] == ADDRESS
    assert seen["identity_document"] == {"filename": "id.pdf", "content_type": "application/pdf", "size": len(ID_PDF)}
    handling = api("drafter").get(f"/api/v1/applications/{application.id}").get_json()
    assert "postal_address" not in handling and "identity_document" not in handling
    document = api("admin").get(f"/api/v1/applications/{application.id}/identity-document")
    assert document.status_code == 200 and document.data == ID_PDF and document.mimetype == "application/pdf"
    assert api("drafter").get(f"/api/v1/applications/{application.id}/identity-document").status_code == 404
    assert api(None).get(f"/api/v1/applications/{application.id}/identity-document").status_code == 401


def _status(client: FlaskClient, number: str, contact: str = "lisi@example.com"):
    return client.post("/public/apply/status", data={"tracking_no": number, "contact": contact},
                       environ_base={"REMOTE_ADDR": next(_ADDRESSES)})


def _steps(html: str) -> list[tuple[str, str, str]]:
    return [(status, re.sub(r"\s+", "", label), date) for status, label, date in re.findall(
        r'<li class="step step-(\w+)"[^>]*>.*?<span class="step-label">([^<]*)</span>\s*'
        r'<span class="step-date">([^<]*)</span>', html, re.S)]


def test_the_status_page_shows_the_steps_and_the_letter_once_sent(as_user, world: World, clock) -> None:
    application = _submitted(as_user, world)
    visitor = as_user(None)
    html = _status(visitor, application.tracking_no).get_data(as_text=True)
    assert _steps(html) == [("done", "收到申请", "2025年9月26日"), ("current", "转交承办部门办理", "办理中"),
                            ("pending", "拟定答复，审核中", "待办理"), ("pending", "已答复", "待办理")]
    assert 'id="download-letter"' not in html and 'id="receipt"' in html
    clock.advance(days=3)  # 2025-09-29
    svc.assign(world.app, world.admin, application.id, "xsc")
    item = svc.prepare_reply(world.app, world.drafter, application.id, "disclosed", supplied="评定办法全文如下。")
    item_service.submit(world.app, world.drafter, item.id)
    early = visitor.post("/public/apply/status/letter", data={"tracking_no": application.tracking_no,
                                                               "contact": "lisi@example.com"})
    assert early.status_code == 404 and "答复书尚未发出" in early.get_data(as_text=True)
    clock.advance(days=1)  # 2025-09-30
    item_service.pass_review(world.app, world.reviewer, item.id, CLEAR)
    item_service.approve(world.app, world.approver, item.id)
    html = _status(visitor, application.tracking_no).get_data(as_text=True)
    assert _steps(html) == [("done", "收到申请", "2025年9月26日"), ("done", "转交承办部门办理", "2025年9月29日"),
                            ("done", "拟定答复，审核中", "2025年9月29日"), ("done", "已答复", "2025年9月30日")]
    assert 'id="download-letter"' in html and "2025-09" not in html
    letter = visitor.post("/public/apply/status/letter", data={"tracking_no": application.tracking_no,
                                                                "contact": "LiSi@Example.com"})
    assert letter.status_code == 200 and letter.headers["Content-Disposition"].startswith("attachment;")
    assert letter.headers["Cache-Control"] == "no-store, private"
    text = letter.data.decode("utf-8-sig")
    assert application.tracking_no in text and "评定办法全文如下。" in text
    wrong = visitor.post("/public/apply/status/letter", data={"tracking_no": application.tracking_no,
                                                               "contact": "other@example.com"})
    assert wrong.status_code == 404 and "未找到与该查询号和联系方式匹配的申请" in wrong.get_data(as_text=True)
    english = visitor.post("/public/apply/status?lang=en", data={"tracking_no": application.tracking_no,
                                                                  "contact": "lisi@example.com"})
    assert "Replied" in english.get_data(as_text=True) and "Download the reply letter" in english.get_data(as_text=True)


def test_the_status_page_keeps_asking_for_the_pair_and_csrf(ui_app, world: World, as_user) -> None:
    application = _submitted(as_user, world)
    from web.app import create_app
    guarded = create_app(world.app, {"TESTING": True}).test_client()
    refused = guarded.post("/public/apply/status/letter", data={"tracking_no": application.tracking_no,
                                                                 "contact": "lisi@example.com"})
    assert refused.status_code == 400  # no CSRF token: the download is a form post of the status page
    assert as_user(None).get("/public/apply/status/letter").status_code == 405


def test_the_json_status_carries_the_steps(api, world: World, as_user) -> None:
    application = _submitted(as_user, world)
    status = api(None).post("/api/v1/public/applications/status",
                            json={"tracking_no": application.tracking_no, "contact": "lisi@example.com"})
    body = status.get_json()
    assert status.status_code == 200 and body["letter_available"] is False
    assert [step["key"] for step in body["steps"]] == ["received", "assign", "reply_drafted", "reply_sent"]
    assert body["steps"][0] == {"key": "received", "label": "收到申请", "on": "2025-09-26", "status": "done"}
    assert "postal_address" not in body and status.headers["Cache-Control"] == "no-store, private"


def test_the_staff_intake_form_takes_the_postal_address_for_paper(as_user, world: World) -> None:
    office = as_user("admin")
    assert 'name="postal_address"' in office.get("/applications/new").get_data(as_text=True)
    data = {"applicant_kind": "natural", "name": "赵六", "contact": "13900139000", "request_text": "请提供收费标准",
            "delivery_form": "paper", "channel": "post", "received_at": "2025-09-25T15:00"}
    refused = office.post("/applications/new", data=data)
    assert "选择纸质方式获取信息时，请填写邮寄地址" in refused.get_data(as_text=True) and _count(world, Application) == 0
    registered = office.post("/applications/new", data={**data, "postal_address": ADDRESS})
    assert registered.status_code == 302 and _application(world).postal_address == ADDRESS
