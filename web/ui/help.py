"""Help: how the workflow runs, with the state diagram generated from the machine."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from web.core import core
from web.ui.diagram import state_diagram_svg
from workflow.machine import STATES, TRANSITIONS

bp = Blueprint("help", __name__)


@bp.get("/help")
@login_required
def index():  # noqa: ANN201
    settings = core().settings
    rows = []
    for spec in TRANSITIONS:
        sources = spec["source"] if isinstance(spec["source"], list) else [spec["source"]]
        row = (tuple(sources), spec["dest"], spec["trigger"])
        if row not in rows:
            rows.append(row)
    return render_template("help.html", diagram=state_diagram_svg(), transitions=rows, states=STATES,
                           publish_days=settings["deadlines.publish_workdays"],
                           stage_days=settings["deadlines.stage_workdays"])
