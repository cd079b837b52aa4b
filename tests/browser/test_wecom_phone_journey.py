"""Issue 16, 「Done when」: a reminder reaches a reviewer as a 企业微信 message that opens the review page on a
phone (390×844), and the reviewer passes the item there. The 企业微信 server is the local receiver of
tests/im_receiver.py, which checks every request as the public API documents it."""
from __future__ import annotations

import re
from typing import Iterator

import pytest
from sqlalchemy import func, select, update

from db.models import Reminder, User
from tests.browser.conftest import PASSWORD, LiveServer, people, shot
from tests.browser.layout_checks import assert_no_horizontal_overflow, assert_touch_targets
from tests.browser.test_phone_layout import DECISION_CONTROLS, _in_first_screen
from tests.im_receiver import Receiver, serve, settings_overrides
from workflow.checklist import KEYS
from workflow.scheduler import run_sweep
from workflow.services import items as svc
from workflow.wiring import build_gongkai

pytestmark = pytest.mark.browser
TITLE = "2025年秋季学期助学金评审结果"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve()


def test_a_wecom_reminder_opens_the_review_on_a_phone_and_the_item_is_passed(browser, live_server: LiveServer,
                                                                             receiver: Receiver) -> None:
    app = live_server.app
    actors = people(app)
    with app.db.write() as session:
        session.execute(update(User).where(User.username == "reviewer")
                        .values(wecom_userid="reviewer_wx", notify_pref="instant"))
    item = svc.create_item(app, actors["drafter"], {
        "title": TITLE, "body": "经学院推荐、学校评审，现将结果公布如下。", "department": "xsc", "catalog_code": "1",
        "channels": ["website"], "formed_on": "2025-09-26"})
    svc.submit(app, actors["drafter"], item.id)
    run_sweep(app)  # the live app has no 企业微信 configured: the 「待保密审查」 notice stays in the inbox only
    with app.db.read() as session:
        due = session.scalar(select(func.min(Reminder.due_at)).where(Reminder.item_id == item.id))
    live_server.clock.set(due)  # the review is due soon: the reminder sweep runs with 企业微信 on
    overrides = settings_overrides(receiver.base_url, dingtalk=False)
    overrides["institution"] = {"base_url": live_server.url}
    messaging = build_gongkai(db=app.db, settings=app.settings.with_overrides(overrides), clock=live_server.clock)
    run_sweep(messaging)
    run_sweep(messaging)

    cards = [m for m in receiver.of("wecom_send") if m.body["touser"] == "reviewer_wx"]
    assert receiver.problems == [] and len(cards) == 1
    card = cards[0].body["textcard"]
    assert card["title"].startswith("即将到期：") and TITLE in card["title"] and "环节：保密审查" in card["description"]
    url = card["url"]
    assert url == f"{live_server.url}/items/{item.id}"

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    try:
        page = context.new_page()
        page.set_default_timeout(10000)
        page.goto(url)  # as from the card's 「详情」 button: not logged in on this phone yet
        if "/login" in page.url:
            page.fill("#username", "reviewer")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(rf"/items/{item.id}$"))  # the login's next leads back to the item
        assert TITLE in page.inner_text("body")
        # the phone layout: nothing wider than the screen, the title and the 审查决定 opener on the first screen,
        # every decision control at least 44 px; the reviewer taps the opener, then each answer's label
        assert_no_horizontal_overflow(page)
        assert _in_first_screen(page, "h1.page-title") and _in_first_screen(page, "#decision-open")
        assert_touch_targets(page, DECISION_CONTROLS)
        page.locator("#decision-open").tap()
        for key in KEYS:
            page.locator(f"label[for=q_{key}_no]").tap()
            assert page.is_checked(f"#q_{key}_no")
        button = page.locator("#btn-pass_review")
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390  # reachable on the phone
        shot(page, "50-wecom-phone-review")
        with page.expect_navigation():
            button.tap()
        assert page.locator(".badge", has_text="审批").first.is_visible()
    finally:
        context.close()
    with app.db.read() as session:
        assert svc.get_item(app, actors["admin"], item.id).state == "approval"
