"""Pages for requests for disclosure: the public form and status check (no login), staff pages."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from web.api.applications import client_address, run_action
from web.core import core
from web.ui.common import actor, try_verb
from workflow.applications import outcomes
from workflow.applications.stats import COLUMNS
from workflow.errors import DomainError, Forbidden, NotFound
from workflow.i18n import gettext as _
from workflow.services import applications as svc

bp = Blueprint("applications", __name__)

KIND_LABELS = {"natural": "自然人", "business": "商业企业", "research": "科研机构", "public_interest": "社会公益组织",
               "legal_service": "法律服务机构", "other": "其他组织"}
DELIVERY_LABELS = {"paper": "纸质", "email": "电子邮件", "disc": "光盘", "other": "其他"}
CHANNEL_LABELS = {"in_person": "当面提交", "post": "邮寄（签收之日）", "online": "网上申请（确认之日）", "fax": "传真",
                  "email": "电子邮件"}
SEGMENT_LABELS = {"counted": "计入期限", "paused": "征求第三方意见（不计入）", "stopped": "等待补正（停止计时）",
                  "superseded": "补正前的期限（已重新计算）"}
FORM_FIELDS = ("applicant_kind", "name", "contact", "request_text", "purpose", "delivery_form")


def _labels() -> dict[str, Any]:
    return {"kinds": KIND_LABELS, "deliveries": DELIVERY_LABELS, "channels": CHANNEL_LABELS,
            "segments": SEGMENT_LABELS, "states": svc.STATE_LABELS}


@bp.route("/public/apply", methods=["GET", "POST"])
def public_apply():  # noqa: ANN201
    """The public form (CSRF-protected by Flask-WTF, rate-limited per client address)."""
    form = {k: request.form.get(k, "") for k in FORM_FIELDS}
    if request.method == "POST":
        try:
            application = svc.submit_public(core(), form, client_address())
        except svc.RateLimited as error:
            return render_template("applications/public_apply.html", form=form, error=error.message, **_labels()), 429
        except DomainError as error:
            return render_template("applications/public_apply.html", form=form, error=error.message,
                                   field=getattr(error, "field", None), **_labels()), 422
        return render_template("applications/public_done.html", application=application, **_labels()), 201
    return render_template("applications/public_apply.html", form=form, error=None, **_labels())


@bp.route("/public/apply/status", methods=["GET", "POST"])
def public_status():  # noqa: ANN201
    """Status by tracking number + contact; a wrong pair is a 404 that does not say which half."""
    tracking_no = (request.form.get("tracking_no") or request.args.get("tracking_no") or "")[:32]
    if request.method == "POST":
        try:
            status = svc.track(core(), tracking_no, request.form.get("contact", ""), client_address())
        except NotFound as error:
            return render_template("applications/public_status.html", tracking_no=tracking_no, status=None,
                                   error=error.message, **_labels()), 404
        except DomainError as error:
            return render_template("applications/public_status.html", tracking_no=tracking_no, status=None,
                                   error=error.message, **_labels()), error.status
        return render_template("applications/public_status.html", tracking_no=tracking_no, status=status,
                               error=None, **_labels())
    return render_template("applications/public_status.html", tracking_no=tracking_no, status=None, error=None,
                           **_labels())


@bp.get("/applications")
@login_required
def index():  # noqa: ANN201
    who = actor()
    state = request.args.get("state") or None
    rows = svc.list_applications(core(), who, state=state if state in svc.STATE_LABELS else None)
    overdue = svc.overdue_applications(core()) if who.is_admin else []
    return render_template("applications/list.html", rows=rows, overdue={o["id"]: o for o in overdue},
                           state=state, **_labels())


@bp.route("/applications/new", methods=["GET", "POST"])
@login_required
def new():  # noqa: ANN201
    who = actor()
    if not who.is_admin:
        raise Forbidden("只有信息公开办公室可以登记申请")
    form = {k: request.form.get(k, "") for k in (*FORM_FIELDS, "channel", "received_at", "department")}
    if request.method == "POST":
        application, error = try_verb(svc.register_application, core(), who, form)
        if error is None:
            flash(_("已登记，查询号 %(no)s", no=application.tracking_no), "success")
            return redirect(url_for("applications.detail", application_id=application.id))
    from workflow.services.queries import list_departments
    return render_template("applications/new.html", form=form, departments=list_departments(core()), **_labels())


@bp.get("/applications/stats")
@login_required
def stats_page():  # noqa: ANN201
    actor()
    year = request.args.get("year") or ""
    table, error = (None, None)
    if year:
        table, error = try_verb(svc.stats_table, core(), year)
    return render_template("applications/stats.html", table=table, year=year, columns=COLUMNS, **_labels())


@bp.get("/applications/<int:application_id>")
@login_required
def detail(application_id: int):  # noqa: ANN201
    who = actor()
    application = svc.get_application(core(), who, application_id)
    from workflow.services.queries import list_departments
    return render_template("applications/detail.html", a=svc.application_to_dict(core(), application),
                           history=svc.history(core(), who, application_id), outcomes=outcomes.OUTCOMES,
                           departments=list_departments(core()), me_actor=who, **_labels())


@bp.post("/applications/<int:application_id>/actions")
@login_required
def action(application_id: int):  # noqa: ANN201
    who = actor()
    body = {k: v for k, v in request.form.items() if k != "csrf_token"}
    result, error = try_verb(run_action, who, application_id, body.get("action"), body, success=_("已保存"))
    if error is None and body.get("action") == "reply" and result is not None:
        if _has_endpoint("items.show"):
            return redirect(url_for("items.show", item_id=result.id))
    return redirect(url_for("applications.detail", application_id=application_id))


def _has_endpoint(name: str) -> bool:
    from flask import current_app
    return name in current_app.view_functions


REMEDY_KIND_LABELS = {"report": "举报/投诉", "reconsideration": "行政复议", "lawsuit": "行政诉讼"}
REMEDY_OUTCOME_LABELS = {"maintained": "维持", "corrected": "纠正", "other": "其他", "pending": "尚未审结"}


def _remedies_page(status: int = 200):  # noqa: ANN202
    cases = svc.list_remedies(core(), actor())
    return render_template("applications/remedies.html", cases=cases, kinds=REMEDY_KIND_LABELS,
                           outcomes=REMEDY_OUTCOME_LABELS, values=request.form), status


@bp.get("/applications/remedies")
@login_required
def remedies():  # noqa: ANN201
    """举报、复议、诉讼 register (admins)."""
    if not actor().is_admin:
        raise Forbidden("您没有权限访问此页面")
    return _remedies_page()


@bp.post("/applications/remedies")
@login_required
def add_remedy():  # noqa: ANN201
    _case, error = try_verb(svc.register_remedy, core(), actor(), request.form.to_dict(), success=_("已登记"))
    if error is not None:
        return _remedies_page(error.status)
    return redirect(url_for("applications.remedies"))


@bp.post("/applications/remedies/<int:case_id>/outcome")
@login_required
def decide_remedy(case_id: int):  # noqa: ANN201
    try_verb(svc.decide_remedy, core(), actor(), case_id, request.form.get("outcome"),
             request.form.get("decided_on") or None, success=_("已记录结果"))
    return redirect(url_for("applications.remedies"))
