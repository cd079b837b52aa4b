"""Stored routes ↔ the ``Route`` value, the directory of people, and an item's route.

No verbs here (they are ``workflow.services.routes``): reading and row building that the verbs —
and, in the voting phase, submission — share.
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import CatalogCategory, CatalogEntry, Department, User, UserRole
from db.models.routes import (ReviewRoute, ReviewRouteCategory, ReviewRouteDepartment, ReviewRouteStep,
                              ReviewRouteStepUser)
from workflow.routes.eligibility import Directory, Person
from workflow.routes.model import COUNT, DEPARTMENT, USERS, Deciders, Quorum, Route, RouteStep
from workflow.routes.resolution import resolve

DECIDING_ROLES = ("reviewer", "approver", "drafter")  # drafters only tell where items can come from


def load_directory(session: Session) -> Directory:
    """Active people holding a role that matters to routes, active departments, 清单 categories."""
    departments = {d.code: d.name for d in session.scalars(
        select(Department).where(Department.active.is_(True)).order_by(Department.code))}
    users = session.scalars(select(User).where(User.active.is_(True), User.id.in_(
        select(UserRole.user_id).where(UserRole.role.in_(DECIDING_ROLES)))).order_by(User.username))
    people = tuple(Person(u.username, u.display_name or u.username, frozenset(u.roles),
                          frozenset(d.code for d in u.departments if d.active), bool(u.all_departments)) for u in users)
    categories = {c.code: c.title for c in session.scalars(select(CatalogCategory).order_by(CatalogCategory.position))}
    return Directory(people, departments, categories)


def _step(row: ReviewRouteStep, departments: dict[int, str], usernames: dict[int, str]) -> RouteStep:
    deciders = Deciders(row.deciders, row.role,
                        department=departments.get(row.department_id) if row.department_id else None,
                        users=tuple(sorted(usernames[u.user_id] for u in row.user_rows)))
    quorum = Quorum(row.quorum_kind, row.quorum_count if row.quorum_kind == COUNT else None)
    return RouteStep(row.stage, row.name, deciders, quorum, row.workdays)


def _lookups(session: Session, rows: Iterable[ReviewRoute]) -> tuple[dict[int, str], dict[int, str]]:
    rows = list(rows)
    dept_ids = {d.department_id for r in rows for d in r.department_rows} | {
        s.department_id for r in rows for s in r.steps if s.department_id}
    user_ids = {u.user_id for r in rows for s in r.steps for u in s.user_rows} | {
        i for r in rows for i in (r.created_by_id, r.updated_by_id) if i}
    departments = dict(session.execute(select(Department.id, Department.code).where(Department.id.in_(dept_ids))).all())
    usernames = dict(session.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all())
    return departments, usernames


def to_routes(session: Session, rows: Iterable[ReviewRoute]) -> list[Route]:
    """Stored rows as ``Route`` values (scope sorted; ``meta`` holds who changed it and when)."""
    rows = list(rows)
    departments, usernames = _lookups(session, rows)
    return [Route(name=row.name, steps=tuple(_step(s, departments, usernames) for s in row.steps),
                  catalog_codes=tuple(sorted(c.category_code for c in row.category_rows)),
                  departments=tuple(sorted(departments[d.department_id] for d in row.department_rows)),
                  id=row.id, version=row.version, active=row.active,
                  meta={"created_at": row.created_at, "updated_at": row.updated_at,
                        "created_by": usernames.get(row.created_by_id or 0),
                        "updated_by": usernames.get(row.updated_by_id or 0)})
            for row in rows]


def load_routes(session: Session, *, active_only: bool = False) -> list[Route]:
    """Every stored route (active ones only when asked), by name."""
    query = select(ReviewRoute).order_by(ReviewRoute.name)
    if active_only:
        query = query.where(ReviewRoute.active.is_(True))
    return to_routes(session, session.scalars(query))


def fill_rows(session: Session, row: ReviewRoute, route: Route) -> None:
    """Set ``row``'s scope and steps from ``route`` (names already checked to exist)."""
    dept_ids = dict(session.execute(select(Department.code, Department.id)).all())
    step_users = {u for s in route.steps for u in s.deciders.users}
    user_ids = dict(session.execute(select(User.username, User.id).where(User.username.in_(step_users))).all())
    if row.id is not None:
        # Old rows go first: new ones reuse their keys ((route, position), (route, department) …).
        row.category_rows, row.department_rows, row.steps = [], [], []
        session.flush()
    row.name, row.active = route.name, route.active
    row.category_rows = [ReviewRouteCategory(category_code=code) for code in route.catalog_codes]
    row.department_rows = [ReviewRouteDepartment(department_id=dept_ids[code]) for code in route.departments]
    row.steps = [ReviewRouteStep(
        position=n, stage=step.stage, name=step.name, deciders=step.deciders.kind, role=step.deciders.role,
        department_id=dept_ids[step.deciders.department] if step.deciders.kind == DEPARTMENT else None,
        quorum_kind=step.quorum.kind, quorum_count=step.quorum.count, workdays=step.workdays,
        user_rows=[ReviewRouteStepUser(user_id=user_ids[u]) for u in step.deciders.users]
        if step.deciders.kind == USERS else [])
        for n, step in enumerate(route.steps, 1)]


def route_for(session: Session, department_code: str, category_code: str | None, default: Route) -> Route:
    """The route an item of this department and 清单 category takes now (``default`` when none matches)."""
    return resolve(load_routes(session, active_only=True), department_code, category_code, default)


def item_scope(session: Session, department_id: int, catalog_code: str | None) -> tuple[str, str | None]:
    """``(department code, 清单 category code)`` of an item's department and 清单 entry."""
    department = session.scalar(select(Department.code).where(Department.id == department_id)) or ""
    category = session.scalar(select(CatalogEntry.category_code).where(CatalogEntry.code == catalog_code)) \
        if catalog_code else None
    return department, category


__all__ = ["fill_rows", "item_scope", "load_directory", "load_routes", "route_for", "to_routes"]
