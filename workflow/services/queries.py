"""Read-side verbs: item lists, task lists, department boards, overdue, history.

Every list is scoped (admins see all departments, others their own) and paginated, and
every filter is served by an index on (department, state, stage_due).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from db.models import AuditEvent, Department, Item
from workflow import deadlines
from workflow.access import APPROVER, DRAFTER, REVIEWER, Actor, require_role
from workflow.context import Gongkai
from workflow.errors import NotFound, ValidationFailed
from workflow.machine import OPEN_STATES, STATES
from workflow.services.items import load_visible
from workflow.views import event_to_dict


@dataclass(frozen=True)
class Page:
    """One page of results."""

    items: Sequence[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def page_args(app: Gongkai, page: Any = None, per_page: Any = None) -> tuple[int, int]:
    """Validated (page, per_page) from query parameters."""
    try:
        page_no = int(page) if page not in (None, "") else 1
        size = int(per_page) if per_page not in (None, "") else int(app.settings["limits.page_size_default"])
    except (TypeError, ValueError):
        raise ValidationFailed("page 和 per_page 必须是正整数", code="invalid_value", field="page") from None
    if page_no < 1 or size < 1:
        raise ValidationFailed("page 和 per_page 必须是正整数", code="invalid_value", field="page")
    return page_no, min(size, int(app.settings["limits.page_size_max"]))


def scope_filter(actor: Actor) -> Any:
    """SQL condition: items of the actor's departments (everything for admins and '*')."""
    if actor.is_admin or actor.all_departments:
        return True
    return Item.department_id.in_(sorted(actor.department_ids) or [-1])


def _paginate(session: Session, query: Select[Any], page: int, per_page: int) -> Page:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(rows, page, per_page, total)


def department_id(session: Session, code: str) -> int:
    """Id of the department with ``code`` (ValidationFailed when unknown)."""
    found = session.scalar(select(Department.id).where(Department.code == code))
    if found is None:
        raise ValidationFailed("未知的部门：%(dept)s", code="unknown_department", field="department", dept=code)
    return found


def _bool_arg(value: Any, name: str) -> bool | None:
    if value in (None, ""):
        return None
    lowered = str(value).lower()
    if lowered in ("1", "true", "yes"):
        return True
    if lowered in ("0", "false", "no"):
        return False
    raise ValidationFailed("%(name)s 必须是 true 或 false", code="invalid_value", field=name, name=name)


def list_items(app: Gongkai, actor: Actor, *, state: str | None = None, department: str | None = None,
               overdue: Any = None, q: str | None = None, page: Any = None, per_page: Any = None,
               sort: str = "due") -> Page:
    """Items in the actor's scope, filtered and paginated."""
    page_no, size = page_args(app, page, per_page)
    if state and state not in STATES:
        raise ValidationFailed("未知的状态：%(state)s", code="invalid_value", field="state", state=state)
    want_overdue = _bool_arg(overdue, "overdue")
    now = app.now()
    with app.db.read() as session:
        query = select(Item).where(scope_filter(actor))
        if department:
            query = query.where(Item.department_id == department_id(session, department))
        if state:
            query = query.where(Item.state == state)
        if want_overdue is not None:
            late = and_(Item.state.in_(OPEN_STATES), Item.stage_due < now)
            query = query.where(late if want_overdue else ~late)
        if q:
            query = query.where(Item.title.contains(q.strip()[:100], autoescape=True))
        order = (Item.stage_due.asc().nulls_last(), Item.id) if sort == "due" else (Item.id.desc(),)
        return _paginate(session, query.order_by(*order), page_no, size)


def _task_condition(actor: Actor) -> Any:
    """Items waiting for this actor: by role, in scope, never their own to decide."""
    conditions = []
    own = or_(Item.author_id == actor.id, Item.submitted_by_id == actor.id)

    def in_scope_for(role: str) -> Any:
        return True if actor.all_departments else Item.department_id.in_(sorted(actor.department_ids) or [-1])

    if actor.has_role(DRAFTER):
        conditions.append(and_(Item.state == "draft", in_scope_for(DRAFTER)))
    if actor.has_role(REVIEWER):
        conditions.append(and_(Item.state == "secrecy_review", in_scope_for(REVIEWER), ~own))
    if actor.has_role(APPROVER):
        conditions.append(and_(Item.state == "approval", in_scope_for(APPROVER), ~own,
                               or_(Item.reviewed_by_id.is_(None), Item.reviewed_by_id != actor.id)))
    return or_(*conditions) if conditions else False


def my_tasks(app: Gongkai, actor: Actor, *, page: Any = None, per_page: Any = None) -> Page:
    """Items awaiting the actor's action, earliest due first."""
    page_no, size = page_args(app, page, per_page)
    with app.db.read() as session:
        query = select(Item).where(_task_condition(actor)).order_by(Item.stage_due.asc().nulls_last(), Item.id)
        return _paginate(session, query, page_no, size)


def department_tasks(app: Gongkai, actor: Actor, code: str, *, limit_per_stage: int = 50) -> dict[str, Any]:
    """Pending items of one department by stage, with counts, due-soon/overdue and the oldest."""
    now = app.now()
    with app.db.read() as session:
        dept = session.scalar(select(Department).where(Department.code == code))
        if dept is None or not (actor.is_admin or actor.covers(dept.id)):
            raise NotFound("部门不存在或不在您的范围内", code="department_not_found")
        stages: dict[str, Any] = {}
        for stage in (*OPEN_STATES, "scheduled"):
            base = select(Item).where(Item.department_id == dept.id, Item.state == stage)
            count = session.scalar(select(func.count()).select_from(base.subquery())) or 0
            overdue = session.scalar(select(func.count()).select_from(
                base.where(Item.stage_due < now).subquery())) or 0
            rows = session.scalars(base.order_by(Item.stage_due.asc().nulls_last(), Item.id)
                                   .limit(limit_per_stage)).all()
            stages[stage] = {"count": count, "overdue": overdue, "items": list(rows)}
        return {"department": dept, "stages": stages}


def overdue_items(app: Gongkai, actor: Actor, *, department: str | None = None, stage: str | None = None,
                  page: Any = None, per_page: Any = None) -> tuple[Page, dict[int, dict[str, Any]]]:
    """Admin: open items past due, each with its rung and working days late."""
    from workflow.access import ADMIN
    require_role(actor, ADMIN)
    page_no, size = page_args(app, page, per_page)
    now = app.now()
    with app.db.read() as session:
        query = select(Item).where(Item.state.in_(OPEN_STATES), Item.stage_due < now)
        if department:
            query = query.where(Item.department_id == department_id(session, department))
        if stage:
            if stage not in OPEN_STATES:
                raise ValidationFailed("未知的阶段：%(stage)s", code="invalid_value", field="stage", stage=stage)
            query = query.where(Item.state == stage)
        result = _paginate(session, query.order_by(Item.stage_due.asc(), Item.id), page_no, size)
    calendar = app.calendar
    extra = {item.id: {"rung": deadlines.current_rung(calendar, item.stage_due, now, app.settings),
                       "workdays_late": deadlines.workdays_late(calendar, item.stage_due, now)}
             for item in result.items}
    return result, extra


def item_history(app: Gongkai, actor: Actor, item_id: int) -> list[dict[str, Any]]:
    """The audit events of one item, oldest first."""
    with app.db.read() as session:
        load_visible(session, actor, item_id)
        events = session.scalars(select(AuditEvent).where(AuditEvent.item_id == item_id)
                                 .order_by(AuditEvent.seq)).all()
        return [event_to_dict(event) for event in events]


def public_items(app: Gongkai, *, q: str | None = None, department: str | None = None,
                 catalog_code: str | None = None, page: Any = None, per_page: Any = None) -> Page:
    """Published items only, newest first (no login)."""
    page_no, size = page_args(app, page, per_page)
    with app.db.read() as session:
        query = select(Item).where(Item.state == "published")
        if department:
            query = query.where(Item.department_id == department_id(session, department))
        if catalog_code:
            query = query.where(Item.catalog_code == catalog_code)
        if q:
            term = q.strip()[:100]
            query = query.where(or_(Item.title.contains(term, autoescape=True),
                                    Item.body.contains(term, autoescape=True)))
        return _paginate(session, query.order_by(Item.published_at.desc(), Item.id.desc()), page_no, size)


def list_departments(app: Gongkai) -> list[Department]:
    """All active departments, by code."""
    with app.db.read() as session:
        return list(session.scalars(select(Department).where(Department.active.is_(True)).order_by(Department.code)))
