"""Entry points get their hooks by an explicit, idempotent call and their calendar injected."""
from __future__ import annotations

from workflow import hooks
from workflow.calendar.store import StoredCalendar
from workflow.wiring import build_gongkai, register_hooks
from tests.conftest import World


def test_register_hooks_twice_registers_each_hook_once(world: World) -> None:
    register_hooks()
    before = (list(hooks._after_transition.hooks), list(hooks._deadlines_changed.hooks), list(hooks._calendar_changed.hooks))
    register_hooks()
    after = (list(hooks._after_transition.hooks), list(hooks._deadlines_changed.hooks), list(hooks._calendar_changed.hooks))
    assert after == before
    assert all(len(registry) == len(set(registry)) and registry for registry in after)


def test_built_instance_counts_on_the_stored_calendar(world: World) -> None:
    other = build_gongkai(db=world.app.db, settings=world.app.settings, clock=world.app.clock)
    assert isinstance(other.calendar_source, StoredCalendar)
    assert other.calendar.is_workday(other.now().date()) == world.app.calendar.is_workday(other.now().date())
