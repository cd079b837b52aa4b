"""The task list is the spec's answer, in SQL: an item is in ``my_tasks`` exactly when a trigger its
state awaits is permitted to the actor (``spec.permitted``, i.e. the guards run in Python).

Random items (state, department, author, submitter, reviewer, contributors) and random actors (roles,
department scope, who they are) on both databases; ``workflow/task_filters.py`` must agree with
``workflow/guards.py`` on every one of them.
"""
from __future__ import annotations

from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update

from db.models import Department, Item, ItemContributor, User
from tests.conftest import World, item_payload
from workflow import task_filters
from workflow.access import ADMIN, APPROVER, DRAFTER, REVIEWER, SYSTEM, Actor
from workflow.clock import SHANGHAI
from workflow.item_spec import ITEM_SPEC, STATES, spec_of
from workflow.services import items as svc
from workflow.services import queries

ROLES = (DRAFTER, REVIEWER, APPROVER, ADMIN)
AT = datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI)


def test_my_tasks_is_what_the_spec_permits(world: World) -> None:
    app = world.app
    item_id = svc.create_item(app, world.drafter, item_payload()).id
    with app.db.read() as session:
        users = sorted(session.scalars(select(User.id)))
        departments = sorted(session.scalars(select(Department.id)))
    people = st.sampled_from(users)
    maybe = st.none() | people

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(state=st.sampled_from(STATES), department=st.sampled_from(departments), author=people,
           submitted_by=maybe, reviewed_by=maybe, contributors=st.frozensets(people, max_size=3),
           actor_id=people, roles=st.frozensets(st.sampled_from(ROLES)),
           scope=st.frozensets(st.sampled_from(departments)), everywhere=st.booleans())
    def check(state: str, department: int, author: int, submitted_by: int | None, reviewed_by: int | None,
              contributors: frozenset[int], actor_id: int, roles: frozenset[str], scope: frozenset[int],
              everywhere: bool) -> None:
        with app.db.write() as session:
            session.execute(update(Item).where(Item.id == item_id).values(
                state=state, department_id=department, author_id=author, submitted_by_id=submitted_by,
                reviewed_by_id=reviewed_by))
            session.execute(delete(ItemContributor).where(ItemContributor.item_id == item_id))
            session.add_all(ItemContributor(item_id=item_id, user_id=user, first_at=AT, first_action="edit")
                            for user in contributors)
        actor = Actor(id=actor_id, username="someone", roles=roles, department_ids=scope, all_departments=everywhere)
        item = svc.get_item(app, SYSTEM, item_id)
        spec = spec_of(app)
        awaited = [a.name for a in svc.item_actions(app, actor, item) if spec.triggers[a.name].awaited_by]
        listed = item_id in [i.id for i in queries.my_tasks(app, actor).items]
        assert listed == bool(awaited), (awaited, listed)

    check()


def test_every_permission_guard_of_an_awaited_trigger_has_a_sql_form() -> None:
    # a guard without one would make the task list offer items the page then refuses
    someone = Actor(id=1, username="someone", roles=frozenset(ROLES), department_ids=frozenset({1}))
    for _state, _role, trigger in ITEM_SPEC.awaited():
        for guard in trigger.permission:
            assert task_filters.sql_filter(guard, someone) is not None, (trigger.name, guard)
