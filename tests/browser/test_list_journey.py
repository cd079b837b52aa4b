"""A 名单 in a browser (issue 15): 一键脱敏 removes ID numbers and phones altogether, the list needs its
公示截止 before it goes to review, the public reads the attachment by its own name; and the office's
statistics page opens on the current year."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import LiveServer, shot
from tests.browser.conftest import people as browser_people
from tests.conftest import CLEAR
from tests.workflow.scan.gen import resident_id

pytestmark = pytest.mark.browser
BODY = f"张三，计算机学院2021级1班，身份证号：{resident_id()}，手机：13800138000\n李四，数学2101班"


def test_a_list_is_masked_by_removal_needs_its_end_and_keeps_its_file_name(open_as, live_server: LiveServer,
                                                                          tmp_path) -> None:
    from workflow.services import items as svc
    page = open_as("drafter")
    page.goto(live_server.url + "/items/new")
    page.fill("#title", "2025年国家助学金拟资助学生名单公示")
    page.select_option("#catalog_code", "1")
    page.fill("#body", BODY)
    page.check("#is_list")
    sheet = tmp_path / "资助名单-脱敏.txt"
    sheet.write_text("张三 计算机学院2021级1班", encoding="utf-8")
    page.set_input_files("#attachments", str(sheet))
    page.click("text=保存草稿")
    page.wait_for_url(re.compile(r"/items/\d+$"))
    item_id = int(page.url.rsplit("/", 1)[1])
    assert page.inner_text("#masked-preview").replace("\r", "") == "张三，计算机学院2021级1班\n李四，数学2101班"
    page.click("#btn-mask")
    page.wait_for_load_state()
    page.click("text=提交审查")
    page.wait_for_load_state()
    assert "公示截止时间" in page.content()                          # refused: a 公示 needs its end
    shot(page, "32-list-needs-display-until")
    page.click("#btn-edit")
    page.fill("#display_until", "2025-10-10T17:00")
    page.click("text=保存草稿")
    page.wait_for_url(re.compile(r"/items/\d+$"))
    page.click("text=提交审查")
    page.wait_for_load_state()
    assert page.locator(".badge", has_text="保密审查").first.is_visible()
    people = browser_people(live_server.app)
    svc.pass_review(live_server.app, people["reviewer"], item_id, {**CLEAR, "personal_info": True},
                    legal_basis="《高等学校信息公开办法》第七条", justifications={"personal_info": {"ground": "legal_duty"}})
    svc.approve(live_server.app, people["approver"], item_id)
    public = open_as(None)
    public.goto(f"{live_server.url}/public/items/{item_id}")
    assert "资助名单.txt" in public.content() and "脱敏" not in public.inner_text("main")
    shot(public, "33-public-file-name")


def test_the_statistics_page_opens_on_the_current_year(open_as, live_server: LiveServer) -> None:
    page = open_as("admin")
    page.goto(live_server.url + "/applications/stats")
    assert page.locator("#stats-table").is_visible()
    assert page.locator("input[name=year]").input_value() == "2025-2026"
    shot(page, "34-stats-current-year")
