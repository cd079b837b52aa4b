"""Admin calendar overrides: add or remove one date's rest/work decision and re-date open items.

The override row, the new deadlines of every open item (publish deadline, stage due date),
their pending reminders (the ``deadlines_changed`` hooks), open applications (the ``calendar_changed``
hooks) and one audit event commit together. Other processes (web workers, schedulers) notice the
new overrides within ``calendar.check_seconds`` (see ``workflow.calendar.store.StoredCalendar``).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from db.models import CalendarOverride, Item
from db.models.referrals import Referral
from workflow import audit
from workflow.access import ADMIN, Actor, require_role
from workflow.calendar import deadlines
from workflow.calendar.store import load_overrides
from workflow.calendar.workdays import DayOverride, WorkCalendar
from workflow.clock import local_date
from workflow.context import Gongkai
from workflow.errors import NotFound
from workflow.hooks import run_calendar_changed, run_deadlines_changed
from workflow.item_states import OPEN_STATES

BATCH = 1000


def _redate(app: Gongkai, session: Any, calendar: WorkCalendar) -> list[int]:
    """Recompute deadlines of open items with ``calendar``; returns the ids that changed."""
    changed: list[int] = []
    last_id = 0
    # waiting for the secrecy authority (workflow/referrals.py): no stage due date until the answer
    paused = set(session.scalars(select(Referral.item_id).where(Referral.answered_at.is_(None))))
    while True:
        items = session.scalars(select(Item).where(Item.state.in_(OPEN_STATES), Item.id > last_id)
                                .order_by(Item.id).limit(BATCH)).all()
        if not items:
            break
        for item in items:
            last_id = item.id
            before = (item.publish_deadline, item.stage_due)
            if item.formed_on is not None:
                result = deadlines.publish_deadline(calendar, item.formed_on, app.settings)
                item.publish_deadline, item.deadline_estimated = result.deadline, result.estimated
            if not (item.id in paused and item.stage_due is None):
                item.stage_due = deadlines.stage_due(calendar, item.state, item.stage_entered_at,
                                                     item.publish_deadline, app.settings)
            if (item.publish_deadline, item.stage_due) != before:
                changed.append(item.id)
                run_deadlines_changed(app, session, item, calendar)  # its reminder rungs move too
        session.flush()
    run_calendar_changed(app, session, calendar)
    return changed


def set_override(app: Gongkai, actor: Actor, day: date, kind: str, reason: str, source: str | None = None) -> list[int]:
    """Add or replace the override of ``day``; returns the ids of re-dated items."""
    require_role(actor, ADMIN)
    override = DayOverride(kind, reason, source)  # validates kind and reason
    now = app.now()
    overrides = {**load_overrides(app.db), day: override}
    calendar = WorkCalendar.default().with_overrides(overrides)
    with app.db.write() as session:
        row = session.get(CalendarOverride, day) or CalendarOverride(day=day)
        row.kind, row.reason, row.source, row.created_by_id, row.created_at = kind, reason, source, actor.id, now
        session.add(row)
        session.flush()
        changed = _redate(app, session, calendar)
        audit.append(session, at=now, actor=actor, subject=f"calendar:{day.isoformat()}", action="calendar_override",
                     reason=reason, data={"date": day.isoformat(), "kind": kind, "source": source,
                                          "redated": len(changed), "items": changed[:1000]})
    app.reload_calendar()
    return changed


def remove_override(app: Gongkai, actor: Actor, day: date) -> list[int]:
    """Remove the override of ``day``; returns the ids of re-dated items."""
    require_role(actor, ADMIN)
    now = app.now()
    overrides = dict(load_overrides(app.db))
    if day not in overrides:
        raise NotFound("该日期没有管理员调整", code="override_not_found")
    overrides.pop(day)
    calendar = WorkCalendar.default().with_overrides(overrides)
    with app.db.write() as session:
        row = session.get(CalendarOverride, day)
        if row is not None:
            session.delete(row)
            session.flush()
        changed = _redate(app, session, calendar)
        audit.append(session, at=now, actor=actor, subject=f"calendar:{day.isoformat()}",
                     action="calendar_override_removed", data={"date": day.isoformat(), "redated": len(changed),
                                                               "items": changed[:1000]})
    app.reload_calendar()
    return changed


def list_overrides(app: Gongkai) -> list[dict[str, Any]]:
    """All overrides, by date."""
    return [{"date": d.isoformat(), "kind": o.kind, "reason": o.reason, "source": o.source}
            for d, o in sorted(load_overrides(app.db).items())]


def calendar_gaps(app: Gongkai) -> list[int]:
    """Years the admins must load holiday data for now: this year if uncovered, and from
    1 November next year too (the 国务院办公厅 notice usually appears around then)."""
    today = local_date(app.now())
    wanted = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    return [year for year in wanted if not app.calendar.is_covered(year)]
