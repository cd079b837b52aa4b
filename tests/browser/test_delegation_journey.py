"""委托 in the browser (issue 14): the reviewer names a delegate for next week in 设置; once the week has come the
delegate finds the reviewer's task marked 「代」 in 我的待办, passes it, and the history says 乙 代 甲."""
from __future__ import annotations

from datetime import datetime

import pytest

from tests.browser.conftest import PASSWORD, LiveServer, shot
from workflow.checklist import KEYS
from workflow.clock import SHANGHAI

pytestmark = pytest.mark.browser
TITLE = "2025年秋季学期勤工助学岗位调整公示"
NOW = datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI)   # Friday; next week: Monday 09-29 to Friday 10-03


@pytest.fixture(scope="module")
def in_review(live_server: LiveServer) -> int:
    """An item of 学生处 waiting for its secrecy review, and 教务处's reviewer, who is to stand in."""
    from tests.conftest import item_payload
    from workflow.access import actor_from_user
    from workflow.services import items as svc
    from workflow.services.users import add_user, user_by_name
    app = live_server.app
    add_user(app, "jwc-reviewer", roles=["reviewer"], departments=["jwc"], password=PASSWORD, display_name="李审查")
    drafter = actor_from_user(user_by_name(app, "drafter"))
    item = svc.create_item(app, drafter, item_payload(title=TITLE))
    svc.submit(app, drafter, item.id)
    return item.id


def test_a_delegate_passes_the_task_of_a_reviewer_away_next_week(open_as, live_server: LiveServer,
                                                                  in_review: int) -> None:
    url = live_server.url
    live_server.clock.set(NOW)
    try:
        reviewer = open_as("reviewer")
        reviewer.goto(url + "/settings")
        reviewer.select_option("#delegate", "jwc-reviewer")
        reviewer.fill("#starts_on", "2025-09-29")
        reviewer.fill("#ends_on", "2025-10-03")
        reviewer.click("#btn-set-delegation")
        reviewer.wait_for_load_state()
        current = reviewer.locator("#current-delegation").inner_text()
        assert "李审查" in current and "未开始" in current
        shot(reviewer, f"21-delegation-settings-{live_server.app.db.dialect}")

        delegate = open_as("jwc-reviewer")
        delegate.goto(url + "/")
        assert TITLE not in delegate.content()     # not yet: the delegation starts on Monday

        live_server.clock.set(datetime(2025, 9, 29, 9, 0, tzinfo=SHANGHAI))   # into next week
        delegate = open_as("jwc-reviewer")   # a new login: the sessions of last week have expired
        delegate.goto(url + "/")
        row = delegate.locator(f"#item-row-{in_review}")
        assert TITLE in row.inner_text() and row.locator(".delegated-mark").inner_text() == "代 reviewer"
        shot(delegate, f"22-delegated-task-{live_server.app.db.dialect}")
        row.locator("a", has_text=TITLE).click()
        delegate.wait_for_load_state()
        for key in KEYS:
            delegate.check(f"#q_{key}_no")
        button = delegate.locator("#btn-pass_review")
        assert "（代 reviewer）" in button.inner_text()
        button.click()
        delegate.wait_for_load_state()
        assert delegate.locator(".badge", has_text="审批").first.is_visible()
        history = delegate.locator(".timeline").inner_text()
        assert "李审查 代 reviewer" in history
        shot(delegate, f"23-delegated-history-{live_server.app.db.dialect}")

        reviewer = open_as("reviewer")
        reviewer.goto(url + "/inbox")             # the reviewer is told what was done for them
        assert "代您办理" in reviewer.content() and TITLE in reviewer.content()
        reviewer.goto(f"{url}/items/{in_review}")
        assert "李审查 代 reviewer" in reviewer.locator(".timeline").inner_text()
    finally:
        live_server.clock.set(NOW)
