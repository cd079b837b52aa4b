"""Review routes, for admins: list, read, create, update, deactivate (docs/routes.md).

Saving checks the whole route (``workflow.routes.checks.check_route``) against the people and
routes stored at that moment, inside the write transaction: a route whose steps cannot reach their
quorum for a department in its scope, or that ties with another route, is refused (422) with every
problem in ``details.problems``. Edits carry the version read (409 when someone saved in between);
every change is one audit event with the route as saved.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from db.models import User
from db.models.routes import ReviewRoute
from workflow import audit
from workflow.access import ADMIN, Actor, require_role
from workflow.context import Gongkai
from workflow.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from workflow.item_spec import spec_of
from workflow.routes import store
from workflow.routes.checks import Problem, check_route
from workflow.routes.eligibility import Directory
from workflow.routes.default import default_route
from workflow.routes.model import Route, parse_route


# Route saves are serialised (PostgreSQL: a transaction-scoped advisory lock; SQLite: the write lock of
# BEGIN IMMEDIATE), so the name, tie and version checks see every save committed before them: two
# admins saving at once get one success and one clean 409/422, never a constraint error.
ROUTES_LOCK_KEY = 0x6E6B_5254


def _lock(app: Gongkai, session: Session) -> None:
    if app.db.is_postgres:
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ROUTES_LOCK_KEY})


def route_default(app: Gongkai) -> Route:
    """The default route of ``app``'s item workflow (derived, never stored)."""
    return default_route(spec_of(app))


def list_routes(app: Gongkai, actor: Actor) -> list[Route]:
    """Every stored route, active or not, by name (admins)."""
    require_role(actor, ADMIN)
    with app.db.read() as session:
        return store.load_routes(session)


def _row(session: Session, route_id: int) -> ReviewRoute:
    row = session.get(ReviewRoute, route_id)
    if row is None:
        raise NotFound("路线不存在", code="unknown_route")
    return row


def get_route(app: Gongkai, actor: Actor, route_id: int) -> Route:
    """One stored route (admins); 404 when there is none."""
    require_role(actor, ADMIN)
    with app.db.read() as session:
        return store.to_routes(session, [_row(session, route_id)])[0]


def refuse(problems: list[Problem]) -> None:
    """Raise the first problem as ``ValidationFailed`` (422), with all of them in ``details``."""
    if problems:
        first = problems[0]
        raise ValidationFailed(first.message, code=first.code, field=first.field,
                               details={"problems": [p.to_dict() for p in problems]}, **first.params)


def _check(session: Session, route: Route) -> None:
    if session.scalar(select(ReviewRoute.id).where(ReviewRoute.name == route.name,
                                                   ReviewRoute.id != (route.id or 0))) is not None:
        raise Conflict("已有同名路线：%(name)s", code="route_exists", name=route.name)
    others = [r for r in store.load_routes(session, active_only=True) if r.id != route.id]
    refuse(check_route(route, store.load_directory(session), others))


def _user_id(session: Session, actor: Actor) -> int | None:
    return session.scalar(select(User.id).where(User.id == actor.id)) if actor.id is not None else None


def _saved(session: Session, row: ReviewRoute) -> Route:
    try:
        session.flush()
    except StaleDataError as error:
        raise StaleVersion("该路线已被他人修改，请刷新后重试") from error
    return store.to_routes(session, [row])[0]


def create_route(app: Gongkai, actor: Actor, body: Any) -> Route:
    """Create a route from the API body; 422 with the problems when it cannot work."""
    require_role(actor, ADMIN)
    route = parse_route(body)
    now = app.now()
    with app.db.write() as session:
        _lock(app, session)
        _check(session, route)
        by = _user_id(session, actor)
        row = ReviewRoute(name=route.name, active=route.active, created_at=now, updated_at=now, created_by_id=by,
                          updated_by_id=by)
        store.fill_rows(session, row, route)
        session.add(row)
        saved = _saved(session, row)
        audit.append(session, at=now, actor=actor, subject=f"route:{saved.id}", action="route_create",
                     data=saved.to_json())
    return saved


def _check_version(row: ReviewRoute, expected: int | None) -> None:
    if expected is None:
        raise ValidationFailed("缺少必填项：%(field)s（修改路线须带上读取时的版本）", code="missing_field",
                               field="version")
    if expected != row.version:
        raise StaleVersion("该路线已被他人修改（当前版本 %(current)d，您的版本 %(yours)d），请刷新后重试",
                           current=row.version, yours=expected)


def update_route(app: Gongkai, actor: Actor, route_id: int, body: Any, expected_version: int | None) -> Route:
    """Replace a route's name, scope and steps; items already submitted keep their snapshot."""
    require_role(actor, ADMIN)
    route = parse_route(body)
    now = app.now()
    with app.db.write() as session:
        _lock(app, session)
        row = _row(session, route_id)
        _check_version(row, expected_version)
        _check(session, route.with_meta(id=route_id))
        store.fill_rows(session, row, route)
        row.updated_at, row.updated_by_id = now, _user_id(session, actor)
        saved = _saved(session, row)
        audit.append(session, at=now, actor=actor, subject=f"route:{route_id}", action="route_update",
                     data=saved.to_json())
    return saved


def deactivate_route(app: Gongkai, actor: Actor, route_id: int, expected_version: int | None) -> Route:
    """Stop using a route for new submissions (kept for the items that went through it)."""
    require_role(actor, ADMIN)
    now = app.now()
    with app.db.write() as session:
        _lock(app, session)
        row = _row(session, route_id)
        _check_version(row, expected_version)
        row.active, row.updated_at, row.updated_by_id = False, now, _user_id(session, actor)
        saved = _saved(session, row)
        audit.append(session, at=now, actor=actor, subject=f"route:{route_id}", action="route_deactivate",
                     data={"name": saved.name, "version": saved.version})
    return saved


def route_for_item(app: Gongkai, item_id: int) -> Route:
    """The route an item would take if submitted now (the voting phase snapshots it at submission)."""
    from db.models import Item
    with app.db.read() as session:
        item = session.get(Item, item_id)
        if item is None:
            raise NotFound("事项不存在", code="unknown_item")
        department, category = store.item_scope(session, item.department_id, item.catalog_code)
        return store.route_for(session, department, category, route_default(app))


def route_directory(app: Gongkai, actor: Actor) -> Directory:
    """The names the route pages show and offer: people, departments, 清单 categories (admins)."""
    require_role(actor, ADMIN)
    with app.db.read() as session:
        return store.load_directory(session)
