"""Admin pages of review routes (审批路线): the list, and one form to create or edit a route.

The form posts plain fields (one row per step, blank rows ignored); they are turned into the API's
body and given to the same verb as ``POST /api/v1/routes`` (``workflow.services.routes``), so the
page and the API refuse the same things with the same words. A refused route is shown again with
every problem listed and everything typed kept.

Rows are added and removed without JavaScript: 添加一步 and each row's 删除 are submit buttons of the
same form, and the page comes back with what was typed plus a blank row, or less the removed one
(nothing is saved), up to the model's ``MAX_STEPS``.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from web.core import core
from web.ui.common import require_admin
from workflow.access import ROLE_LABELS
from workflow.errors import DomainError, Forbidden, NotFound
from workflow.i18n import N_
from workflow.i18n import gettext as _
from workflow.inputs import parse_version
from workflow.routes.model import (ALL, ANY, COUNT, DEPARTMENT, ITEM_DEPARTMENT, MAX_STEPS, ROUTE_STAGES, STEP_ROLES,
                                   USERS, Route)
from workflow.routes.wording import STAGE_LABELS, describe_scope, describe_step
from workflow.services import routes as route_service

bp = Blueprint("routes", __name__, url_prefix="/admin/routes")
WHO_LABELS = {ITEM_DEPARTMENT: N_("事项所在部门的"), DEPARTMENT: N_("指定部门的"), USERS: N_("指定人员")}
QUORUM_LABELS = {ANY: N_("任一人"), ALL: N_("全部"), COUNT: N_("指定人数")}
ROW_FIELDS = ("stage", "name", "who", "role", "department", "users", "quorum_kind", "quorum_count", "workdays")
_SEPARATORS = re.compile(r"[\s,，、;；]+")


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    app, who = core(), require_admin()
    directory = route_service.route_directory(app, who)
    routes = route_service.list_routes(app, who)
    default = route_service.route_default(app)
    return render_template("admin/routes.html", routes=routes, default=default, directory=directory,
                           describe_step=describe_step, describe_scope=describe_scope)


def _users(values: list[str]) -> list[str]:
    """Usernames from the picker (one per option) or typed (separated by commas, 、 or spaces)."""
    return list(dict.fromkeys(u for value in values for u in _SEPARATORS.split(value) if u))


def _step_rows(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    """The step rows as posted, blank ones included (so that a re-rendered form shows what was typed)."""
    rows, n = [], 0
    while f"step-{n}-name" in form:
        row: dict[str, Any] = {key: form.get(f"step-{n}-{key}", "") for key in ROW_FIELDS if key != "users"}
        row["users"] = _users(form.getlist(f"step-{n}-users"))
        rows.append(row)
        n += 1
    return rows


def body_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """The API body from the posted form (blank step rows left out)."""
    steps = []
    for row in _step_rows(form):
        if not row["name"].strip():
            continue
        step: dict[str, Any] = {"stage": row["stage"], "name": row["name"], "role": row["role"],
                                "quorum": row["quorum_count"].strip() if row["quorum_kind"] == COUNT
                                else row["quorum_kind"]}
        if row["who"] == DEPARTMENT:
            step["department"] = row["department"]
        elif row["who"] == USERS:
            step["users"] = row["users"]
        if row["workdays"].strip():
            step["workdays"] = row["workdays"].strip()
        steps.append(step)
    return {"name": form.get("name", ""), "catalog_codes": form.getlist("catalog_codes"),
            "departments": form.getlist("departments"), "steps": steps, "active": form.get("active") == "on"}


def _blank_row() -> dict[str, Any]:
    return {"stage": ROUTE_STAGES[-1], "name": "", "who": ITEM_DEPARTMENT, "role": STEP_ROLES[-1], "department": "",
            "users": [], "quorum_kind": ANY, "quorum_count": "", "workdays": ""}


def _rows_of(route: Route | None) -> list[dict[str, Any]]:
    rows = []
    for step in route.steps if route else ():
        rows.append({"stage": step.stage, "name": step.name, "who": step.deciders.kind, "role": step.deciders.role,
                     "department": step.deciders.department or "", "users": list(step.deciders.users),
                     "quorum_kind": step.quorum.kind, "quorum_count": str(step.quorum.count or ""),
                     "workdays": str(step.workdays or "")})
    return rows


def _values_of(form: MultiDict[str, str]) -> dict[str, Any]:
    """The route's own fields as posted (to fill the form again)."""
    return {"name": form.get("name", ""), "catalog_codes": form.getlist("catalog_codes"),
            "departments": form.getlist("departments"), "version": form.get("version", ""),
            "active": form.get("active") == "on"}


def _render(route: Route | None, values: dict[str, Any], rows: list[dict[str, Any]], problems: list[str],
            status: int = 200, notice: str = "") -> tuple[str, int]:
    app, who = core(), require_admin()
    directory = route_service.route_directory(app, who)
    # the picker offers those who can decide a step; a chosen name no longer among them stays chosen
    deciders = [p for p in directory.people if p.roles & set(STEP_ROLES)]
    known = {p.username for p in deciders}
    return render_template("admin/route_form.html", route=route, values=values, rows=rows, problems=problems,
                           notice=notice, directory=directory, deciders=deciders, known=known, stages=ROUTE_STAGES,
                           stage_labels=STAGE_LABELS, roles=STEP_ROLES, role_labels=ROLE_LABELS,
                           who_labels=WHO_LABELS, quorum_labels=QUORUM_LABELS, max_steps=MAX_STEPS), status


def _problems(error: DomainError) -> list[str]:
    details = error.details if isinstance(error.details, dict) else {}
    listed = [p["message"] for p in details.get("problems", [])]
    return listed or [error.message]


def _rework(route_id: int | None) -> tuple[str, int]:
    """添加一步 or 删除: the form again, as typed, with one more blank row or without the removed one."""
    app, who = core(), require_admin()
    form = request.form
    rows, notice = _step_rows(form), ""
    if "add_step" in form:
        if len(rows) >= MAX_STEPS:
            notice = _("一条路线最多 %(max)d 个步骤", max=MAX_STEPS)
        else:
            rows.append(_blank_row())
    else:
        remove = form.get("remove_step", "")
        if remove.isascii() and remove.isdigit() and int(remove) < len(rows):
            del rows[int(remove)]
    current = route_service.get_route(app, who, route_id) if route_id is not None else None
    return _render(current, _values_of(form), rows, [], notice=notice)


def _save(route_id: int | None) -> ResponseReturnValue:
    app, who = core(), require_admin()
    if "add_step" in request.form or "remove_step" in request.form:
        return _rework(route_id)
    body = body_from_form(request.form)
    try:
        if route_id is None:
            saved = route_service.create_route(app, who, body)
        else:
            saved = route_service.update_route(app, who, route_id, body, parse_version(request.form.get("version")))
    except (Forbidden, NotFound):
        raise
    except DomainError as error:
        current = route_service.get_route(app, who, route_id) if route_id is not None else None
        return _render(current, _values_of(request.form), _step_rows(request.form), _problems(error), error.status)
    flash(_("路线“%(name)s”已保存", name=saved.name), "success")
    return redirect(url_for("routes.index"))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    require_admin()
    if request.method == "POST":
        return _save(None)
    review, approve = route_service.route_default(core()).steps
    starter = Route(name="", steps=(review, approve))
    rows = [{**row, "name": _(row["name"])} for row in _rows_of(starter)]  # the stages' names, in the reader's language
    return _render(None, {"name": "", "catalog_codes": [], "departments": [], "version": "", "active": True}, rows, [])


@bp.route("/<int:route_id>", methods=["GET", "POST"])
@login_required
def edit(route_id: int) -> ResponseReturnValue:
    app, who = core(), require_admin()
    if request.method == "POST":
        return _save(route_id)
    route = route_service.get_route(app, who, route_id)
    values = {"name": route.name, "catalog_codes": list(route.catalog_codes), "departments": list(route.departments),
              "version": route.version, "active": route.active}
    return _render(route, values, _rows_of(route), [])


@bp.post("/<int:route_id>/deactivate")
@login_required
def deactivate(route_id: int) -> ResponseReturnValue:
    app, who = core(), require_admin()
    try:
        saved = route_service.deactivate_route(app, who, route_id, parse_version(request.form.get("version")))
    except (Forbidden, NotFound):
        raise
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("routes.edit", route_id=route_id))
    flash(_("路线“%(name)s”已停用，新提交的事项不再使用它", name=saved.name), "success")
    return redirect(url_for("routes.index"))
