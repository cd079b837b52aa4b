"""Admin pages of review routes (审批路线): the list, and one form to create or edit a route.

The form posts plain fields (a few step rows, blank rows ignored); they are turned into the API's
body and given to the same verb as ``POST /api/v1/routes`` (``workflow.services.routes``), so the
page and the API refuse the same things with the same words. A refused route is shown again with
every problem listed.
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
from workflow.routes.eligibility import Directory
from workflow.routes.model import ALL, ANY, COUNT, DEPARTMENT, ITEM_DEPARTMENT, ROUTE_STAGES, STEP_ROLES, USERS, Route
from workflow.services import routes as route_service

bp = Blueprint("routes", __name__, url_prefix="/admin/routes")
STAGE_LABELS = {"secrecy_review": N_("保密审查"), "approval": N_("审批")}
WHO_LABELS = {ITEM_DEPARTMENT: N_("事项所在部门的"), DEPARTMENT: N_("指定部门的"), USERS: N_("指定人员")}
QUORUM_LABELS = {ANY: N_("任一人"), ALL: N_("全部"), COUNT: N_("指定人数")}
SPARE_ROWS = 3
_SEPARATORS = re.compile(r"[\s,，、;；]+")


def describe_step(step: Any, directory: Directory) -> dict[str, str]:
    """A step in plain Chinese: stage, who decides, how many must agree."""
    deciders, role = step.deciders, _(ROLE_LABELS[step.deciders.role])
    if deciders.kind == ITEM_DEPARTMENT:
        who = _("事项所在部门的%(role)s", role=role)
    elif deciders.kind == DEPARTMENT:
        who = _("%(department)s的%(role)s", department=directory.departments.get(deciders.department or "",
                                                                             deciders.department or ""), role=role)
    else:
        who = "、".join(directory.display(u) for u in deciders.users)
    quorum = step.quorum
    needed = {ANY: _("任一人同意"), ALL: _("全部同意")}.get(quorum.kind) or _("%(count)d人同意", count=quorum.count or 1)
    workdays = _("限%(days)d个工作日", days=step.workdays) if step.workdays else ""
    return {"stage": _(STAGE_LABELS[step.stage]), "name": _(step.name), "who": who, "quorum": needed,
            "workdays": workdays}


def describe_scope(route: Route, directory: Directory) -> str:
    """Which items the route applies to, in words."""
    categories = "、".join(directory.categories.get(c, c) for c in route.catalog_codes)
    departments = "、".join(directory.departments.get(d, d) for d in route.departments)
    if categories and departments:
        return _("%(departments)s的“%(categories)s”类事项", departments=departments, categories=categories)
    if departments:
        return _("%(departments)s的全部事项", departments=departments)
    return _("各部门的“%(categories)s”类事项", categories=categories)


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    app, who = core(), require_admin()
    directory = route_service.route_directory(app, who)
    routes = route_service.list_routes(app, who)
    default = route_service.route_default(app)
    return render_template("admin/routes.html", routes=routes, default=default, directory=directory,
                           describe_step=describe_step, describe_scope=describe_scope)


def _step_rows(form: MultiDict[str, str]) -> list[dict[str, str]]:
    rows, n = [], 0
    while f"step-{n}-name" in form:
        rows.append({key: form.get(f"step-{n}-{key}", "") for key in (
            "stage", "name", "who", "role", "department", "users", "quorum_kind", "quorum_count", "workdays")})
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
            step["users"] = [u for u in _SEPARATORS.split(row["users"]) if u]
        if row["workdays"].strip():
            step["workdays"] = row["workdays"].strip()
        steps.append(step)
    return {"name": form.get("name", ""), "catalog_codes": form.getlist("catalog_codes"),
            "departments": form.getlist("departments"), "steps": steps, "active": form.get("active") == "on"}


def _rows_of(route: Route | None) -> list[dict[str, str]]:
    rows = []
    for step in route.steps if route else ():
        rows.append({"stage": step.stage, "name": step.name, "who": step.deciders.kind, "role": step.deciders.role,
                     "department": step.deciders.department or "", "users": "、".join(step.deciders.users),
                     "quorum_kind": step.quorum.kind, "quorum_count": str(step.quorum.count or ""),
                     "workdays": str(step.workdays or "")})
    return rows


def _render(route: Route | None, values: dict[str, Any], rows: list[dict[str, str]], problems: list[str],
            status: int = 200) -> tuple[str, int]:
    app, who = core(), require_admin()
    blank = {"stage": ROUTE_STAGES[-1], "name": "", "who": ITEM_DEPARTMENT, "role": STEP_ROLES[-1], "department": "",
             "users": "", "quorum_kind": ANY, "quorum_count": "", "workdays": ""}
    rows = [*rows, *[dict(blank) for _n in range(SPARE_ROWS)]]
    return render_template("admin/route_form.html", route=route, values=values, rows=rows, problems=problems,
                           directory=route_service.route_directory(app, who), stages=ROUTE_STAGES,
                           stage_labels=STAGE_LABELS, roles=STEP_ROLES, role_labels=ROLE_LABELS,
                           who_labels=WHO_LABELS, quorum_labels=QUORUM_LABELS), status


def _problems(error: DomainError) -> list[str]:
    details = error.details if isinstance(error.details, dict) else {}
    listed = [p["message"] for p in details.get("problems", [])]
    return listed or [error.message]


def _save(route_id: int | None) -> ResponseReturnValue:
    app, who = core(), require_admin()
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
        values = {"name": body["name"], "catalog_codes": body["catalog_codes"], "departments": body["departments"],
                  "version": request.form.get("version", ""), "active": body["active"]}
        return _render(current, values, _step_rows(request.form), _problems(error), error.status)
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
    return _render(None, {"name": "", "catalog_codes": [], "departments": [], "version": "", "active": True},
                   _rows_of(starter), [])


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
