"""The review page in a browser (issue 15, 「Review and approval pages」 and 「Office pages」): the decision
panel sits beside the content and stays in view while the reviewer reads; an attachment previews inline
with the flagged cell highlighted; the diff reads as words; 个人信息=否 against the scan asks for a
confirmation; the office's 我的待办 lists its own work."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import LiveServer, shot
from tests.browser.conftest import people as browser_people
from tests.workflow.scan.gen import resident_id, xlsx_bytes
from workflow.checklist import KEYS

pytestmark = pytest.mark.browser
PHONE_BODY = "各学院：\n现将评审结果公布如下。\n如有疑问请联系辅导员，联系电话 13812345678。\n" + "评审说明。\n" * 40


def _people(app):
    return browser_people(app)


@pytest.fixture(scope="module")
def items(live_server: LiveServer) -> dict[str, int]:
    """A list in review whose sheet holds an ID number, and a resubmitted notice with a phone number."""
    from workflow.services import attachments
    from workflow.services import items as svc
    app, people = live_server.app, _people(live_server.app)
    base = {"department": "xsc", "catalog_code": "1", "channels": ["website"], "formed_on": "2025-09-26"}
    listed = svc.create_item(app, people["drafter"], {**base, "title": "国家助学金拟资助名单", "body": "名单见附件。"})
    attachments.add_attachment(app, people["drafter"], listed.id, "名单.xlsx", None, xlsx_bytes(
        {"名单": [["姓名", "班级", "身份证号"], ["张三", "数学2101班", resident_id()], ["李四", "物理2102班", ""]]}))
    svc.submit(app, people["drafter"], listed.id)
    notice = svc.create_item(app, people["drafter"], {**base, "title": "评审结果通知", "body": "第一版。"})
    attachments.add_attachment(app, people["drafter"], notice.id, "说明-旧.txt", "text/plain", b"old")
    svc.submit(app, people["drafter"], notice.id)
    svc.return_item(app, people["reviewer"], notice.id, reason="请补充联系方式")
    draft = svc.get_item(app, people["drafter"], notice.id)
    svc.update_item(app, people["drafter"], notice.id, {"body": PHONE_BODY, "channels": ["website", "wechat"]},
                    expected_version=draft.version)
    attachments.remove_attachment(app, people["drafter"], notice.id, draft.attachments[0].id)
    attachments.add_attachment(app, people["drafter"], notice.id, "说明.txt", "text/plain", b"new")
    svc.submit(app, people["drafter"], notice.id)
    return {"listed": listed.id, "notice": notice.id}


def test_the_decision_stays_beside_the_text_and_the_diff_reads_as_words(open_as, live_server: LiveServer,
                                                                       items: dict[str, int]) -> None:
    page = open_as("reviewer")
    page.goto(f"{live_server.url}/items/{items['notice']}")
    body = page.locator(".body-text").first.bounding_box()
    panel = page.locator("#decision-panel").bounding_box()
    assert panel["x"] > body["x"] + body["width"] - 1                  # beside the text, not above it
    diff = page.inner_text("#revision-diff")
    assert "第 1 次提交 → 第 2 次提交" in diff and "学校网站、微信公众号" in diff
    assert "新增附件：说明.txt" in diff and "删除附件：说明-旧.txt" in diff and "sha256" not in diff
    shot(page, "25-review-page")
    page.locator("#revision-diff").scroll_into_view_if_needed()
    panel = page.locator("#decision-panel").bounding_box()
    assert 0 <= panel["y"] < 900                                        # sticky: still in view further down
    shot(page, "26-review-diff")


def test_a_sheet_previews_with_the_flagged_cell(open_as, live_server: LiveServer, items: dict[str, int]) -> None:
    page = open_as("reviewer")
    page.goto(f"{live_server.url}/items/{items['listed']}")
    page.click("#findings a[href$='/preview']")
    page.wait_for_url(re.compile(r"/preview$"))
    flagged = page.locator("td.flagged")
    assert flagged.count() == 1 and flagged.inner_text() == resident_id()
    assert "李四" in page.inner_text(".preview-table")
    shot(page, "27-attachment-preview")


def test_personal_info_no_needs_a_confirmation(open_as, live_server: LiveServer, items: dict[str, int]) -> None:
    page = open_as("reviewer")
    page.goto(f"{live_server.url}/items/{items['notice']}")
    assert page.locator(".personal-info-check").is_visible()
    for key in KEYS:
        page.check(f"#q_{key}_no")
    page.click("#btn-pass_review")
    page.wait_for_load_state()
    assert "但审查清单选择了“不涉及个人信息”" in page.content()
    shot(page, "28-personal-info-check")
    for key in KEYS:
        page.check(f"#q_{key}_no")
    page.check("#pass_review-personal_info_confirmed")
    page.click("#btn-pass_review")
    page.wait_for_load_state()
    assert page.locator(".badge", has_text="审批").first.is_visible()


def test_the_office_sees_its_own_work(open_as, live_server: LiveServer, items: dict[str, int]) -> None:
    from workflow.services import applications
    applications.register_application(live_server.app, _people(live_server.app)["admin"], {
        "applicant_kind": "natural", "name": "李四", "contact": "lisi@example.com", "delivery_form": "email",
        "request_text": "请提供2024学年奖学金评定办法", "channel": "in_person",
        "received_at": "2025-09-26T09:00:00+08:00"})
    page = open_as("admin")
    page.goto(live_server.url + "/")
    office = page.inner_text("#office-tasks")
    assert "信息公开办公室待办" in office and "依申请公开待分派承办部门" in office
    shot(page, "29-office-tasks")
