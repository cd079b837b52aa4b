"""Help: how the workflow runs, with the state diagram generated from the machine.

``/help?item=ID`` also shows that item's route as a step line (each step's stage, name, who decides
it, its quorum, done / active / pending) and marks the item's state in the diagram, for an item whose
internals the user sees (as on the item page). Any other id — unknown, someone else's, not a number —
shows the general help with one neutral line: nothing tells an item that exists from one that does not.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from web.core import core
from web.ui.common import actor
from web.ui.diagram import state_diagram_svg
from workflow.errors import NotFound
from workflow.item_spec import spec_of
from workflow.services import items

bp = Blueprint("help", __name__)


def _item_route(raw: str | None) -> tuple[dict[str, Any] | None, bool]:
    """``(the item's route view, whether an item was asked for)``; None when it cannot be shown."""
    if raw is None:
        return None, False
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < 2 ** 31:
        return None, True
    try:
        view = items.item_route_explained(core(), actor(), int(raw))
    except NotFound:
        return None, True
    for step in view["route"]["steps"]:
        for vote in step["votes"]:
            vote["at"] = datetime.fromisoformat(vote["at"]) if vote["at"] else None
    return view, True


@bp.get("/help")
@login_required
def index() -> ResponseReturnValue:
    settings = core().settings
    spec = spec_of(core())
    viewed, asked = _item_route(request.args.get("item"))
    rows = [(trigger.sources, dest, trigger.name) for trigger in spec.triggers.values() for dest in trigger.dests]
    return render_template("help.html", diagram=state_diagram_svg(spec, viewed["state"] if viewed else None),
                           transitions=rows, states=spec.state_values, viewed=viewed, asked=asked,
                           publish_days=settings["deadlines.publish_workdays"],
                           stage_days=settings["deadlines.stage_workdays"])
