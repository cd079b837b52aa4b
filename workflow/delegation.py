"""委托 (delegation) in the item workflow: whom a person represents today, and acting "乙 代 甲".

A delegation is in force on a local (Asia/Shanghai) calendar date when ``starts_on <= date <= ends_on`` and it
was not ended (``ended_at`` NULL): activity is computed at query time, so it starts and ends exactly at local
midnight with no job (docs/delegation.md). Weekends and holidays count like any date: it is a range of
calendar dates, not of working days.

What a delegate may do for the delegator: the decisions of the review stages (``delegable``: the triggers
decided by a reviewer or an approver — pass, return, refer, approve, reject), as if they were the delegator,
except that separation of duties holds for both people (``guards.check_separation`` for the delegate). A
decision taken so keeps the delegator as its decider of record and names the delegate (``acted_by_id``).
Drafting and the office's own triggers (publish, archive, take down) are not delegated.

``resolve`` is the one rule for "who acts": the actor as himself if he may; else on behalf of the one
active delegator who may; ``on_behalf_of`` chooses when it is ambiguous (409 ``delegation_ambiguous``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any, Callable, Sequence, TypeVar

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from db.models import User
from db.models.delegations import Delegation
from workflow import guards
from workflow.access import APPROVER, REVIEWER, Actor, actor_from_user
from workflow.errors import Conflict, DomainError, Forbidden

if TYPE_CHECKING:
    from workflow.item_context import ItemContext
    from workflow.spec import TriggerSpec

T = TypeVar("T")
DECIDING_ROLES = (REVIEWER, APPROVER)
# The states whose decisions are delegated: a delegate sees the delegator's items in these only.
DELEGATED_STATES = ("secrecy_review", "approval")
# Refusals that only say "this person may not act here at all": acting for a delegator who gets one of these
# is no answer to give; a more particular refusal (separation of duties, a check) is.
_NOT_THEIRS = ("forbidden", "not_a_step_decider")


@dataclass(frozen=True)
class Principal:
    """Someone the actor represents today (甲): the delegation, and the delegator as an ``Actor``."""

    delegation_id: int
    actor: Actor
    name: str

    @property
    def username(self) -> str:
        return self.actor.username

    def to_json(self) -> dict[str, str]:
        """``{username, name}``, as a holder is shown."""
        return {"username": self.actor.username, "name": self.name}


def in_force(day: date) -> ColumnElement[bool]:
    """SQL condition: a ``delegations`` row in force on the local date ``day``."""
    return and_(Delegation.starts_on <= day, Delegation.ends_on >= day, Delegation.ended_at.is_(None))


def principals(session: Session, delegate: Actor, day: date) -> list[Principal]:
    """The active users ``delegate`` represents on ``day`` (usually none; one query)."""
    if delegate.id is None:
        return []
    rows = session.execute(select(User, Delegation.id).join(Delegation, Delegation.user_id == User.id)
                           .where(Delegation.delegate_id == delegate.id, in_force(day), User.active.is_(True))
                           .order_by(User.username)).all()
    return [Principal(delegation_id, actor_from_user(user), user.display_name or user.username)
            for user, delegation_id in rows]


def decides(actor: Actor) -> bool:
    """``actor`` holds a deciding role (reviewer, approver): what a delegate may take over from them."""
    return any(actor.has_role(role) for role in DECIDING_ROLES)


def delegable(trigger: TriggerSpec) -> bool:
    """A trigger a delegate may fire for the delegator: one decided by a reviewer or an approver (a route
    step's decider, or the role in the item's department)."""
    return any(isinstance(guard, guards.StepDecider) or
               (isinstance(guard, guards.RoleInDepartment) and guard.role in DECIDING_ROLES)
               for guard in trigger.permission)


@dataclass(frozen=True)
class Acting:
    """The outcome of ``resolve``: what the attempt returned, the context it passed with (its actor is the
    decider of record) and the delegate who acted for them (None: the actor acted as himself)."""

    result: Any
    context: ItemContext
    acted_by: Actor | None = None

    @property
    def on_behalf_of(self) -> Actor | None:
        """The delegator acted for, if any."""
        return self.context.actor if self.acted_by is not None else None


def resolve(session: Session, ctx: ItemContext, trigger: TriggerSpec, day: date, attempt: Callable[[ItemContext], T],
            on_behalf_of: str | None = None, found: Sequence[Principal] | None = None) -> Acting:
    """Run ``attempt`` (the guards: ``spec.fire``/``permitted``, which write nothing) as the actor, else for a
    delegator. ``on_behalf_of``: the delegator's user name, chosen explicitly (403 ``not_a_delegate`` when the
    actor does not represent them today). ``found``: the principals when the caller read them already.

    Without a choice: the actor as himself if his own guards pass; otherwise the one delegator for whom the
    guards pass and separation of duties holds for the actor too; several → 409 ``delegation_ambiguous``
    (details name them); none → the actor's own refusal, or the particular refusal met acting for a delegator
    (e.g. separation of duties) when the delegator could otherwise have acted."""
    actor = ctx.actor
    if on_behalf_of is not None and on_behalf_of != actor.username:
        people = list(found) if found is not None else principals(session, actor, day)
        principal = next((p for p in people if p.username == on_behalf_of), None)
        if principal is None:
            raise Forbidden("您今天不是 %(name)s 的受托人，不能代其办理", code="not_a_delegate", name=on_behalf_of[:64])
        if not delegable(trigger):
            raise Forbidden("委托只包括审查和审批，不能代人执行此操作", code="not_delegable")
        return _for(principal, ctx, trigger, attempt)
    try:
        return Acting(attempt(ctx), ctx)
    except Forbidden as refused:
        if actor.id is None or not delegable(trigger):
            raise
        people = list(found) if found is not None else principals(session, actor, day)
        done: list[Acting] = []
        errors: list[DomainError] = []
        for principal in people:
            try:
                done.append(_for(principal, ctx, trigger, attempt))
            except DomainError as error:
                errors.append(error)
        if len(done) == 1:
            return done[0]
        if len(done) > 1:
            names = [acting.context.actor.username for acting in done]
            raise Conflict("您同时是 %(names)s 的受托人，请选择代谁办理", code="delegation_ambiguous",
                           names="、".join(names), details={"on_behalf_of": names}) from refused
        particular = next((error for error in errors if error.code not in _NOT_THEIRS), None)
        if particular is not None:
            raise particular from refused
        raise


def _for(principal: Principal, ctx: ItemContext, trigger: TriggerSpec, attempt: Callable[[ItemContext], T]) -> Acting:
    """``attempt`` as ``principal``, then separation of duties for the actor (the delegate) as well."""
    theirs = replace(ctx, actor=principal.actor)
    result = attempt(theirs)
    guards.check_separation(trigger.permission, ctx)
    return Acting(result, theirs, ctx.actor)


__all__ = ["Acting", "DELEGATED_STATES", "Principal", "decides", "delegable", "in_force", "principals", "resolve"]
