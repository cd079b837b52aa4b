"""The default route: today's behaviour, derived from the item workflow rather than stored.

For each review stage, the decision that stage waits for (``awaited_by`` in the item spec: the
reviewer's ``pass_review``, the approver's ``approve``) becomes one step: the role in the item's
department, quorum ``any``, named after the stage. Changing the spec changes the default route;
there is no copy to drift. The spec is passed in (never imported here): the item workflow's guards
will read routes, and ``workflow.routes`` must not import them back.
"""
from __future__ import annotations

from typing import Any

from workflow.routes.model import ANY, ITEM_DEPARTMENT, Deciders, Quorum, Route, RouteStep
from workflow.i18n import N_
from workflow.spec import WorkflowSpec
from db.models.routes import ROUTE_STAGES

DEFAULT_ROUTE_NAME = N_("默认路线")  # shown through gettext


def default_route(spec: WorkflowSpec[Any]) -> Route:
    """One step per review stage: the role the stage's awaited decision needs, in the item's department."""
    steps = []
    for stage in ROUTE_STAGES:
        # one role per stage (a variant may add a second decision awaited from the same role)
        roles = sorted({role for state, role, _trigger in spec.awaited() if state == stage})
        if len(roles) != 1:
            raise ValueError(f"{spec.name}: stage {stage!r} awaits {roles}, a default route needs exactly one")
        steps.append(RouteStep(stage=stage, name=spec.state(stage).label,
                               deciders=Deciders(ITEM_DEPARTMENT, roles[0]), quorum=Quorum(ANY)))
    return Route(name=DEFAULT_ROUTE_NAME, steps=tuple(steps))
