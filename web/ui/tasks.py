"""我的待办 (with 已退回 and 批量批准), 已办 and 我发起的 (docs/daily-work.md)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from web.core import core
from web.ui.common import actor, try_verb
from web.ui.format import due_status
from workflow.access import APPROVER, REVIEWER
from workflow.i18n import gettext as _
from workflow.services import batch, office_tasks, queries, worklists

bp = Blueprint("tasks", __name__)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return _render_tasks()


def _render_tasks(status: int = 200) -> tuple[str, int]:
    app, who = core(), actor()
    page = queries.my_tasks(app, who, page=request.args.get("page"))
    now = app.now()
    held = queries.holders_seen_by(app, who, page.items)  # who must act on each row: one lookup per page
    marks = worklists.returned_marks(app, page.items)  # 已退回: a draft sent back and not resubmitted
    delegated = queries.delegated_marks(app, who, page.items)  # 「代 甲」: someone's task, decided for them
    approver = who.has_role(APPROVER)
    rows = [{"item": item, "due": due_status(app.calendar, item.stage_due, now), "holding": held.get(item.id),
             "returned": marks.get(item.id), "on_behalf_of": delegated.get(item.id),
             "selectable": approver and item.state == "approval"}
            for item in page.items]
    # referred to the secrecy authority: not the reviewer's task while it waits, but theirs to follow up
    waiting = queries.awaiting_authority(app, who)
    office = office_tasks.office_tasks(app, who) if who.is_admin else None  # the office's own work
    return render_template("tasks.html", page=page, rows=rows, waiting=waiting, office=office,
                           batch=any(row["selectable"] for row in rows),
                           one_by_one=who.has_role(REVIEWER) or approver), status


def _work_rows(page: queries.Page) -> list[dict[str, Any]]:
    now = core().now()
    return [{"item": row.item, "internal": row.internal, "holding": row.holding, "returned": row.returned,
             "handled": row.handled, "due": due_status(core().calendar, row.item.stage_due, now)}
            for row in page.items]


@bp.get("/done")
@login_required
def done() -> ResponseReturnValue:
    """已办: what the user decided or voted on, newest activity first."""
    page = worklists.done_items(core(), actor(), page=request.args.get("page"))
    return render_template("worklist.html", page=page, rows=_work_rows(page), kind="done", heading=_("已办"))


@bp.get("/submitted")
@login_required
def submitted() -> ResponseReturnValue:
    """我发起的: what the user drafted or submitted, newest activity first."""
    page = worklists.submitted_items(core(), actor(), page=request.args.get("page"))
    return render_template("worklist.html", page=page, rows=_work_rows(page), kind="submitted",
                           heading=_("我发起的"))


def _batch_body() -> dict[str, Any]:
    """The posted selection as the batch verbs read it: ids as integers (anything else is left for the verb to
    refuse), the opinion when one was typed."""
    ids: list[Any] = [int(value) if value.isdecimal() and len(value) <= 10 else value
                      for value in request.form.getlist("items")]
    opinion = request.form.get("opinion", "").strip()
    return {"items": ids, **({"opinion": opinion} if opinion else {})}


def _batch_request() -> tuple[Any, Any, dict[str, Any] | None]:
    """(app, approver, the form's batch body); 403 for a non-approver; body None (told why) when nothing was
    ticked."""
    app, who = core(), actor()
    if not who.has_role(APPROVER):
        abort(403)
    body = _batch_body()
    if not body["items"]:
        flash(_("请先勾选要批准的事项"), "warning")
        return app, who, None
    return app, who, body


@bp.post("/tasks/batch-approve")
@login_required
def batch_confirm() -> ResponseReturnValue:
    """批量批准, step 1: what each selected item would publish, where and when; nothing is approved yet."""
    app, who, body = _batch_request()
    if body is None:
        return _render_tasks(422)
    previews, error = try_verb(batch.preview_many, app, who, body)
    if error is not None:
        return _render_tasks(error.status)
    return render_template("batch_confirm.html", previews=previews, takes_opinion=batch.takes_opinion(app),
                           ready=[entry for entry in previews if entry.preview is not None])


@bp.post("/tasks/batch-approve/confirm")
@login_required
def batch_run() -> ResponseReturnValue:
    """批量批准, step 2 (the explicit confirmation): each item approved on its own; the result of each."""
    app, who, body = _batch_request()
    if body is None:
        return _render_tasks(422)
    results, error = try_verb(batch.approve_many, app, who, body)
    if error is not None:
        return _render_tasks(error.status)
    return render_template("batch_result.html", results=results,
                           approved=sum(1 for result in results if result.ok))
