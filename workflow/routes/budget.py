"""How many working days each step of a route has.

A step may set its own ``workdays``; the other steps of its stage share the stage's budget
(``deadlines.stage_workdays.<stage>``: review 3, approval 2 by default) evenly, the earlier steps
taking the remainder, each at least one working day. A stage without a budget leaves its steps
without one too: they are due by the publish deadline, as the stage would be. Every step's due date
is capped by the statutory publish deadline when it is computed (``deadlines.workdays_due``).
"""
from __future__ import annotations

from typing import Mapping

from workflow.routes.model import Route


def step_workdays(route: Route, budgets: Mapping[str, int | None]) -> dict[int, int | None]:
    """Position → working days of each step of ``route`` (None: no budget, due by the publish deadline)."""
    days: dict[int, int | None] = {}
    for stage, budget in budgets.items():
        steps = route.stage_steps(stage)
        unset = [position for position, step in steps if step.workdays is None]
        share, remainder = divmod(budget or 0, max(len(unset), 1))
        for position, step in steps:
            if step.workdays is not None:
                days[position] = step.workdays
            elif budget is None:
                days[position] = None
            else:
                days[position] = max(1, share + (1 if unset.index(position) < remainder else 0))
    return days
