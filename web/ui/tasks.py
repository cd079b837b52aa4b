"""我的待办: items awaiting the user's action, earliest due first."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from web.core import core
from web.ui.common import actor
from web.ui.format import due_status
from workflow.services import queries

bp = Blueprint("tasks", __name__)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    app, who = core(), actor()
    page = queries.my_tasks(app, who, page=request.args.get("page"))
    now = app.now()
    held = queries.holders_seen_by(app, who, page.items)  # who must act on each row: one lookup per page
    rows = [{"item": item, "due": due_status(app.calendar, item.stage_due, now), "holding": held.get(item.id)}
            for item in page.items]
    # referred to the secrecy authority: not the reviewer's task while it waits, but theirs to follow up
    waiting = queries.awaiting_authority(app, who)
    return render_template("tasks.html", page=page, rows=rows, waiting=waiting)
