"""On a phone (issue 16): 我的待办, 部门待办, the item page and the review and approval pages at 390×844 and at
1366×900. Nothing in the main content runs past the window; at phone width tasks are cards, the decision
controls are at least 44 px and the bar at the bottom opens the decision panel from the first screen; the
unread count shows in the top bar without opening the menu; the item page shows a step line in place of
the state diagram. Screenshots 35–49 (docs/ui.md)."""
from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import SCREENSHOTS, LiveServer, shot
from tests.browser.conftest import people as browser_people
from tests.browser.layout_checks import assert_no_horizontal_overflow, assert_touch_targets
from tests.conftest import CLEAR, item_payload

pytestmark = pytest.mark.browser
SIZES = {"phone": (390, 844), "desktop": (1366, 900)}
LONG_TITLE = "关于2025年秋季学期家庭经济困难学生认定结果及国家助学金拟资助学生名单的公示"
#: The decision controls a finger must hit: every radio/checkbox label, the submit buttons (but the hidden
#: default button of a form with 常用意见), the 常用意见 picker, the findings' 确认放行 boxes and the opener.
DECISION_CONTROLS = ("#decision-panel .form-check-label, #decision-panel button[type=submit]:not(.visually-hidden), "
                     "#decision-panel .phrases a, #findings .finding-accept, #decision-open")


@pytest.fixture(scope="module")
def desk(live_server: LiveServer) -> dict[str, int]:
    """A long-titled notice with a phone number in review, one in approval, and a draft."""
    from workflow.services import attachments
    from workflow.services import items as svc
    app, people = live_server.app, browser_people(live_server.app)
    review = svc.create_item(app, people["drafter"], item_payload(
        title=LONG_TITLE, body="各学院：\n现将认定结果公示如下，如有异议请联系学生处，电话 13812345678。\n" + "认定说明。\n" * 30))
    attachments.add_attachment(app, people["drafter"], review.id, "认定结果汇总表-终稿.txt", "text/plain", b"ok")
    svc.submit(app, people["drafter"], review.id)
    approval = svc.create_item(app, people["drafter"], item_payload(title="2025年学生资助政策简介"))
    svc.submit(app, people["drafter"], approval.id)
    svc.pass_review(app, people["reviewer"], approval.id, checklist=CLEAR)
    draft = svc.create_item(app, people["drafter"], item_payload(
        title="学生宿舍管理办法（修订稿）", body="宿舍管理员电话 13912345678，身份证号见附件。"))
    return {"review": review.id, "approval": approval.id, "draft": draft.id}


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    return request.param


def _open(open_as: Any, live_server: LiveServer, size: str, username: str, path: str) -> Any:
    page = open_as(username, mobile=size == "phone")
    assert page.viewport_size == dict(zip(("width", "height"), SIZES[size]))
    page.goto(live_server.url + path)
    return page


def _in_first_screen(page: Any, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"] \
        and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]


def _scrolled_to(page: Any, selector: str) -> bool:
    """Whether ``selector``'s top reaches the top of the window within two seconds (Bootstrap scrolls smoothly)."""
    for _ in range(20):
        if 0 <= page.locator(selector).bounding_box()["y"] < 60:
            return True
        page.wait_for_timeout(100)
    return False


def test_my_tasks(open_as, live_server: LiveServer, desk: dict[str, int], size: str) -> None:
    page = _open(open_as, live_server, size, "reviewer", "/")
    assert_no_horizontal_overflow(page)
    row = page.locator(f"#item-row-{desk['review']}")
    title = row.locator(".cell-title a")
    assert title.inner_text() == LONG_TITLE
    status = row.locator(".cell-due .badge")
    assert status.is_visible() and "工作日" in status.inner_text()
    assert row.locator(".holding-people").is_visible() and row.locator(".cell-department").is_visible()
    if size == "phone":
        assert page.locator("table.task-table thead").is_hidden()            # a card, not the wide table
        assert title.bounding_box()["width"] > 250                           # the title runs across the card
        assert "当前处理人" in row.locator(".holding-people").evaluate(
            "el => getComputedStyle(el, '::before').content")
        assert page.locator("#unread-badge").is_visible()                    # without opening the menu
        assert page.locator("#nav").is_hidden()
        shot(page, "35-tasks-phone")
    else:
        assert page.locator("table.task-table thead").is_visible()
        assert page.locator("#unread-count").is_visible() and page.locator("#unread-badge").is_hidden()
        shot(page, "36-tasks-desktop")


def test_batch_selection_on_my_tasks(open_as, live_server: LiveServer, desk: dict[str, int], size: str) -> None:
    page = _open(open_as, live_server, size, "approver", "/")
    assert_no_horizontal_overflow(page)
    assert page.locator(f"#select-{desk['approval']}").is_visible()
    if size == "phone":
        assert_touch_targets(page, ".task-table .touch-check")
        page.locator(f"#item-row-{desk['approval']} .touch-check").click(position={"x": 3, "y": 3})
        assert page.locator(f"#select-{desk['approval']}").is_checked()     # the whole cell is the target


def test_department_tasks(open_as, live_server: LiveServer, desk: dict[str, int], size: str) -> None:
    page = _open(open_as, live_server, size, "reviewer", "/departments")
    assert_no_horizontal_overflow(page)
    shot(page, f"{45 if size == 'phone' else 46}-department-board-{size}")
    page.goto(live_server.url + "/departments/xsc")
    assert_no_horizontal_overflow(page)
    assert page.locator(f"#item-row-{desk['review']} .cell-title").inner_text().startswith(LONG_TITLE)
    shot(page, f"{47 if size == 'phone' else 48}-department-tasks-{size}")


def test_done_list(open_as, live_server: LiveServer, desk: dict[str, int], size: str) -> None:
    page = _open(open_as, live_server, size, "reviewer", "/done")
    assert_no_horizontal_overflow(page)
    assert page.locator(f"#item-row-{desk['approval']} .handled").is_visible()
    if size == "phone":
        shot(page, "49-done-phone")


def test_item_page_steps(open_as, live_server: LiveServer, desk: dict[str, int], size: str) -> None:
    page = _open(open_as, live_server, size, "drafter", f"/items/{desk['approval']}")
    assert_no_horizontal_overflow(page)
    if size == "phone":
        steps = page.locator("#item-steps .step")
        assert [s.strip() for s in steps.all_inner_texts()] == ["起草", "保密审查", "审批", "已公开"]
        assert page.locator("#item-steps .step-current").inner_text().strip() == "审批"
        assert page.locator("#item-steps .step-done").count() == 2
        assert page.locator("#state-diagram").is_hidden()
        # the drafter decides nothing here: the bar names what is on offer (撤回), not the approver's decision
        assert page.locator("#decision-open").inner_text().strip() == "办理"
        page.locator("#item-steps").scroll_into_view_if_needed()
        shot(page, "40-item-phone-steps")
    else:
        assert page.locator("#state-diagram svg").is_visible() and page.locator("#item-steps").is_hidden()
        shot(page, "41-item-desktop")
    # the drafter's own draft: 修改, upload, 保密自检 and 一键脱敏 fit as well
    page.goto(f"{live_server.url}/items/{desk['draft']}")
    assert page.locator("#self-check").is_visible()
    assert_no_horizontal_overflow(page)
    if size == "phone":
        assert page.locator("#item-steps .step-current").inner_text().strip() == "起草"


@pytest.mark.parametrize("stage", ["review", "approval"])
def test_decision_page(open_as, live_server: LiveServer, desk: dict[str, int], size: str, stage: str) -> None:
    user = "reviewer" if stage == "review" else "approver"
    page = _open(open_as, live_server, size, user, f"/items/{desk[stage]}")
    assert_no_horizontal_overflow(page)
    numbers = {"review": (37, 38, 39), "approval": (42, 43, 44)}[stage]
    if size == "desktop":
        body, panel = page.locator(".body-text").first.bounding_box(), page.locator("#decision-panel").bounding_box()
        assert panel["x"] > body["x"] + body["width"] - 1                   # the two columns stay
        assert page.locator("#decision-open").is_hidden()
        shot(page, f"{numbers[2]}-{stage}-desktop")
        return
    # content first: the title and the text come before the panel, and the opener is on the first screen
    assert _in_first_screen(page, "h1.page-title") and _in_first_screen(page, "#decision-open")
    text, panel = page.locator(".body-text").first.bounding_box(), page.locator("#decision-panel").bounding_box()
    assert text["y"] < panel["y"]
    assert page.locator("#decision-open").inner_text().startswith("审查决定" if stage == "review" else "审批决定")
    page.screenshot(path=str(SCREENSHOTS / f"{numbers[0]}-{stage}-phone.png"))    # the first screen
    assert_touch_targets(page, DECISION_CONTROLS)
    if stage == "review":
        assert page.locator("#findings .finding-accept").count() >= 1
        page.locator(f"label[for=q_{'state_secret'}_no]").click()           # the label is the target
        assert page.is_checked("#q_state_secret_no")
    page.click("#decision-open")
    assert _scrolled_to(page, "#decision-panel")                          # the panel at the top of the screen
    first = "#btn-pass_review" if stage == "review" else "#approve-form, #btn-approve"
    assert page.locator(first).first.count() == 1
    page.screenshot(path=str(SCREENSHOTS / f"{numbers[1]}-{stage}-phone-decision.png"))
    assert_no_horizontal_overflow(page)
