"""Statements per transition: a regression guard for the transition path's round trips.

Counts are deterministic, unlike timings (bench/transitions.py measures those against raw SQL).
BEGIN/COMMIT are not counted (SQLite sends them as statements, PostgreSQL's driver implicitly). The
bounds are today's counts: a change that adds a statement to a hot verb should be a decision, not an
accident. Both databases read the audit chain's head along with the verb's first query (exact on SQLite,
a guess PostgreSQL confirms while appending); PostgreSQL also writes a decision row with the item's
UPDATE (workflow/audit.py, workflow/item_store.py). The reply-item hook looks an application up only for
a reply letter (workflow/applications/hooks.py), never on an ordinary approve. Create writes the new item's
full-text search row (one INSERT, issue 14: docs/search.md); the transitions do not touch the search index.
"""
from __future__ import annotations

from bench.common import StatementCounter
from tests.conftest import CLEAR, World, item_payload
from workflow.services import items as svc

BOUNDS = {  # verb → (SQLite, PostgreSQL)
    "create": (6, 6), "submit": (6, 6), "pass_review": (5, 4), "approve": (4, 3),
    "return": (6, 5), "withdraw": (5, 4),
}


def _count(world: World) -> dict[str, int]:
    app = world.app
    _ = app.calendar  # built (one query of its own) before counting
    counter = StatementCounter()
    with counter.listening(app.db.engine):
        with counter.step("create"):
            item = svc.create_item(app, world.drafter, item_payload())
        with counter.step("submit"):
            svc.submit(app, world.drafter, item.id)
        with counter.step("return"):
            svc.return_item(app, world.reviewer, item.id, reason="请补充")
        svc.submit(app, world.drafter, item.id)
        with counter.step("withdraw"):
            svc.withdraw(app, world.drafter, item.id)
        svc.submit(app, world.drafter, item.id)
        with counter.step("pass_review"):
            svc.pass_review(app, world.reviewer, item.id, checklist=CLEAR)
        with counter.step("approve"):
            svc.approve(app, world.approver, item.id)
    assert not any(counter.outside.values()), counter.outside  # nothing read outside the verb's transaction
    return counter.counts


def test_statements_per_transition_stay_within_bounds(world: World) -> None:
    counts = _count(world)
    column = 1 if world.app.db.is_postgres else 0
    over = {verb: (counts[verb], bound[column]) for verb, bound in BOUNDS.items() if counts[verb] > bound[column]}
    assert not over, f"statements (counted, bound): {over}; all counts: {counts}"
