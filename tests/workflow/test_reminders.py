"""Reminder ledger and sweep: exactly-once rungs across the 2025 National Day holiday."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from db.models import Notification, Reminder, User
from tests.conftest import CLEAR, World, item_payload
from workflow.clock import SHANGHAI
from workflow.reminders import sweep
from workflow.services import items as svc
from workflow.services import queries


def _at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2025, month, day, hour, 0, tzinfo=SHANGHAI)


def _inbox(world: World, username: str) -> list[tuple[str, int | None]]:
    with world.app.db.read() as session:
        rows = session.execute(select(Notification.kind, Notification.item_id).join(User, User.id == Notification.user_id)
                               .where(User.username == username).order_by(Notification.id)).all()
    return [tuple(r) for r in rows]


def test_reviewer_walks_across_national_day(world: World, clock) -> None:
    app = world.app
    clock.set(_at(9, 29, 10))
    item = svc.create_item(app, world.drafter, item_payload(formed_on="2025-09-29"))
    svc.submit(app, world.drafter, item.id)
    assert _inbox(world, "reviewer") == [("submitted", item.id)]

    seen: list[tuple[datetime, list[tuple[str, int, tuple[str, ...]]]]] = []
    for moment in [_at(9, 30), _at(10, 3, 12), _at(10, 8, 18), _at(10, 9, 8), _at(10, 9, 15), _at(10, 10, 20),
                   _at(10, 11, 9), _at(10, 13), _at(10, 15, 23), _at(10, 16, 8), _at(10, 16, 9)]:
        clock.set(moment)
        result = sweep(app)
        seen.append((moment, [(n.rung, n.item_id, n.recipients) for n in result.notices]))
    fired = {moment: notices for moment, notices in seen if notices}
    # due 10-10 (3 working days: 09-30, 10-09, 10-10); due_soon on 10-09, overdue after 10-10 ends
    # (10-11 is a make-up Saturday), very_overdue 5 working days later (10-11, 13, 14, 15, 16).
    assert list(fired) == [_at(10, 9, 8), _at(10, 11, 9), _at(10, 16, 8)]
    assert fired[_at(10, 9, 8)] == [("due_soon", item.id, ("reviewer", "all_rounder"))]
    assert fired[_at(10, 11, 9)] == [("overdue", item.id, ("reviewer", "all_rounder"))]
    assert fired[_at(10, 16, 8)] == [("very_overdue", item.id, ("reviewer", "all_rounder", "admin"))]
    assert _inbox(world, "reviewer") == [("submitted", item.id), ("due_soon", item.id), ("overdue", item.id),
                                         ("very_overdue", item.id)]
    assert _inbox(world, "admin") == [("very_overdue", item.id)]
    assert _inbox(world, "drafter") == []  # the submitter may not review their own item
    assert sweep(app).notices == []

    page, extra = queries.overdue_items(app, world.admin)
    assert [i.id for i in page.items] == [item.id]
    assert extra[item.id] == {"rung": "very_overdue", "workdays_late": 5}


def test_leaving_the_stage_cancels_its_rungs(world: World, clock) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    with app.db.read() as session:
        assert session.scalar(select(func.count()).where(Reminder.item_id == item.id,
                                                         Reminder.stage == "draft")) == 3
    svc.submit(app, world.drafter, item.id)
    svc.pass_review(app, world.reviewer, item.id, checklist=CLEAR)
    with app.db.read() as session:
        states = dict(session.execute(select(Reminder.stage, func.count()).where(
            Reminder.item_id == item.id, Reminder.state == "pending").group_by(Reminder.stage)).all())
    assert states == {"approval": 3}
    clock.set(_at(12, 31, 9))
    result = sweep(app)
    # only the approval rungs fire; the approver is told, the reviewer of this revision is not
    assert {n.rung for n in result.notices} == {"due_soon", "overdue", "very_overdue"}
    assert all("reviewer" not in n.recipients or n.rung != "due_soon" for n in result.notices)
    assert ("approver", "all_rounder") == next(n.recipients for n in result.notices if n.rung == "due_soon")


def test_item_moved_on_after_claim_is_skipped(world: World, clock) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)
    clock.set(_at(12, 31, 9))

    def move_on(_ids: list[int]) -> None:
        if svc.get_item(app, world.admin, item.id).state == "secrecy_review":
            svc.return_item(app, world.reviewer, item.id, reason="请补充附件")

    result = sweep(app, on_claimed=move_on)
    assert result.skipped == 3  # the claimed review rungs: the item left the stage before they were told
    # what was told is the new draft entry's rungs (drafters; the head and admins once late)
    assert [(n.rung, n.recipients) for n in result.notices] == [
        ("due_soon", ("drafter", "drafter2", "all_rounder")),
        ("overdue", ("drafter", "drafter2", "all_rounder", "reviewer")),
        ("very_overdue", ("drafter", "drafter2", "all_rounder", "reviewer", "admin"))]
    assert ("returned", item.id) in _inbox(world, "drafter")


def test_events_notify_author_reviewers_and_admins(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter2, item.id)
    assert _inbox(world, "reviewer") == [("submitted", item.id)]
    svc.return_item(app, world.reviewer, item.id, reason="涉及个人信息")
    assert _inbox(world, "drafter") == [("returned", item.id)]
    assert _inbox(world, "drafter2") == [("returned", item.id)]
    with app.db.read() as session:
        body = session.scalar(select(Notification.body).where(Notification.kind == "returned").limit(1))
    assert "涉及个人信息" in body and f"/items/{item.id}" in body
    svc.submit(app, world.drafter, item.id)
    svc.pass_review(app, world.reviewer, item.id, checklist=CLEAR)
    svc.approve(app, world.approver, item.id)
    svc.take_down(app, world.admin, item.id, reason="发现错误信息")
    assert ("taken_down", item.id) in _inbox(world, "admin")
    assert ("taken_down", item.id) in _inbox(world, "drafter")


def test_sweep_summary_twice_is_empty(world: World, clock) -> None:
    app = world.app
    for _ in range(3):
        item = svc.create_item(app, world.drafter, item_payload())
        svc.submit(app, world.drafter, item.id)
    clock.set(_at(10, 31, 9))
    first = sweep(app, batch_size=2)
    assert len(first.notices) == 9 and first.claimed == 9
    assert sweep(app).notices == []


def test_calendar_override_redates_items_and_reminders(world: World, clock) -> None:
    from datetime import date

    from workflow.calendar import admin as calendar_admin
    from workflow.services.queries import item_history  # noqa: F401
    app = world.app
    clock.set(_at(9, 29, 10))
    item = svc.create_item(app, world.drafter, item_payload(formed_on="2025-09-29"))
    svc.submit(app, world.drafter, item.id)
    assert svc.get_item(app, world.admin, item.id).stage_due.astimezone(SHANGHAI).date() == date(2025, 10, 10)
    changed = calendar_admin.set_override(app, world.admin, date(2025, 10, 9), "rest", "校庆放假")
    assert item.id in changed
    assert svc.get_item(app, world.admin, item.id).stage_due.astimezone(SHANGHAI).date() == date(2025, 10, 11)
    with app.db.read() as session:
        soon = session.scalar(select(Reminder.due_at).where(Reminder.item_id == item.id, Reminder.rung == "due_soon",
                                                            Reminder.state == "pending"))
    assert soon.astimezone(SHANGHAI).date() == date(2025, 10, 10)
    calendar_admin.remove_override(app, world.admin, date(2025, 10, 9))
    assert svc.get_item(app, world.admin, item.id).stage_due.astimezone(SHANGHAI).date() == date(2025, 10, 10)
