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

from db.models import Decision, Item, ItemContributor, Revision
from db.models.referrals import Referral
from db.models.routes import DECIDER_KINDS, STEP_ROLES, ItemRouteStep, ItemRouteStepUser, StepVote
from workflow import guards
from workflow.access import ADMIN, Actor
from workflow.delegation import delegable
from workflow.spec import WorkflowSpec

ITEM_DEPARTMENT, DEPARTMENT, USERS = DECIDER_KINDS
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
        # a review route's step names its own role and department: its guard's SQL form says who decides
        by_step = any(isinstance(guard, guards.StepDecider) for guard in trigger.permission)
        if not by_step and not actor.has_role(role):
            continue
        parts = [Item.state == state]
        if not by_step:
            parts.append(_role_in_department(guards.RoleInDepartment(role), actor))
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
    # The default route (no active route step): the role in the item's department, as before routes. A
    # stored route: a decider of the active step (its rows, workflow.route_steps); return/reject also the
    # department's role. A vote: not voted on the current revision yet.
    holds = _role_in_department(guards.RoleInDepartment(guard.role), actor)
    decides = _decides_active_step(actor)
    allowed = or_(and_(Item.route_step.is_(None), holds),
                  and_(Item.route_step.is_not(None), or_(decides, holds) if not guard.voting else decides))
    if not guard.voting or actor.id is None:
        return allowed
    return and_(allowed, not_voted(actor))


def not_voted(actor: Actor) -> ColumnElement[bool]:
    """``not RouteProgress.voted(actor.id)``: no vote on the item's current revision by the actor, neither as
    the voter nor as the delegate who cast someone's vote (two probes of the (item, user) index's item)."""
    if actor.id is None:
        return true()
    current = (StepVote.item_id == Item.id, Revision.number == Item.revision)
    voted = select(StepVote.id).join(Revision, Revision.id == StepVote.revision_id).where(
        *current, StepVote.user_id == actor.id).exists()
    cast = select(StepVote.id).join(Revision, Revision.id == StepVote.revision_id).where(
        *current, StepVote.acted_by_id == actor.id).exists()
    return and_(~voted, ~cast)


def _covers(actor: Actor, department_id: Any) -> ColumnElement[bool]:
    """``actor.covers(department_id)`` for a department id column."""
    if actor.all_departments:
        return true()
    return department_id.in_(sorted(actor.department_ids)) if actor.department_ids else false()


def step_decider_condition(actor: Actor) -> ColumnElement[bool]:
    """``StepProgress.admits`` in SQL, of an ``item_route_steps`` row (and its item, for the item's own
    department): the actor holds the step's role for the department it names, or is one of its named users."""
    roles = sorted(actor.roles & set(STEP_ROLES))
    if not roles:
        return false()
    named = select(ItemRouteStepUser.step_id).where(ItemRouteStepUser.step_id == ItemRouteStep.id,
                                                    ItemRouteStepUser.user_id == actor.id).exists() \
        if actor.id is not None else false()
    return and_(ItemRouteStep.role.in_(roles),
                or_(and_(ItemRouteStep.kind == ITEM_DEPARTMENT, _covers(actor, Item.department_id)),
                    and_(ItemRouteStep.kind == DEPARTMENT, _covers(actor, ItemRouteStep.department_id)),
                    and_(ItemRouteStep.kind == USERS, named)))


def _decides_active_step(actor: Actor) -> ColumnElement[bool]:
    """The actor is a decider of the item's active route step."""
    return select(ItemRouteStep.id).where(
        ItemRouteStep.item_id == Item.id, ItemRouteStep.revision == Item.revision,
        ItemRouteStep.position == Item.route_step, step_decider_condition(actor)).exists()


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
    if actor.id is None:
        return true()
    # nor the delegate who passed this revision's review for its reviewer (乙 代 甲)
    passed_for = select(Decision.id).join(Revision, Revision.id == Decision.revision_id).where(
        Decision.item_id == Item.id, Revision.number == Item.revision, Decision.kind == "pass_review",
        Decision.acted_by_id == actor.id).exists()
    return and_(Item.reviewed_by_id.is_distinct_from(actor.id), ~passed_for)


def delegated_filter(spec: WorkflowSpec[Any], principal: Actor, delegate: Actor) -> ColumnElement[bool]:
    """Items awaiting ``principal`` that ``delegate`` may decide for them (委托, ``workflow.delegation``): the
    principal's task condition for the delegable awaited triggers, and separation of duties for the delegate
    as well (``guards.check_separation`` in SQL)."""
    conditions = []
    for state, role, trigger in spec.awaited():
        if not delegable(trigger):
            continue
        by_step = any(isinstance(guard, guards.StepDecider) for guard in trigger.permission)
        if not by_step and not principal.has_role(role):
            continue
        parts = [Item.state == state]
        if not by_step:
            parts.append(_role_in_department(guards.RoleInDepartment(role), principal))
        parts += [form for form in (sql_filter(guard, principal) for guard in (*trigger.permission, *trigger.checks))
                  if form is not None]
        parts += _separation(trigger, delegate)
        conditions.append(and_(*parts))
    return or_(*conditions) if conditions else false()


def _separation(trigger: Any, person: Actor) -> list[ColumnElement[bool]]:
    """``guards.check_separation`` of ``trigger`` for ``person``, as SQL conditions."""
    parts: list[ColumnElement[bool]] = []
    for guard in trigger.permission:
        if isinstance(guard, guards.NotAContributor):
            parts.append(_not_a_contributor(guard, person))
        elif guard is guards.not_the_reviewer:
            parts.append(_not_the_reviewer(guard, person))
        elif isinstance(guard, guards.StepDecider) and guard.voting:
            parts.append(not_voted(person))
    return parts


@sql_form(guards.referral_settled)
def _referral_settled(guard: Any, actor: Actor) -> ColumnElement[bool]:
    # only a referral open on the current revision: an item the authority found secret is still the
    # reviewer's to return
    current = select(Revision.id).where(Revision.item_id == Item.id, Revision.number == Item.revision) \
        .correlate(Item).scalar_subquery()
    return ~select(Referral.id).where(Referral.item_id == Item.id, Referral.answered_at.is_(None),
                                      Referral.revision_id == current).exists()
