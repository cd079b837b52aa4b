"""委托 (delegation): name one colleague to decide for you over a range of calendar dates.

A user sets their own (``/api/v1/me/delegation``, the 设置 page); an admin sets anyone's
(``/api/v1/users/{username}/delegation``, /admin/delegations). A person has at most one delegation that is in
force or still to come: a new one replaces it (the old row is ended, never deleted); DELETE ends it now. The
dates are local (Asia/Shanghai) calendar dates, both inclusive, weekends and holidays included; a range that
started before today counts from today (nothing is delegated after the fact). Refused: oneself, an unknown
or inactive delegate, an end before the start or in the past, a range longer than ``delegation.max_days``,
and chains — a delegate who is away themselves (delegated to someone else over those dates), or a person who
is someone's delegate over those dates delegating in turn. Every change is audited; the delegate is told.

What a delegate may then do is ``workflow/delegation.py``'s (docs/delegation.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from db.models import User
from db.models.delegations import Delegation
from workflow import audit
from workflow.access import Actor
from workflow.clock import local_date
from workflow.context import Gongkai
from workflow.errors import Conflict, Forbidden, NotFound, ValidationFailed
from workflow.i18n import gettext as _
from workflow.inputs import check_text, json_object, parse_date
from workflow.notifications import Directory, notify
from workflow.services.items import write_transaction

FIELDS = ("delegate", "starts_on", "ends_on")
DEFAULT_MAX_DAYS = 90


@dataclass(frozen=True)
class Person:
    """A user as a delegation shows them."""

    username: str
    name: str

    def to_json(self) -> dict[str, str]:
        return {"username": self.username, "name": self.name}


@dataclass(frozen=True)
class DelegationView:
    """One delegation as the API and the pages show it."""

    id: int
    user: Person
    delegate: Person
    starts_on: date
    ends_on: date
    active: bool              # in force today
    created_at: datetime
    ended_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        """``{id, user, delegate, starts_on, ends_on, active, created_at, ended_at}``."""
        return {"id": self.id, "user": self.user.to_json(), "delegate": self.delegate.to_json(),
                "starts_on": self.starts_on.isoformat(), "ends_on": self.ends_on.isoformat(), "active": self.active,
                "created_at": self.created_at.isoformat(), "ended_at": self.ended_at.isoformat() if self.ended_at else None}


def max_days(app: Gongkai) -> int:
    """The longest range a delegation may cover (setting ``delegation.max_days``)."""
    return int(app.settings.get("delegation.max_days", DEFAULT_MAX_DAYS))


def _open(day: date) -> Any:
    """A delegation in force on ``day`` or still to come (not ended)."""
    return and_(Delegation.ended_at.is_(None), Delegation.ends_on >= day)


def _overlaps(starts_on: date, ends_on: date) -> Any:
    return and_(Delegation.ended_at.is_(None), Delegation.starts_on <= ends_on, Delegation.ends_on >= starts_on)


_DELEGATE = aliased(User, name="delegate_user")


def _views(session: Session, condition: Any, day: date) -> list[DelegationView]:
    rows = session.execute(select(Delegation, User.username, User.display_name, _DELEGATE.username,
                                  _DELEGATE.display_name)
                           .join(User, User.id == Delegation.user_id).join(_DELEGATE, _DELEGATE.id == Delegation.delegate_id)
                           .where(condition).order_by(Delegation.starts_on, User.username)).all()
    return [DelegationView(row[0].id, Person(row[1], row[2] or row[1]), Person(row[3], row[4] or row[3]),
                           row[0].starts_on, row[0].ends_on,
                           row[0].starts_on <= day <= row[0].ends_on and row[0].ended_at is None,
                           row[0].created_at, row[0].ended_at) for row in rows]


def _subject(session: Session, actor: Actor, username: str | None, *, lock: bool = False) -> User:
    """The user whose delegation is read or changed: the actor, or (admins) the user named."""
    if username is not None and username != actor.username and not actor.is_admin:
        raise Forbidden("只有管理员可以设置他人的委托", code="forbidden")
    query = select(User).where(User.username == username) if username is not None \
        else select(User).where(User.id == actor.id)
    if lock:
        query = query.with_for_update()  # PostgreSQL: one change of a person's delegation at a time
    user = session.scalar(query)
    if user is None:
        raise NotFound("用户不存在", code="user_not_found")
    return user


def get_delegation(app: Gongkai, actor: Actor, username: str | None = None) -> DelegationView:
    """The user's delegation in force today, else the next one to come; NotFound ``no_delegation``."""
    day = local_date(app.now())
    with app.db.read() as session:
        user = _subject(session, actor, username)
        found = _views(session, and_(Delegation.user_id == user.id, _open(day)), day)
    if not found:
        raise NotFound("当前没有生效或待生效的委托", code="no_delegation")
    return found[0]


def represented(app: Gongkai, actor: Actor) -> list[DelegationView]:
    """The delegations naming ``actor`` as the delegate that are in force today or still to come."""
    day = local_date(app.now())
    with app.db.read() as session:
        return _views(session, and_(Delegation.delegate_id == actor.id, _open(day)), day)


def list_delegations(app: Gongkai, actor: Actor) -> list[DelegationView]:
    """Admins: every delegation in force today or still to come."""
    if not actor.is_admin:
        raise Forbidden("只有管理员可以查看全部委托", code="forbidden")
    day = local_date(app.now())
    with app.db.read() as session:
        return _views(session, _open(day), day)


def eligible_delegates(app: Gongkai, actor: Actor, username: str | None = None) -> list[Person]:
    """Whom the user may name (the select of the 设置 page): every other active user, by name. Whether one of
    them is away over the dates chosen is judged when the delegation is set."""
    with app.db.read() as session:
        user = _subject(session, actor, username)
        rows = session.execute(select(User.username, User.display_name).where(User.active.is_(True), User.id != user.id)
                               .order_by(User.display_name, User.username)).all()
    return [Person(row.username, row.display_name or row.username) for row in rows]


def _parse(app: Gongkai, data: Any, today: date) -> tuple[str, date, date]:
    json_object(data, FIELDS)
    delegate = data.get("delegate")
    if delegate in (None, "") or (isinstance(delegate, str) and not delegate.strip()):
        raise ValidationFailed("请选择受托人", code="delegate_required", field="delegate")
    if not isinstance(delegate, str) or len(delegate) > 64:
        raise ValidationFailed("受托人必须是用户名", code="invalid_type", field="delegate")
    delegate = check_text(delegate.strip(), "delegate", single_line=True)
    starts_on, ends_on = parse_date(data.get("starts_on"), "starts_on"), parse_date(data.get("ends_on"), "ends_on")
    if starts_on is None:
        raise ValidationFailed("请填写委托开始日期", code="starts_on_required", field="starts_on")
    if ends_on is None:
        raise ValidationFailed("请填写委托结束日期", code="ends_on_required", field="ends_on")
    if ends_on < starts_on:
        raise ValidationFailed("委托结束日期不能早于开始日期", code="invalid_range", field="ends_on")
    if ends_on < today:
        raise ValidationFailed("委托结束日期不能早于今天", code="ends_in_past", field="ends_on")
    starts_on = max(starts_on, today)  # nothing is delegated after the fact: a range begun already counts from today
    longest = max_days(app)
    if (ends_on - starts_on).days + 1 > longest:
        raise ValidationFailed("委托期限最长 %(days)d 天", code="range_too_long", field="ends_on", days=longest)
    return delegate, starts_on, ends_on


def set_delegation(app: Gongkai, actor: Actor, data: Any, username: str | None = None) -> DelegationView:
    """Name ``data.delegate`` as the user's delegate from ``starts_on`` to ``ends_on`` (both inclusive), replacing
    the user's delegation in force or to come (which is ended, and kept)."""
    now = app.now()
    today = local_date(now)
    name, starts_on, ends_on = _parse(app, data, today)
    with write_transaction(app) as session:
        user = _subject(session, actor, username, lock=True)
        delegate = session.scalar(select(User).where(User.username == name))
        if delegate is not None and delegate.id == user.id:
            raise ValidationFailed("不能委托给自己", code="delegate_is_self", field="delegate")
        if delegate is None or not delegate.active:
            raise ValidationFailed("受托人不存在或已停用：%(name)s", code="unknown_delegate", field="delegate", name=name)
        _refuse_chains(session, user, delegate, starts_on, ends_on)
        replaced = list(session.scalars(select(Delegation).where(Delegation.user_id == user.id, _open(today))))
        for row in replaced:
            row.ended_at, row.ended_by_id = now, actor.id
        row = Delegation(user_id=user.id, delegate_id=delegate.id, starts_on=starts_on, ends_on=ends_on,
                         created_at=now, created_by_id=actor.id)
        session.add(row)
        session.flush()
        _tell_delegate(app, session, user, delegate, starts_on, ends_on, now)
        audit.append(session, at=now, actor=actor, subject=f"user:{user.username}", action="delegation_set",
                     data={"delegate": delegate.username, "starts_on": starts_on.isoformat(),
                           "ends_on": ends_on.isoformat(), **({"replaced": [r.id for r in replaced]} if replaced else {})})
        return _views(session, Delegation.id == row.id, today)[0]


def _refuse_chains(session: Session, user: User, delegate: User, starts_on: date, ends_on: date) -> None:
    """No chains: the delegate is not away (delegating in turn) over those dates, and the user is nobody's
    delegate over them (who would then decide for that person while the user is away?)."""
    away = session.scalar(select(Delegation).where(Delegation.user_id == delegate.id, _overlaps(starts_on, ends_on))
                          .order_by(Delegation.starts_on).limit(1))
    if away is not None:
        raise Conflict("%(name)s 在 %(start)s 至 %(end)s 期间已委托他人代办，不能再作受托人", code="delegation_chain",
                       name=delegate.display_name or delegate.username, start=away.starts_on.isoformat(),
                       end=away.ends_on.isoformat())
    acting = session.execute(select(Delegation, User.display_name, User.username)
                             .join(User, User.id == Delegation.user_id)
                             .where(Delegation.delegate_id == user.id, _overlaps(starts_on, ends_on))
                             .order_by(Delegation.starts_on).limit(1)).first()
    if acting is not None:
        raise Conflict("%(who)s 在 %(start)s 至 %(end)s 期间是 %(name)s 的受托人，不能同时委托他人", code="delegation_chain",
                       who=user.display_name or user.username, name=acting[1] or acting[2],
                       start=acting[0].starts_on.isoformat(), end=acting[0].ends_on.isoformat())


def _tell_delegate(app: Gongkai, session: Session, user: User, delegate: User, starts_on: date, ends_on: date,
                   now: datetime) -> None:
    params = {"name": user.display_name or user.username, "start": starts_on.isoformat(), "end": ends_on.isoformat()}
    notify(session, Directory(session).users([delegate.id]), kind="delegation",
           key=f"delegation:{user.id}:{now.isoformat()}", now=now,
           title=_("%(name)s 委托您代为审批（%(start)s 至 %(end)s）", **params),
           body=_("%(name)s 在 %(start)s 至 %(end)s 期间委托您代为办理其审查、审批事项，这些事项会出现在您的“我的待办”中，"
                  "标注“代 %(name)s”。", **params))


def end_delegation(app: Gongkai, actor: Actor, username: str | None = None) -> DelegationView:
    """End the user's delegation in force or to come now (the row stays, ``ended_at`` set); NotFound when
    there is none."""
    now = app.now()
    today = local_date(now)
    with write_transaction(app) as session:
        user = _subject(session, actor, username, lock=True)
        rows = list(session.scalars(select(Delegation).where(Delegation.user_id == user.id, _open(today))))
        if not rows:
            raise NotFound("当前没有生效或待生效的委托", code="no_delegation")
        for row in rows:
            row.ended_at, row.ended_by_id = now, actor.id
        session.flush()
        audit.append(session, at=now, actor=actor, subject=f"user:{user.username}", action="delegation_end",
                     data={"ended": [row.id for row in rows]})
        return _views(session, Delegation.id == rows[-1].id, today)[0]


def history(app: Gongkai, actor: Actor, username: str | None = None, *, limit: int = 20) -> list[DelegationView]:
    """The user's delegations, newest first, ended ones included (the 设置 page's record)."""
    day = local_date(app.now())
    with app.db.read() as session:
        user = _subject(session, actor, username)
        rows = _views(session, Delegation.user_id == user.id, day)
    return sorted(rows, key=lambda view: view.id, reverse=True)[:limit]


__all__ = ["DelegationView", "Person", "eligible_delegates", "end_delegation", "get_delegation", "history",
           "list_delegations", "max_days", "represented", "set_delegation"]
