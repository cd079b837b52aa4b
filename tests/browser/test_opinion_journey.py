"""A reviewer's opinion in Chromium: a 常用意见 chip fills the box (no page load), the return carries it, the
drafter reads it in the history; a phrase added on 个人设置 is offered on the next review."""
from __future__ import annotations

import pytest

from tests.browser.conftest import LiveServer, shot
from tests.browser.test_journeys import _create_and_submit
from workflow.checklist import KEYS

pytestmark = pytest.mark.browser


def test_a_phrase_fills_the_opinion_and_the_drafter_reads_it(open_as, live_server: LiveServer) -> None:
    item_id = _create_and_submit(open_as, live_server)
    url = f"{live_server.url}/items/{item_id}"
    reviewer = open_as("reviewer")
    reviewer.goto(url)
    reviewer.fill("#return-reason", "附件二第3行")
    reviewer.click("#return-reason-phrases button:has-text('请删除个人身份信息后重新提交')")
    assert reviewer.url == url   # filled by the script: no page was loaded
    assert reviewer.input_value("#return-reason") == "附件二第3行\n请删除个人身份信息后重新提交"
    shot(reviewer, "40-opinion-phrase")
    reviewer.click("#btn-return")
    reviewer.wait_for_load_state()

    drafter = open_as("drafter")
    drafter.goto(url)
    assert "审查意见：附件二第3行\n请删除个人身份信息后重新提交" in drafter.locator(".timeline .opinion").first.inner_text()
    drafter.click("text=提交审查")
    drafter.wait_for_load_state()

    reviewer.goto(live_server.url + "/settings")
    reviewer.fill("#phrase-pass_review", "同意，已核对助学金名单")
    reviewer.click("#btn-add-phrase-pass_review")
    reviewer.wait_for_load_state()
    assert "同意，已核对助学金名单" in reviewer.locator("#phrases-pass_review").inner_text()
    shot(reviewer, "41-settings-phrases")
    reviewer.goto(url)
    for key in KEYS:
        reviewer.check(f"#q_{key}_no")
    reviewer.click("#pass_review-opinion-phrases button:has-text('同意，已核对助学金名单')")
    reviewer.click("#btn-pass_review")
    reviewer.wait_for_load_state()
    drafter.goto(url)
    assert "审查意见：同意，已核对助学金名单" in drafter.locator(".timeline .opinion").first.inner_text()
