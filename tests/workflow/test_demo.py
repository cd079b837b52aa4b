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
