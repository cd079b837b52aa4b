"""End-to-end journeys in headless Chromium: the whole cycle of an item, the public side, 超期预警."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import LiveServer, shot
from workflow.checklist import KEYS

pytestmark = pytest.mark.browser
TITLE = "2025年秋季学期国家助学金评审结果公示"


def _create_and_submit(open_as, live_server: LiveServer) -> int:
    page = open_as("drafter")
    page.goto(live_server.url + "/items/new")
    page.fill("#title", TITLE)
    page.select_option("#catalog_code", "1")
    page.fill("#body", "经学院评审委员会评审，现将结果公示如下。\n公示期为5个工作日。")
    page.check("input[name=channels][value=wechat]")
    shot(page, "03-item-form")
    page.click("text=保存草稿")
    page.wait_for_url(re.compile(r"/items/\d+$"))
    item_id = int(page.url.rsplit("/", 1)[1])
    page.click("text=提交审查")
    page.wait_for_load_state()
    assert page.locator(".badge", has_text="保密审查").first.is_visible()
    return item_id


def test_full_cycle_to_public_directory(open_as, live_server: LiveServer) -> None:
    item_id = _create_and_submit(open_as, live_server)
    url = f"{live_server.url}/items/{item_id}"

    reviewer = open_as("reviewer")
    reviewer.goto(live_server.url + "/")
    assert TITLE in reviewer.content()
    shot(reviewer, "01-my-tasks")
    reviewer.goto(url)
    reviewer.fill("#return-reason", "请补充评审依据文件名称")
    reviewer.click("#btn-return")
    reviewer.wait_for_load_state()
    assert reviewer.locator(".badge", has_text="草稿").first.is_visible()

    drafter = open_as("drafter")
    drafter.goto(live_server.url + "/")  # 我的待办 marks the draft 已退回, the reason on hover and unfolded
    mark = drafter.locator(f"#item-row-{item_id} .returned-mark")
    assert mark.inner_text() == "已退回" and "请补充评审依据文件名称" in (mark.get_attribute("title") or "")
    reason = drafter.locator(f"#item-row-{item_id} .returned-reason")
    assert not reason.locator(".body-text").is_visible()
    reason.locator("summary").click()
    assert reason.locator(".body-text").inner_text() == "请补充评审依据文件名称"
    shot(drafter, "16-returned-draft")
    drafter.goto(url)
    assert "请补充评审依据文件名称" in drafter.locator(".timeline").inner_text()
    drafter.click("#btn-edit")
    drafter.fill("#body", "依据《国家助学金管理办法》，经学院评审委员会评审，现将结果公示如下。\n公示期为5个工作日。")
    drafter.click("text=保存草稿")
    drafter.wait_for_url(url)
    drafter.click("text=提交审查")
    drafter.wait_for_load_state()

    reviewer.goto(url)
    for key in KEYS:
        reviewer.check(f"#q_{key}_no")
    assert not reviewer.locator("#j-undecided").is_visible()   # a "yes" opens the inputs it needs
    reviewer.check("#q_undecided_yes")                          # a 公示 during its 公示期: published by design
    assert reviewer.locator("#j-undecided").is_visible() and not reviewer.locator("#j-commercial_secret").is_visible()
    reviewer.check("#j_undecided_ground-publicity")
    reviewer.fill("#j_undecided_reason", "助学金评审结果公示，公示期内接受监督")
    shot(reviewer, "04-review")
    reviewer.click("button:has-text('审查通过')")
    reviewer.wait_for_load_state()
    assert reviewer.locator(".badge", has_text="审批").first.is_visible()
    grounds = reviewer.locator(".review-grounds").first.inner_text()
    assert "过程性信息" in grounds and "公示期内的公示" in grounds and "接受监督" in grounds

    approver = open_as("approver")
    approver.goto(url)
    approver.click("#btn-approve")
    approver.wait_for_load_state()  # first what goes public, where and when: nothing is published yet
    confirm = approver.locator("#confirm-publication").inner_text()
    assert TITLE in confirm and "学校网站、微信公众号" in confirm and "确认后立即发布" in confirm
    shot(approver, "17-approve-confirm")
    approver.click("#btn-confirm")
    approver.wait_for_load_state()
    assert approver.locator(".badge", has_text="已公开").first.is_visible()
    assert "与上一版本的差异" in approver.content()
    shot(approver, "05-item-published")

    drafter.goto(live_server.url + "/submitted")  # 我发起的: found again, with its stage
    assert "已公开" in drafter.locator(f"#item-row-{item_id}").inner_text()
    reviewer.goto(live_server.url + "/done")  # 已办: what the reviewer decided
    assert "审查通过" in reviewer.locator(f"#item-row-{item_id}").inner_text()
    shot(reviewer, "18-done")

    public = open_as(None)
    public.goto(live_server.url + "/public/")
    assert TITLE in public.content()
    shot(public, "06-public-directory")
    public.click(f"text={TITLE}")
    public.wait_for_load_state()
    assert "学生处" in public.content()
    public.goto(live_server.url + "/public/feed.atom")
    assert TITLE in public.content()

    phone = open_as(None, mobile=True)
    phone.goto(live_server.url + "/public/")
    shot(phone, "09-public-phone")


def test_admin_sees_overdue_item_and_exports(open_as, live_server: LiveServer) -> None:
    item_id = _create_and_submit(open_as, live_server)
    live_server.clock.advance(days=14)  # far past the 3 working days of secrecy review
    try:
        admin = open_as("admin")
        assert admin.url.endswith("/admin/overdue")
        assert f"#{item_id}" in admin.locator("#overdue-table").inner_text()
        assert admin.locator("#overdue-table .badge", has_text="已超期").first.is_visible()
        shot(admin, "02-overdue")
        with admin.expect_download() as info:
            admin.click("#export-xlsx")
        download = info.value
        assert download.suggested_filename.endswith(".xlsx")
        from openpyxl import load_workbook
        import io
        book = load_workbook(io.BytesIO(download.path().read_bytes()))
        assert any(row[0] == item_id for row in book.active.iter_rows(min_row=2, values_only=True))
        with admin.expect_download() as info:
            admin.click("#export-csv")
        assert info.value.path().read_bytes().startswith(b"\xef\xbb\xbf")
        admin.goto(live_server.url + "/departments")
        shot(admin, "07-department-board")
        admin.goto(live_server.url + "/help")
        shot(admin, "08-help")
        admin.goto(live_server.url + "/admin/calendar?year=2025")
        shot(admin, "10-calendar")
    finally:
        live_server.clock.advance(days=-14)


def test_approver_approves_three_items_at_once(open_as, live_server: LiveServer) -> None:
    """批量批准: tick three items in 我的待办, see what each publishes, confirm, read the result of each."""
    from tests.conftest import CLEAR, item_payload
    from workflow.access import actor_from_user
    from workflow.services import items as svc
    from workflow.services.users import user_by_name
    app = live_server.app
    drafter, reviewer = (actor_from_user(user_by_name(app, name)) for name in ("drafter", "reviewer"))
    ids = []
    for n in range(3):
        item = svc.create_item(app, drafter, item_payload(title=f"2025年第{n + 1}批勤工助学岗位公示"))
        svc.submit(app, drafter, item.id)
        svc.pass_review(app, reviewer, item.id, checklist=CLEAR)
        ids.append(item.id)
    approver = open_as("approver")
    assert "逐项审查，一事一审" in approver.locator("#one-by-one").inner_text()
    for item_id in ids:
        approver.check(f"#select-{item_id}")
    approver.click("#btn-batch-approve")
    approver.wait_for_load_state()
    for item_id in ids:  # what, where and when, before anything is approved
        row = approver.locator(f"#preview-{item_id}").inner_text()
        assert "勤工助学岗位公示" in row and "学校网站、微信公众号" in row and "确认后立即发布" in row
    shot(approver, "19-batch-confirm")
    approver.click("#btn-batch-confirm")
    approver.wait_for_load_state()
    assert "已批准 3 项，未批准 0 项" in approver.locator("#batch-summary").inner_text()
    for item_id in ids:
        assert "已批准，已发布" in approver.locator(f"#result-{item_id}").inner_text()
    shot(approver, "20-batch-result")
