"""What the disclosure office (admins) must act on: its own 我的待办.

An admin decides no review step of a department, so the ordinary task list is empty for them; their
work is elsewhere — publications waiting for their time, 公示 past their end still online, leak
incidents to report within 24 hours, answers of the secrecy authority to record, requests for
disclosure waiting for a handling department, accounts (from 统一身份认证 or the directory) waiting for a
role, holiday calendars to load, and items past due.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from db.models import Application, Incident, Item, Referral, User, UserRole
from workflow.access import ADMIN, Actor, require_role
from workflow.calendar.admin import calendar_gaps
from workflow.context import Gongkai
from workflow.item_spec import spec_of

#: Rows shown per section; the section says how many there are in all.
SECTION_ROWS = 10


@dataclass(frozen=True)
class Section:
    """Rows of one kind of office work (first ``SECTION_ROWS``) and how many there are."""

    rows: list[Any] = field(default_factory=list)
    total: int = 0


@dataclass(frozen=True)
class OfficeTasks:
    """The office's work, by kind."""

    scheduled: Section
    display_ended: Section
    incidents: Section
    referrals: Section
    unassigned_applications: Section
    awaiting_roles: Section
    overdue_items: int
    calendar_gaps: list[int]
    shown_per_section: int = SECTION_ROWS

    @property
    def count(self) -> int:
        """How many things wait for the office (each calendar year to load counts once)."""
        return (self.scheduled.total + self.display_ended.total + self.incidents.total + self.referrals.total
                + self.unassigned_applications.total + self.awaiting_roles.total + self.overdue_items + len(self.calendar_gaps))


def office_tasks(app: Gongkai, actor: Actor) -> OfficeTasks:
    """The disclosure office's own 我的待办 (admins only: Forbidden otherwise)."""
    require_role(actor, ADMIN)
    now = app.now()
    open_states = tuple(spec_of(app).open_states)
    with app.db.read() as session:
        def section(query: Any, order: Any) -> Section:
            total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
            rows = list(session.execute(query.order_by(*order).limit(SECTION_ROWS)).all()) if total else []
            return Section([row[0] if len(row) == 1 else tuple(row) for row in rows], total)

        scheduled = section(select(Item).where(Item.state == "scheduled"), (Item.publish_at, Item.id))
        # the scheduler takes a 公示 down at its end; one still online after it is the office's to remove
        display_ended = section(select(Item).where(Item.state == "published", Item.display_until < now),
                                (Item.display_until, Item.id))
        incidents = section(select(Incident, Item.title).join(Item, Item.id == Incident.item_id)
                            .where(Incident.reported_at.is_(None)), (Incident.report_due, Incident.id))
        referrals = section(select(Referral, Item.title).join(Item, Item.id == Referral.item_id)
                            .where(Referral.answered_at.is_(None)), (Referral.due_at, Referral.id))
        applications = section(select(Application).where(Application.state == "received",
                                                         Application.department_id.is_(None)),
                               (Application.due_on, Application.id))
        # first logins by 统一身份认证 / the directory: active accounts an admin has not granted a role yet
        awaiting_roles = section(select(User).where(User.active.is_(True), ~User.role_rows.any(UserRole.role.is_not(None))),
                                 (User.created_at, User.id))
        overdue = session.scalar(select(func.count()).select_from(Item)
                                 .where(Item.state.in_(open_states), Item.stage_due < now)) or 0
        for item in [*scheduled.rows, *display_ended.rows]:
            item.department  # noqa: B018 - loaded while the session is open (the page shows its name)
    return OfficeTasks(scheduled, display_ended, incidents, referrals, applications, awaiting_roles, overdue,
                       calendar_gaps(app))
