"""Pages for requests for disclosure: the public form and status check (no login), staff pages.

Labels come from the one vocabulary of each code set (``workflow.applications.vocabulary``, the
states of ``workflow.applications.spec``); the staff page's action forms are built from the actions
the spec permits this user on this application, with the inputs each declares.
"""
from __future__ import annotations

from typing import Any

from urllib.parse import quote

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from web.api.applications import client_address
from web.core import core
from web.ui.common import actor, try_verb
from workflow import links
from workflow.applications import documents, outcomes
from workflow.applications.journal import ACTION_LABELS
from workflow.applications.spec import APPLICATION, ApplicationState
from workflow.applications.stats import COLUMNS, row_labels
from workflow.applications.views import application_to_dict
from workflow.applications.vocabulary import (ApplicantKind, ApplicationChannel, ClockSegment, DeliveryForm,
                                              RemedyKind, RemedyOutcome)
from workflow.errors import DomainError, Forbidden, NotFound, RateLimited
from workflow.i18n import gettext as _
from workflow.services import applications as svc
from workflow.services.queries import list_departments

bp = Blueprint("applications", __name__)

FORM_FIELDS = ("applicant_kind", "name", "contact", "request_text", "purpose", "delivery_form", "postal_address")
STATE_LABELS = {state.value: state.label for state in ApplicationState}
STATE_COLOURS = {state.value: state.colour for state in ApplicationState}
Page = tuple[str, int] | str


def _outcome_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The reply's outcome and reason as one choice, grouped by outcome: 「（三）不予公开」 → 「1. 属于国家秘密」 …
    (an outcome without reasons is a choice of its own) — staff pick a labelled reason, never a number."""
    return [(f"{o.numeral}{_(o.label)}", [(outcomes.choice_value(o.code, n), f"{n}. {_(reason)}")
                                          for n, reason in enumerate(o.reasons, 1)]
             or [(outcomes.choice_value(o.code), _(o.label))]) for o in outcomes.OUTCOMES]


def _labels() -> dict[str, Any]:
    return {"kinds": ApplicantKind.labels(), "deliveries": DeliveryForm.labels(),
            "channels": ApplicationChannel.labels(), "segments": ClockSegment.labels(), "states": STATE_LABELS,
            "state_colours": STATE_COLOURS, "identity_accept": documents.ACCEPT,
            "identity_max_mb": round(documents.max_bytes(core().settings) / 1048576, 1),
            # the receipt names the status page by the configured public address, not by this request's host
            "status_url": links.public_url(core().settings, url_for("applications.public_status"))}


def _private(response: Response) -> Response:
    """A page or file for one applicant only: never cached by the browser or a proxy."""
    response.headers["Cache-Control"] = "no-store, private"
    return response


def _identity_upload() -> documents.Upload | None:
    """The form's identity document (none chosen: None). Read whole: the request size is bounded by
    ``limits.request_max_bytes``; the checks are the workflow's."""
    upload = request.files.get("identity_document")
    if upload is None or not upload.filename:
        return None
    return documents.Upload(upload.filename, upload.read())


@bp.route("/public/apply", methods=["GET", "POST"])
def public_apply() -> Page | Response:
    """The public form (CSRF-protected by Flask-WTF, rate-limited per client address); the answer is the
    printable 回执 with the tracking number."""
    form = {k: request.form.get(k, "") for k in FORM_FIELDS}
    if request.method == "GET":
        form["delivery_form"] = DeliveryForm.PAPER.value  # the usual way a reply reaches an applicant
    if request.method == "POST":
        try:
            application = svc.submit_public(core(), form, client_address(), identity=_identity_upload())
        except RateLimited as error:
            return render_template("applications/public_apply.html", form=form, error=error.message, **_labels()), 429
        except DomainError as error:
            status = 413 if error.status == 413 else 422  # a file too large stays a 413
            return render_template("applications/public_apply.html", form=form, error=error.message,
                                   field=getattr(error, "field", None), **_labels()), status
        receipt = svc.receipt(core(), application)
        return _private(make_response(render_template("applications/public_done.html", status=receipt,
                                                      **_labels()), 201))
    return render_template("applications/public_apply.html", form=form, error=None, **_labels())


@bp.route("/public/apply/status", methods=["GET", "POST"])
def public_status() -> Page | Response:
    """Status by tracking number + contact; a wrong pair is a 404 that does not say which half. The answer
    shows the steps with their dates, the 回执 and, once the reply was sent, its download."""
    tracking_no = (request.form.get("tracking_no") or request.args.get("tracking_no") or "")[:32]
    if request.method == "POST":
        contact = request.form.get("contact", "")[:254]
        try:
            status = svc.track(core(), tracking_no, contact, client_address())
        except NotFound as error:
            return render_template("applications/public_status.html", tracking_no=tracking_no, status=None,
                                   error=error.message, **_labels()), 404
        except DomainError as error:
            return render_template("applications/public_status.html", tracking_no=tracking_no, status=None,
                                   error=error.message, **_labels()), error.status
        # The contact goes back into the page only as the hidden field of the letter's download form: the
        # download asks for the same pair again (a POST, never a link that could be shared or logged).
        return _private(make_response(render_template("applications/public_status.html", tracking_no=tracking_no,
                                                      status=status, contact=contact, error=None, **_labels())))
    return render_template("applications/public_status.html", tracking_no=tracking_no, status=None, error=None,
                           **_labels())


@bp.post("/public/apply/status/letter")
def public_letter() -> Page | Response:
    """The reply letter as a text file, for the holder of the tracking number and contact (POST + CSRF)."""
    tracking_no = (request.form.get("tracking_no") or "")[:32]
    try:
        filename, text = svc.reply_letter(core(), tracking_no, request.form.get("contact", ""), client_address())
    except DomainError as error:
        return render_template("applications/public_status.html", tracking_no=tracking_no, status=None,
                               error=error.message, **_labels()), error.status
    # UTF-8 with a BOM: Windows Notepad then shows the Chinese text as it is.
    response = Response("\ufeff" + text.replace("\n", "\r\n"), mimetype="text/plain", content_type="text/plain; charset=utf-8")
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return _private(response)



@bp.get("/applications")
@login_required
def index() -> str:
    """The applications in scope, overdue ones flagged for admins."""
    who = actor()
    state = request.args.get("state") or None
    rows = svc.list_applications(core(), who, state=state if state in STATE_LABELS else None)
    overdue = svc.overdue_applications(core()) if who.is_admin else []
    return render_template("applications/list.html", rows=rows, overdue={o["id"]: o for o in overdue},
                           state=state, **_labels())


@bp.route("/applications/new", methods=["GET", "POST"])
@login_required
def new() -> Page | Response:
    """Admin: the staff intake form."""
    who = actor()
    if not who.is_admin:
        raise Forbidden("只有信息公开办公室可以登记申请")
    form = {k: request.form.get(k, "") for k in (*FORM_FIELDS, "channel", "received_at", "department")}
    if request.method == "POST":
        application, error = try_verb(svc.register_application, core(), who, form)
        if error is None:
            flash(_("已登记，查询号 %(no)s", no=application.tracking_no), "success")
            return redirect(url_for("applications.detail", application_id=application.id))
    return render_template("applications/new.html", form=form, departments=list_departments(core()), **_labels())


@bp.get("/applications/stats")
@login_required
def stats_page() -> str:
    """The State Council table of an academic year."""
    actor()
    # No year asked for: the current academic year, form filled in and table shown (not a blank page).
    year = (request.args.get("year") or "").strip()[:20] or svc.current_academic_year(core())
    table, _error = try_verb(svc.stats_table, core(), year)
    return render_template("applications/stats.html", table=table, year=year, columns=COLUMNS,
                           row_labels=row_labels(), **_labels())


def _history_rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """History rows as a person reads them: each action by its label (收到申请, 指定承办部门 …)."""
    return [{**event, "label": _history_label(event["trigger"])} for event in events]


def _history_label(action: str) -> str:
    if action in APPLICATION.triggers:
        return APPLICATION.trigger_label(action)
    return _(ACTION_LABELS.get(action, "其他办理"))


@bp.get("/applications/<int:application_id>")
@login_required
def detail(application_id: int) -> str:
    """One application: its record, clock, history and the action forms this user may use."""
    who = actor()
    application = svc.get_application(core(), who, application_id)
    view = application_to_dict(core(), application)
    # What a form shows before the user types: the fee form starts from the recorded fee.
    defaults = {"fee": {"charged": view["fee"]["charged"], "waived": view["fee"]["waived"],
                        "note": view["fee"]["note"] or ""}}
    history = _history_rows(svc.history(core(), who, application_id))
    return render_template("applications/detail.html", a=view, history=history,
                           actions=svc.available_actions(core(), who, application), defaults=defaults,
                           departments=list_departments(core()), office=svc.office_details(core(), who, application),
                           outcome_groups=_outcome_groups(), **_labels())


@bp.get("/applications/<int:application_id>/identity")
def identity_document(application_id: int) -> Response:
    """The applicant's identity document, for the office only: a download, never shown inline, never cached.
    Anyone else — another department, the handling one, a visitor who is not logged in — gets the same 404, so
    the address does not even tell whether such a file exists."""
    if not current_user.is_authenticated:
        raise NotFound("文件不存在或您无权查看", code="document_not_found")
    row = svc.identity_document(core(), actor(), application_id)
    response = Response(row.data, mimetype=row.content_type)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(row.filename)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return _private(response)


@bp.post("/applications/<int:application_id>/actions")
@login_required
def action(application_id: int) -> Response:
    """One action of the spec from the staff page's form (the same verb as the API's)."""
    who = actor()
    body = {k: v for k, v in request.form.items() if k != "csrf_token"}
    if "outcome_reason" in body:  # the page offers outcome and reason as one labelled choice
        body["outcome"], body["reason"] = outcomes.split_choice(body.pop("outcome_reason"))
    application, error = try_verb(svc.transition, core(), who, application_id, body.get("action"), body,
                                  success=_("已保存"))
    if error is None and body.get("action") == "reply" and application.reply_item_id is not None \
            and "items.show" in current_app.view_functions:
        return redirect(url_for("items.show", item_id=application.reply_item_id))
    return redirect(url_for("applications.detail", application_id=application_id))


def _remedies_page(status: int = 200) -> tuple[str, int]:
    cases = svc.list_remedies(core(), actor())
    return render_template("applications/remedies.html", cases=cases, kinds=RemedyKind.labels(),
                           outcomes=RemedyOutcome.labels(), values=request.form), status


@bp.get("/applications/remedies")
@login_required
def remedies() -> tuple[str, int]:
    """举报、复议、诉讼 register (admins)."""
    if not actor().is_admin:
        raise Forbidden("您没有权限访问此页面")
    return _remedies_page()


@bp.post("/applications/remedies")
@login_required
def add_remedy() -> tuple[str, int] | Response:
    """Register a remedy case from the register page's form (an unticked checkbox is not posted at all)."""
    data = {**request.form.to_dict(), "after_reconsideration": "after_reconsideration" in request.form}
    _case, error = try_verb(svc.register_remedy, core(), actor(), data, success=_("已登记"))
    if error is not None:
        return _remedies_page(error.status)
    return redirect(url_for("applications.remedies"))


@bp.post("/applications/remedies/<int:case_id>/outcome")
@login_required
def decide_remedy(case_id: int) -> Response:
    """Record a remedy case's outcome from the register page."""
    try_verb(svc.decide_remedy, core(), actor(), case_id, request.form.get("outcome"),
             request.form.get("decided_on") or None, success=_("已记录结果"))
    return redirect(url_for("applications.remedies"))
