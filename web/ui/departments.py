"""部门待办: a board per department in scope, and one department's filterable task list."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from web.core import core
from web.ui.common import actor
from web.ui.format import due_status
from workflow.errors import ValidationFailed
from workflow.item_spec import board_states, spec_of
from workflow.services import queries

bp = Blueprint("departments", __name__)
SORTS = ("due", "new")


@bp.get("/departments")
@login_required
def board() -> ResponseReturnValue:
    app = core()
    rows = queries.department_board(app, actor())
    return render_template("departments.html", rows=rows, stages=board_states(spec_of(app)),
                           due=lambda item: due_status(app.calendar, item.stage_due, app.now()))


@bp.get("/departments/<code>")
@login_required
def tasks(code: str) -> ResponseReturnValue:
    app = core()
    who = actor()
    board = queries.department_tasks(app, who, code, limit_per_stage=0)  # 404 outside scope
    stage = request.args.get("stage") or None
    overdue = request.args.get("overdue") or None
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "due"
    try:
        page = queries.list_items(app, who, state=stage, department=code, overdue=overdue,
                                  page=request.args.get("page"), sort=sort)
    except ValidationFailed:
        abort(400)
    now = app.now()
    held = queries.holders_seen_by(app, who, page.items)  # who must act on each row: one lookup per page
    rows = [{"item": item, "due": due_status(app.calendar, item.stage_due, now), "holding": held.get(item.id)}
            for item in page.items]
    return render_template("department_tasks.html", dept=board["department"], counts=board["stages"],
                           page=page, rows=rows, stage=stage, overdue=overdue, sort=sort,
                           stages=spec_of(app).state_values)
