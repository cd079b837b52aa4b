"""A review route in the browser (issue 13): the admin defines 部门负责人审核 → 保密办复审 → a 2-of-3 会签 in
/admin/routes, and an item walks through it — each decider finds it in 我的待办 when their step is active,
the item page shows the progress line and who holds it, and the item is published at the second 会签 vote."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PASSWORD, LiveServer, shot
from workflow.checklist import KEYS

pytestmark = pytest.mark.browser
TITLE = "2026年学生宿舍收费标准调整公示"
COUNTERSIGNERS = ("cwc-head", "zsjyc-head", "hq-head")


@pytest.fixture(scope="module")
def people(live_server: LiveServer) -> LiveServer:
    """The 保密办 and its reviewer; three leaders who may countersign (会签)."""
    from workflow.services.users import add_department, add_user
    app = live_server.app
    for code, name in (("bmb", "保密办"), ("cwc", "财务处"), ("zsjyc", "招生就业处"), ("hqc", "后勤处")):
        add_department(app, code, name)
    add_user(app, "bmb1", roles=["reviewer"], departments=["bmb"], password=PASSWORD, display_name="保密办王老师")
    for username, dept, name in zip(COUNTERSIGNERS, ("cwc", "zsjyc", "hqc"), ("财务处李处长", "招生就业处赵处长", "后勤处钱处长")):
        add_user(app, username, roles=["approver"], departments=[dept], password=PASSWORD, display_name=name)
    return live_server


def _define_route(page, url: str) -> None:
    page.goto(url + "/admin/routes/new")
    page.fill("#name", "学生处三步路线")
    page.check("input[name=departments][value=xsc]")
    page.click("button[name=add_step]")          # two rows to start with (the stages); a third
    page.wait_for_load_state()
    assert page.input_value("#name") == "学生处三步路线"  # adding a row keeps what was typed
    page.fill("input[name=step-0-name]", "部门负责人审核")
    page.select_option("select[name=step-1-stage]", "secrecy_review")
    page.fill("input[name=step-1-name]", "保密办复审")
    page.select_option("select[name=step-1-who]", "department")
    page.select_option("select[name=step-1-role]", "reviewer")
    page.select_option("select[name=step-1-department]", "bmb")
    page.select_option("select[name=step-2-stage]", "approval")
    page.fill("input[name=step-2-name]", "处长会签")
    page.select_option("select[name=step-2-who]", "users")
    page.select_option("select[name=step-2-role]", "approver")
    page.select_option("select[name=step-2-users]", list(COUNTERSIGNERS))
    page.select_option("select[name=step-2-quorum_kind]", "count")
    page.fill("input[name=step-2-quorum_count]", "2")
    shot(page, "13-route-form")
    page.click("button.btn-primary:has-text('保存路线')")
    page.wait_for_load_state()
    assert "学生处三步路线" in page.content() and "路线未保存" not in page.content()


def _pass_review(page) -> None:
    for key in KEYS:
        page.check(f"#q_{key}_no")
    page.click("button:has-text('审查通过')")
    page.wait_for_load_state()


def _my_tasks(open_as, url: str, username: str) -> str:
    page = open_as(username)
    page.goto(url + "/")
    return page.content()


def test_an_item_walks_a_three_step_route_with_a_two_of_three_countersignature(open_as, people: LiveServer) -> None:
    url = people.url
    _define_route(open_as("admin"), url)

    drafter = open_as("drafter")
    drafter.goto(url + "/items/new")
    drafter.fill("#title", TITLE)
    drafter.select_option("#catalog_code", "1")
    drafter.fill("#body", "经学校研究，现将调整后的学生宿舍收费标准公示如下。")
    drafter.check("input[name=channels][value=website]")
    drafter.click("text=保存草稿")
    drafter.wait_for_url(re.compile(r"/items/\d+$"))
    item_url = drafter.url
    drafter.click("text=提交审查")
    drafter.wait_for_load_state()
    assert "学生处三步路线" in drafter.locator("#route").inner_text()

    assert TITLE not in _my_tasks(open_as, url, "bmb1")      # the 保密办's step is not active yet
    reviewer = open_as("reviewer")
    reviewer.goto(item_url)
    _pass_review(reviewer)
    assert reviewer.locator(".badge", has_text="保密审查").first.is_visible()  # still in review: step 2
    assert "保密办王老师" in reviewer.locator("#holders").inner_text()

    bmb = open_as("bmb1")
    bmb.goto(url + "/")
    assert TITLE in bmb.content()                             # theirs now, from another department
    bmb.click(f"text={TITLE}")
    bmb.wait_for_load_state()
    shot(bmb, "14-route-bmb-review")
    _pass_review(bmb)
    assert bmb.locator(".badge", has_text="审批").first.is_visible()

    first = open_as(COUNTERSIGNERS[0])
    first.goto(item_url)
    first.click("#btn-approve")
    first.wait_for_load_state()  # the confirmation says this vote does not publish yet
    assert "您批准后还需 1 人批准，之后立即发布" in first.locator("#confirm-publication").inner_text()
    first.click("#btn-confirm")
    first.wait_for_load_state()
    route = first.locator("#route").inner_text()
    assert "需 2 人决定，已有 1 人" in route and "财务处李处长" in route
    assert "approval" not in route and "secrecy_review" not in route  # plain Chinese, no keys
    holders = first.locator("#holders").inner_text()
    assert "招生就业处赵处长" in holders and "后勤处钱处长" in holders and "财务处李处长" not in holders

    second = open_as(COUNTERSIGNERS[1])
    second.goto(url + "/")
    assert TITLE in second.content()
    second.goto(item_url)
    second.click("#btn-approve")
    second.wait_for_load_state()
    assert "确认后立即发布" in second.locator("#confirm-publication").inner_text()
    second.click("#btn-confirm")
    second.wait_for_load_state()
    assert second.locator(".badge", has_text="已公开").first.is_visible()
    shot(second, "15-route-published")
    assert TITLE not in _my_tasks(open_as, url, COUNTERSIGNERS[2])  # 2 of 3: the third is not needed
