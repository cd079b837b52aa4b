"""The item page's compact step line on a phone: 起草 → the route's steps → 已公开, the current one marked.

Replaces the state diagram below the ``md`` breakpoint (docs/ui.md). The steps in the middle are the
item's route as its JSON shows it (``route_votes.route_json``: each step's name and status); for a
reader who does not see the route (outside the department), the two stages of the default route.
"""
from __future__ import annotations

from typing import Any

from workflow.i18n import gettext as _
from workflow.item_states import ItemState

#: Where the item stands once it has left the review stages: the last step, named as the state is everywhere.
_FINAL = (ItemState.SCHEDULED.value, ItemState.PUBLISHED.value, ItemState.ARCHIVED.value)
_STAGES = (ItemState.SECRECY_REVIEW.value, ItemState.APPROVAL.value)


def item_steps(state: str, route: dict[str, Any] | None) -> list[dict[str, str]]:
    """``[{label, status}]`` with status ``done``, ``current`` or ``pending`` (the step-line CSS classes)."""
    decided = state not in (ItemState.DRAFT.value, *_STAGES)
    steps = [{"label": _("起草"), "status": "current" if state == ItemState.DRAFT.value else "done"}]
    if route and route.get("steps"):
        for step in route["steps"]:
            status = {"active": "current", "done": "done"}.get(step["status"], "pending")
            if state == ItemState.DRAFT.value:
                status = "pending"            # sent back: every step is ahead again
            elif decided:
                status = "done"
            steps.append({"label": step["name"], "status": status})
    else:
        for stage in _STAGES:
            if decided or (state in _STAGES and _STAGES.index(stage) < _STAGES.index(state)):
                status = "done"
            else:
                status = "current" if stage == state else "pending"
            steps.append({"label": _(ItemState(stage).label), "status": status})
    final = ItemState(state if state in _FINAL else ItemState.PUBLISHED.value)
    steps.append({"label": _(final.label), "status": "current" if decided else "pending"})
    return steps
