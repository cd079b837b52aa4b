"""Notifications that do not flood (issue 14): one inbox card per item with its latest message, 全部已读, and
public links built from the configured base URL — on both databases."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from db.models import Notification, User
from tests.conftest import World, item_payload
from workflow.clock import SHANGHAI
from workflow.reminders import sweep
from workflow.services import items as svc


def _unread(world: World, username: str) -> int:
    with world.app.db.read() as session:
        return session.scalar(select(func.count()).select_from(Notification).join(User, User.id == Notification.user_id)
                              .where(User.username == username, Notification.read_at.is_(None))) or 0


def test_three_reminders_about_one_item_are_one_card(as_user, world: World, clock: Any) -> None:
    clock.set(datetime(2025, 11, 3, 10, 0, tzinfo=SHANGHAI))
    item = svc.create_item(world.app, world.drafter, item_payload(title="一号事项"))
    other = svc.create_item(world.app, world.drafter, item_payload(title="二号事项"))
    for found in (item, other):
        svc.submit(world.app, world.drafter, found.id)
    clock.set(datetime(2025, 11, 20, 10, 0, tzinfo=SHANGHAI))  # due soon, overdue and very overdue: all at once
    assert len(sweep(world.app).notices) == 6
    assert _unread(world, "reviewer") == 8  # two submissions, three rungs each
    page = as_user("reviewer").get("/inbox").get_data(as_text=True)
    assert page.count('class="list-group-item d-flex justify-content-between align-items-start gap-2 inbox-card') == 2
    assert page.count("共 4 条") == 2 and "严重超期" in page
    latest = as_user("reviewer").get("/api/v1/notifications").get_json()["items"][0]
    reader = as_user("reviewer")
    assert reader.post(f"/inbox/{latest['id']}/read").status_code == 302
    assert _unread(world, "reviewer") == 4  # reading the card read the earlier messages about that item
    done = reader.post("/inbox/read-all", follow_redirects=True)
    assert done.status_code == 200 and "已全部标为已读" in done.get_data(as_text=True)
    assert _unread(world, "reviewer") == 0 and _unread(world, "all_rounder") == 8  # only one's own


def test_read_all_over_the_api(api, world: World) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload())
    svc.submit(world.app, world.drafter, item.id)
    assert api("reviewer").post("/api/v1/notifications/read-all").get_json() == {"marked": 1}
    assert api("reviewer").post("/api/v1/notifications/read-all").get_json() == {"marked": 0}
    assert _unread(world, "all_rounder") == 1
    assert api(None).post("/api/v1/notifications/read-all").status_code == 401


def test_feed_links_use_the_configured_public_address(as_user, world: World) -> None:
    from tests.conftest import CLEAR
    item = svc.create_item(world.app, world.drafter, item_payload())
    svc.submit(world.app, world.drafter, item.id)
    svc.pass_review(world.app, world.reviewer, item.id, checklist=CLEAR)
    svc.approve(world.app, world.approver, item.id)
    base = str(world.app.settings["institution.base_url"]).rstrip("/")
    feed = as_user(None).get("/public/feed.atom", base_url="http://10.0.0.7:8123").get_data(as_text=True)
    assert f"{base}/public/items/{item.id}" in feed and "10.0.0.7" not in feed
