"""The demo data: every state present, overdue items among them, applications in each phase."""
from __future__ import annotations

from datetime import datetime

import pytest

from sqlalchemy import func, select

from db.models import Application, Department, Item
from workflow import audit
from workflow.clock import SHANGHAI
from workflow.demo.current_year import demo_applications, demo_items
from workflow.demo.users import demo_users
from workflow.item_spec import STATES
from workflow.setup import sync_departments


@pytest.fixture
def departments(app) -> list[Department]:
    """The configured departments with their demo users, the clock in November 2025."""
    app.clock.set(datetime(2025, 11, 20, 10, 0, tzinfo=SHANGHAI))
    sync_departments(app)
    with app.db.read() as session:
        found = list(session.scalars(select(Department).order_by(Department.code)))
    demo_users(app, found)
    return found


def test_demo_covers_every_state_and_overdue(app, departments) -> None:
    now = app.now()
    for dept in departments[:2]:
        demo_items(app, dept, now)
    assert demo_applications(app, now) == 3
    with app.db.read() as session:
        states = dict(session.execute(select(Item.state, func.count()).group_by(Item.state)).all())
        overdue = session.scalar(select(func.count()).where(Item.state.in_(("draft", "secrecy_review")),
                                                            Item.stage_due < now))
        application_states = set(session.scalars(select(Application.state)))
        assert audit.verify(session).ok
    assert set(STATES) <= set(states), states
    assert overdue >= 4
    assert {"received", "replied"} <= application_states


def test_old_demo_notifications_are_settled(app, departments) -> None:
    from datetime import timedelta

    from db.models import Notification
    from workflow.demo.current_year import settle_old_notifications
    demo_items(app, departments[0], app.now())
    settle_old_notifications(app, app.now() - timedelta(days=7))
    with app.db.read() as session:
        old = session.scalars(select(Notification).where(
            Notification.created_at < app.now() - timedelta(days=7))).all()
        recent_unread = session.scalar(select(func.count(Notification.id)).where(Notification.read_at.is_(None)))
    assert old and all(n.read_at is not None and n.mail_status == "none" for n in old)
    assert recent_unread > 0  # this week's reminders stay for the demo users to see


def test_demo_route_takes_a_new_admissions_item_through_four_steps(app, departments) -> None:
    from tests.conftest import CLEAR
    from workflow.demo.routes import demo_route
    from workflow.demo.users import demo_actor
    from workflow.services import items as svc
    from workflow.setup import sync_catalog
    sync_catalog(app)
    assert demo_route(app) and not demo_route(app)  # once
    drafter = demo_actor(app, "zsjyc-drafter")
    item = svc.create_item(app, drafter, {"title": "2025年招生章程", "body": "招生章程全文。", "department": "zsjyc",
                                          "catalog_code": "7", "channels": ["website"], "formed_on": "2025-11-20"})
    svc.submit(app, drafter, item.id)
    for username, trigger in [("zsjyc-reviewer", "pass_review"), ("dzb-reviewer", "pass_review"),
                              ("cwc-approver", "approve"), ("zsjyc-approver", "approve"), ("dzb-approver", "approve")]:
        svc.transition(app, demo_actor(app, username), item.id, trigger,
                       {"checklist": CLEAR} if trigger == "pass_review" else {})
    assert svc.get_item(app, demo_actor(app, "admin"), item.id).state == "published"
