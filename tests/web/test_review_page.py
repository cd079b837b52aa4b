"""The review page as a reviewer reads it (issue 15, 「Review and approval pages」): content first and the
decision beside it, findings next to the content, a human diff, and a confirmation when 个人信息=否
contradicts the scan."""
from __future__ import annotations

import re

from tests.conftest import CLEAR, World, item_payload
from tests.web.page_text import visible_text
from tests.workflow.scan.gen import resident_id
from workflow.checklist import KEYS
from workflow.services import attachments
from workflow.services import items as svc

ID_NUMBER = resident_id()


def _in_review(world: World, body: str = "经评审，现将结果公布如下。", **fields) -> int:
    item = svc.create_item(world.app, world.drafter, item_payload(body=body, **fields))
    svc.submit(world.app, world.drafter, item.id)
    return item.id


def _pass_form(**answers: str) -> dict[str, str]:
    return {**{f"q_{key}": "no" for key in KEYS}, **{f"q_{key}": value for key, value in answers.items()}}


def test_the_content_comes_before_the_decision(as_user, world: World) -> None:
    page = as_user("reviewer").get(f"/items/{_in_review(world)}").get_data(as_text=True)
    body, panel = page.index("经评审，现将结果公布如下。"), page.index('id="decision-panel"')
    assert body < panel < page.index('id="actions-secrecy_review"')
    assert page.index('class="col-lg-8"') < body < page.index('class="col-lg-4"') < panel


def test_findings_sit_beside_the_content_and_link_to_the_file(as_user, world: World) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload())
    attachments.add_attachment(world.app, world.drafter, item.id, "名单.txt", "text/plain", f"张三 {ID_NUMBER}".encode())
    svc.submit(world.app, world.drafter, item.id)
    page = as_user("reviewer").get(f"/items/{item.id}").get_data(as_text=True)
    findings = page[page.index('id="findings"'):page.index('id="decision-panel"')]
    assert re.search(rf'href="/items/{item.id}/attachments/\d+/preview">名单.txt</a>', findings)
    assert 'form="pass_review-form"' in findings or "须退回修改" in findings   # ticks belong to the pass form


def test_the_diff_reads_as_words(as_user, world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload(body="第一版正文"))
    attachments.add_attachment(app, world.drafter, item.id, "原始名单.txt", "text/plain", b"old list")
    svc.submit(app, world.drafter, item.id)
    svc.return_item(app, world.reviewer, item.id, reason="请修改")
    draft = svc.get_item(app, world.drafter, item.id)
    svc.update_item(app, world.drafter, item.id, {"body": "第二版正文", "channels": ["website", "weibo"],
                                                   "formed_on": "2025-09-25"}, expected_version=draft.version)
    attachments.remove_attachment(app, world.drafter, item.id, draft.attachments[0].id)
    attachments.add_attachment(app, world.drafter, item.id, "名单.txt", "text/plain", b"new list")
    svc.submit(app, world.drafter, item.id)
    page = as_user("reviewer").get(f"/items/{item.id}").get_data(as_text=True)
    diff = page[page.index('id="revision-diff"'):]
    diff = diff[:diff.index("</div></div>")]
    text = " ".join(visible_text(diff).pieces)
    assert "第 1 次提交 → 第 2 次提交" in text
    assert "公开渠道" in text and "学校网站、微信公众号" in text and "学校网站、微博" in text
    assert "信息形成日期" in text and "2025年9月26日" in text and "2025年9月25日" in text
    assert "新增附件：名单.txt" in text and "删除附件：原始名单.txt" in text
    assert "-第一版正文" in text and "+第二版正文" in text
    assert "sha256" not in diff and "channels" not in text and "catalog_code" not in text and "{" not in text


PHONE_BODY = "如有疑问请联系辅导员，联系电话 13812345678"   # a personal-information finding that does not block


def test_personal_info_no_against_the_scan_needs_a_confirmation(as_user, world: World) -> None:
    item_id = _in_review(world, body=PHONE_BODY)
    reviewer = as_user("reviewer")
    page = reviewer.get(f"/items/{item_id}").get_data(as_text=True)
    assert 'class="alert alert-warning py-2 mb-2 personal-info-check"' in page
    refused = reviewer.post(f"/items/{item_id}/do/pass_review", data=_pass_form())
    assert refused.status_code == 422
    assert "但审查清单选择了“不涉及个人信息”" in refused.get_data(as_text=True)
    assert svc.get_item(world.app, world.reviewer, item_id).state == "secrecy_review"   # nothing changed
    confirmed = reviewer.post(f"/items/{item_id}/do/pass_review",
                              data={**_pass_form(), "personal_info_confirmed": "1"})
    assert confirmed.status_code == 302
    assert svc.get_item(world.app, world.reviewer, item_id).state == "approval"


def test_the_api_asks_the_same_and_a_clean_item_asks_nothing(api, world: World, as_user) -> None:
    item_id = _in_review(world, body=PHONE_BODY)
    refused = api("reviewer").post(f"/api/v1/items/{item_id}/transitions",
                                   json={"trigger": "pass_review", "checklist": CLEAR})
    assert refused.status_code == 422 and refused.get_json()["error"] == "personal_info_unconfirmed"
    assert api("reviewer").post(f"/api/v1/items/{item_id}/transitions", json={
        "trigger": "pass_review", "checklist": CLEAR, "personal_info_confirmed": "maybe"}).status_code == 422
    assert api("reviewer").post(f"/api/v1/items/{item_id}/transitions", json={
        "trigger": "pass_review", "checklist": CLEAR, "personal_info_confirmed": True}).status_code == 200
    clean = _in_review(world)
    assert 'personal-info-check' not in as_user("reviewer").get(f"/items/{clean}").get_data(as_text=True)
    assert api("reviewer").post(f"/api/v1/items/{clean}/transitions",
                                json={"trigger": "pass_review", "checklist": CLEAR}).status_code == 200
