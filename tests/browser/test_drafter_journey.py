"""The drafter in a browser: the 清单 picker filters and describes, files go with the create form, and a
draft with an ID number asks for confirmation before it goes to review (issue 15, 「The drafter」)."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import LiveServer, shot
from tests.workflow.scan.gen import resident_id

pytestmark = pytest.mark.browser


def test_create_with_attachment_and_confirm_the_findings(open_as, live_server: LiveServer, tmp_path) -> None:
    page = open_as("drafter")
    page.goto(live_server.url + "/items/new")
    assert page.locator("#catalog_code").input_value() == ""                  # no entry chosen for the drafter
    page.fill("#catalog-filter", "章程")
    visible = page.locator("#catalog_code option:not([hidden])").all_text_contents()
    assert any("章程" in label for label in visible) and len(visible) < 10
    charter = next(label for label in visible if "章程" in label)
    page.select_option("#catalog_code", label=charter)
    assert "责任部门" in page.locator("#catalog-description").text_content()
    page.fill("#title", "学生资助对象名单")
    page.fill("#body", f"张三，计算机学院2021级1班，身份证号：{resident_id()}")
    names = tmp_path / "名单-脱敏.txt"
    names.write_text("张三 计算机学院2021级1班", encoding="utf-8")
    page.set_input_files("#attachments", str(names))
    shot(page, "30-drafter-create-form")
    page.click("text=保存草稿")
    page.wait_for_url(re.compile(r"/items/\d+$"))
    assert "名单-脱敏.txt" in page.content() and "已上传 1 个附件" in page.content()
    page.click("text=提交审查")
    page.wait_for_selector("#submit-findings")
    shot(page, "31-drafter-submit-findings")
    assert "阻断" in page.locator("#submit-findings").text_content()
    page.click("#btn-submit-anyway")
    page.wait_for_url(re.compile(r"/items/\d+$"))
    assert page.locator(".badge", has_text="保密审查").first.is_visible()
