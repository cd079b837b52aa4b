"""Admin overrides reach every process: a second instance on the same database sees them."""
from __future__ import annotations

from datetime import date

from workflow.calendar.admin import set_override
from workflow.wiring import build_gongkai
from tests.conftest import World


def test_other_process_sees_new_override(world: World) -> None:
    app = world.app
    other = build_gongkai(db=app.db, settings=app.settings.with_overrides({"calendar": {"check_seconds": 0}}),
                          clock=app.clock)
    monday = date(2025, 9, 29)
    assert other.calendar.is_workday(monday)
    set_override(app, world.admin, monday, "rest", "校庆放假")
    assert not other.calendar.is_workday(monday)
    assert other.calendar.day_info(monday).reason.endswith("校庆放假")
