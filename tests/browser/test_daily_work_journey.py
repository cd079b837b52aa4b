"""Issue 14, "Done when": a new user, in the browser, finds an item they submitted last week by a two-character
word; sees who holds it; nudges them; sets a delegate for next week; approves three items at once; prints the
审查审批表 of a published item and verifies it through its QR link."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import PASSWORD, LiveServer, shot
from tests.conftest import CLEAR, item_payload
from workflow.clock import SHANGHAI

pytestmark = pytest.mark.browser
NOW = datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI)           # Friday
LAST_WEEK = datetime(2025, 9, 19, 10, 0, tzinfo=SHANGHAI)
MINE = "2025年国家奖学金获奖学生名单公示"
PUBLISHED = "2025年学生资助工作年度报告"


@pytest.fixture(scope="module")
def desk(live_server: LiveServer) -> dict[str, object]:
    """王新 (newcomer: drafter and approver of 学生处) submitted an item last week; three items of others wait
    for approval; one item is published."""
    from workflow.access import actor_from_user
    from workflow.services import items as svc
    from workflow.services.users import add_user, user_by_name
    app = live_server.app
    add_user(app, "newcomer", roles=["drafter", "approver"], departments=["xsc"], password=PASSWORD,
             display_name="王新")
    people = {name: actor_from_user(user_by_name(app, name)) for name in ("newcomer", "drafter", "reviewer",
                                                                          "approver")}
    live_server.clock.set(LAST_WEEK)
    try:
        mine = svc.create_item(app, people["newcomer"], item_payload(title=MINE, formed_on="2025-09-19"))
        svc.submit(app, people["newcomer"], mine.id)
    finally:
        live_server.clock.set(NOW)
    batch = []
    for n in range(3):
        item = svc.create_item(app, people["drafter"], item_payload(title=f"2025年第{n + 1}批校内勤工助学岗位"))
        svc.submit(app, people["drafter"], item.id)
        svc.pass_review(app, people["reviewer"], item.id, checklist=CLEAR)
        batch.append(item.id)
    published = svc.create_item(app, people["drafter"], item_payload(title=PUBLISHED))
    svc.submit(app, people["drafter"], published.id)
    svc.pass_review(app, people["reviewer"], published.id, checklist=CLEAR)
    svc.approve(app, people["approver"], published.id)
    return {"mine": mine.id, "batch": batch, "published": published.id}


def test_a_new_users_day(open_as, live_server: LiveServer, desk: dict) -> None:
    url, dialect = live_server.url, live_server.app.db.dialect
    live_server.clock.set(NOW)
    page = open_as("newcomer")

    # finds the item submitted last week by a two-character word
    page.goto(url + "/search")
    page.fill("#q", "奖学")
    page.press("#q", "Enter")
    page.wait_for_load_state()
    results = page.locator("#search-results").inner_text()
    assert MINE in results
    page.locator(f"#item-row-{desk['mine']} a", has_text=MINE).click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/items/{desk['mine']}")

    # sees who holds it, and nudges them
    holders = page.locator("#holders").inner_text()
    assert "当前处理人" in holders and "reviewer" in holders
    page.locator("#nudge summary").click()
    page.fill("#nudge input[name=message]", "上周已提交，请尽快审查")
    page.locator("#nudge button[type=submit]").click()
    page.wait_for_load_state()
    assert "已催办：reviewer" in page.content()
    shot(page, f"24-daily-nudged-{dialect}")

    # sets a delegate for next week
    page.goto(url + "/settings")
    page.select_option("#delegate", "approver")
    page.fill("#starts_on", "2025-09-29")
    page.fill("#ends_on", "2025-10-03")
    page.click("#btn-set-delegation")
    page.wait_for_load_state()
    current = page.locator("#current-delegation").inner_text()
    assert "approver" in current and "未开始" in current

    # approves three items at once, after seeing what each publishes
    page.goto(url + "/")
    for item_id in desk["batch"]:
        page.check(f"#select-{item_id}")
    page.click("#btn-batch-approve")
    page.wait_for_load_state()
    for item_id in desk["batch"]:
        assert "确认后立即发布" in page.locator(f"#preview-{item_id}").inner_text()
    page.click("#btn-batch-confirm")
    page.wait_for_load_state()
    assert "已批准 3 项，未批准 0 项" in page.locator("#batch-summary").inner_text()
    shot(page, f"25-daily-batch-{dialect}")

    # prints the 审查审批表 of a published item and verifies it through its QR link
    page.goto(f"{url}/items/{desk['published']}")
    page.click("#record-link")
    page.wait_for_load_state()
    assert page.inner_text("#record-title") == PUBLISHED
    link = page.inner_text("#record-verify-url")
    parts = urlsplit(link)
    assert parts.path == f"/items/{desk['published']}/record/verify"
    page.goto(f"{url}{parts.path}?{parts.query}")
    result = page.locator("#verify-result")
    assert result.get_attribute("data-result") == "consistent" and "一致" in result.inner_text()
    shot(page, f"26-daily-verified-{dialect}")
