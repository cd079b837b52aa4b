"""Help: how the workflow runs, with the state diagram generated from the machine."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import login_required

from web.core import core
from web.ui.diagram import state_diagram_svg
from workflow.item_spec import spec_of

bp = Blueprint("help", __name__)


@bp.get("/help")
@login_required
def index() -> ResponseReturnValue:
    settings = core().settings
    spec = spec_of(core())
    rows = [(trigger.sources, dest, trigger.name) for trigger in spec.triggers.values() for dest in trigger.dests]
    return render_template("help.html", diagram=state_diagram_svg(spec), transitions=rows, states=spec.state_values,
                           publish_days=settings["deadlines.publish_workdays"],
                           stage_days=settings["deadlines.stage_workdays"])
