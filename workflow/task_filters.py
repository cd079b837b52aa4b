"""The item guards as SQL: which items await an actor, asked of the whole table at once.

``workflow/guards.py`` judges one item in memory and stays free of SQL; the task lists ("my tasks")
ask the same question of every item. Each permission guard that can be said in SQL has its form here,
registered under the guard's class (or under the guard itself for a plain function), so the task
list follows the spec: ``awaited_filter`` reads ``spec.awaited()`` and the awaited triggers' own
permission guards. A guard without a SQL form is left out of the filter (the list may then offer an
item whose page refuses the action; it never hides one the actor may act on).
"""
from __future__ import annotations

from types import FunctionType
from typing import Any, Callable

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from db.models import Item, ItemContributor, Revision
from db.models.referrals import Referral
from db.models.routes import StepVote
from workflow import guards
from workflow.access import ADMIN, Actor
from workflow.spec import WorkflowSpec

SqlForm = Callable[[Any, Actor], ColumnElement[bool]]

_FORMS: dict[Any, SqlForm] = {}


def sql_form(key: Any) -> Callable[[SqlForm], SqlForm]:
    """Register the decorated function as the SQL form of guard class (or guard function) ``key``."""
    def register(form: SqlForm) -> SqlForm:
        _FORMS[key] = form
        return form
    return register


def sql_filter(guard: Any, actor: Actor) -> ColumnElement[bool] | None:
    """The condition on ``items`` under which ``guard`` lets ``actor`` pass; None when it has no SQL form."""
    form = _FORMS.get(guard) if isinstance(guard, FunctionType) else _FORMS.get(type(guard))
    return None if form is None else form(guard, actor)


def awaited_filter(spec: WorkflowSpec[Any], actor: Actor) -> ColumnElement[bool]:
    """Items waiting for ``actor``: in a state that awaits a trigger the actor holds the role for (in the
    item's department) and whose permission guards let the actor pass. A check with a SQL form (a question
    about the item, not about what the user types in) filters too: an item waiting for the secrecy
    authority's answer is nobody's review task (``guards.referral_settled``)."""
    conditions = []
    for state, role, trigger in spec.awaited():
        if not actor.has_role(role):
            continue
        parts = [Item.state == state, _role_in_department(guards.RoleInDepartment(role), actor)]
        parts += [form for form in (sql_filter(guard, actor) for guard in (*trigger.permission, *trigger.checks))
                  if form is not None]
        conditions.append(and_(*parts))
    return or_(*conditions) if conditions else false()


def _holds(role: str, actor: Actor) -> ColumnElement[bool]:
    """``actor.acts_as(role, Item.department_id)`` (admins act for every department)."""
    if not actor.has_role(role):
        return false()
    if role == ADMIN or actor.all_departments:
        return true()
    return Item.department_id.in_(sorted(actor.department_ids)) if actor.department_ids else false()


@sql_form(guards.StepDecider)
def _step_decider(guard: guards.StepDecider, actor: Actor) -> ColumnElement[bool]:
    # The role in the item's department, as before routes, and (a vote) not voted on the current revision
    # yet. A stored route's active step is not asked in SQL yet: deciders from other departments do not
    # find the item in their list, and a department reviewer may find one waiting for another step
    # (docs/routes.md, "Not yet").
    holds = _role_in_department(guards.RoleInDepartment(guard.role), actor)
    if not guard.voting or actor.id is None:
        return holds
    voted = select(StepVote.id).join(Revision, Revision.id == StepVote.revision_id).where(
        StepVote.item_id == Item.id, StepVote.user_id == actor.id, Revision.number == Item.revision).exists()
    return and_(holds, ~voted)


@sql_form(guards.RoleInDepartment)
def _role_in_department(guard: guards.RoleInDepartment, actor: Actor) -> ColumnElement[bool]:
    return _holds(guard.role, actor)


@sql_form(guards.SubmitterOrRole)
def _submitter_or_role(guard: guards.SubmitterOrRole, actor: Actor) -> ColumnElement[bool]:
    submitted = Item.submitted_by_id == actor.id if actor.id is not None else false()
    return or_(submitted, _holds(guard.role, actor))


@sql_form(guards.NotAContributor)
def _not_a_contributor(guard: guards.NotAContributor, actor: Actor) -> ColumnElement[bool]:
    # IS DISTINCT FROM, not !=: a NULL submitter must not turn the whole condition into NULL (false)
    people = and_(Item.author_id.is_distinct_from(actor.id), Item.submitted_by_id.is_distinct_from(actor.id))
    if actor.id is None:
        return people
    contributed = select(ItemContributor.id).where(ItemContributor.item_id == Item.id,
                                                   ItemContributor.user_id == actor.id).exists()
    return and_(people, ~contributed)


@sql_form(guards.not_the_reviewer)
def _not_the_reviewer(guard: Any, actor: Actor) -> ColumnElement[bool]:
    return true() if actor.id is None else Item.reviewed_by_id.is_distinct_from(actor.id)


@sql_form(guards.referral_settled)
def _referral_settled(guard: Any, actor: Actor) -> ColumnElement[bool]:
    # only a referral open on the current revision: an item the authority found secret is still the
    # reviewer's to return
    current = select(Revision.id).where(Revision.item_id == Item.id, Revision.number == Item.revision) \
        .correlate(Item).scalar_subquery()
    return ~select(Referral.id).where(Referral.item_id == Item.id, Referral.answered_at.is_(None),
                                      Referral.revision_id == current).exists()
