"""API v1: requests for disclosure (依申请公开), the remedies register and the statistics table."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for

from web.api import bp
from web.api.openapi import (ACADEMIC_YEAR, BOOLEAN, DATE, DATETIME, LOCATION, MAX_ID, STRING, _op, _q, array,
                             enum_filter, nullable, obj, optional, path_id, ref, register_paths, register_schemas,
                             with_blank)
from web.api.request import acting_user, json_body
from web.core import core
from workflow.access import ADMIN, require_role
from workflow.applications import outcomes
from workflow.errors import BadInput
from workflow.services import applications as svc
from workflow.services.applications import (APPLICANT_KINDS, APPLICATION_CHANNELS, DELIVERY_FORMS, REMEDY_KINDS,
                                            REMEDY_OUTCOMES, STATE_LABELS)


def _application(application: Any, status: int = 200):  # noqa: ANN202
    response = jsonify(svc.application_to_dict(core(), application))
    response.status_code = status
    if status == 201:
        response.headers["Location"] = url_for("api.get_application", application_id=application.id)
    return response


def client_address() -> str:
    """The caller's address for the rate limit (behind a proxy, configure ProxyFix)."""
    return request.remote_addr or "unknown"


@bp.get("/applications")
def list_applications():  # noqa: ANN201
    actor = acting_user()
    rows = svc.list_applications(core(), actor, state=request.args.get("state") or None)
    return jsonify({"items": [svc.application_to_dict(core(), a) for a in rows]})


@bp.post("/applications")
def create_application():  # noqa: ANN201
    actor = acting_user()
    return _application(svc.register_application(core(), actor, json_body()), 201)


@bp.get("/applications/<int:application_id>")
def get_application(application_id: int):  # noqa: ANN201
    return _application(svc.get_application(core(), acting_user(), application_id))


@bp.get("/applications/<int:application_id>/history")
def application_history(application_id: int):  # noqa: ANN201
    return jsonify(svc.history(core(), acting_user(), application_id))


ACTIONS = ("assign", "clarify", "supplement", "abandon", "consult", "consulted", "extend", "reply", "fee")


def run_action(actor: Any, application_id: int, action: Any, body: dict[str, Any]) -> Any:
    """Dispatch one application action (shared by the API and the staff pages)."""
    app = core()
    if action == "assign":
        return svc.assign(app, actor, application_id, body.get("department"))
    if action == "clarify":
        return svc.request_clarification(app, actor, application_id, body.get("note"), body.get("answer_by"))
    if action == "supplement":
        return svc.record_supplement(app, actor, application_id, body.get("received_at"), body.get("request_text"))
    if action == "abandon":
        return svc.abandon(app, actor, application_id)
    if action == "consult":
        return svc.start_consultation(app, actor, application_id, body.get("third_party"), body.get("on"))
    if action == "consulted":
        return svc.end_consultation(app, actor, application_id, body.get("on"))
    if action == "extend":
        return svc.extend(app, actor, application_id, body.get("workdays"), body.get("reason"))
    if action == "reply":
        return svc.prepare_reply(app, actor, application_id, body.get("outcome"), body.get("reason"),
                                 body.get("supplied"))
    if action == "fee":
        return svc.record_fee(app, actor, application_id, body.get("charged"), body.get("waived"), body.get("note"))
    raise BadInput("未知的操作：%(action)s", code="unknown_action", action=str(action)[:40])


@bp.post("/applications/<int:application_id>/actions")
def application_action(application_id: int):  # noqa: ANN201
    actor = acting_user()
    body = json_body()
    run_action(actor, application_id, body.get("action"), body)
    return _application(svc.get_application(core(), actor, application_id))


@bp.get("/applications/stats")
def application_stats():  # noqa: ANN201
    acting_user()
    return jsonify(svc.stats_table(core(), request.args.get("year", "")))


@bp.get("/applications/overdue")
def overdue_applications():  # noqa: ANN201
    require_role(acting_user(), ADMIN)
    return jsonify(svc.overdue_applications(core()))


@bp.get("/applications/outcomes")
def application_outcomes():  # noqa: ANN201
    acting_user()
    return jsonify(outcomes.choices())


@bp.get("/remedies")
def list_remedies():  # noqa: ANN201
    return jsonify([svc.remedy_to_dict(c) for c in svc.list_remedies(core(), acting_user())])


@bp.post("/remedies")
def create_remedy():  # noqa: ANN201
    case = svc.register_remedy(core(), acting_user(), json_body())
    response = jsonify(svc.remedy_to_dict(case))
    response.status_code = 201
    return response


@bp.post("/remedies/<int:case_id>/outcome")
def decide_remedy(case_id: int):  # noqa: ANN201
    actor = acting_user()
    body = json_body()
    return jsonify(svc.remedy_to_dict(svc.decide_remedy(core(), actor, case_id, body.get("outcome"),
                                                        body.get("decided_on"))))


@bp.post("/public/applications")
def public_apply():  # noqa: ANN201
    """No login; rate-limited per client address. No session is involved, so no CSRF token."""
    application = svc.submit_public(core(), json_body(), client_address())
    response = jsonify({"tracking_no": application.tracking_no, "received_on": application.received_on.isoformat(),
                        "due_on": application.due_on.isoformat() if application.due_on else None})
    response.status_code = 201
    return response


@bp.post("/public/applications/status")
def public_status():  # noqa: ANN201
    body = json_body()
    return jsonify(svc.track(core(), body.get("tracking_no"), body.get("contact"), client_address()))


APP_ID = path_id("application_id")
CASE_ID = path_id("case_id")
CONTACT = {"type": "string", "maxLength": 254,
           "description": "A phone number or an e-mail address",
           "pattern": r"^\s*(?:[^@\s]+@[^@\s]+\.[^@\s]+|\+?[0-9][0-9 \-()]{5,22})\s*$"}
INTAKE = {"applicant_kind": {"type": "string", "enum": with_blank(APPLICANT_KINDS), "default": "natural"},
          "name": {"type": "string", "minLength": 1, "maxLength": 200}, "contact": CONTACT,
          "request_text": {"type": "string", "minLength": 1, "maxLength": 5000},
          "purpose": nullable({"type": "string", "maxLength": 2000}),
          "delivery_form": {"type": "string", "enum": with_blank(DELIVERY_FORMS), "default": "email"}}
ON = {**optional(DATE), "description": "Default today; not in the future, not before the last clock event"}


def _action(name: str, properties: dict[str, Any] | None = None, required: tuple[str, ...] = ()) -> dict[str, Any]:
    return obj({"action": {"const": name}, **(properties or {})}, required=("action", *required))


register_schemas({
    "ApplicationInput": obj({**INTAKE, "channel": {"type": "string", "enum": list(APPLICATION_CHANNELS)},
                             "received_at": {"type": "string", "format": "date-time",
                                             "description": "The statutory receipt; not in the future"},
                             "department": nullable({"type": "string", "description": "Handling department"})},
                            required=("name", "contact", "request_text", "channel", "received_at")),
    "PublicApplicationInput": obj(INTAKE, required=("name", "contact", "request_text")),
    "StatusLookup": obj({"tracking_no": STRING, "contact": STRING}, required=("tracking_no", "contact")),
    "ApplicationAction": {"oneOf": [
        _action("assign", {"department": STRING}, ("department",)),
        _action("clarify", {"note": {"type": "string", "minLength": 1, "maxLength": 5000},
                            "answer_by": optional(DATE)}, ("note",)),
        _action("supplement", {"received_at": optional(DATETIME),
                               "request_text": nullable({"type": "string", "maxLength": 5000})}),
        _action("abandon"),
        _action("consult", {"third_party": {"type": "string", "minLength": 1, "maxLength": 200}, "on": ON},
                ("third_party",)),
        _action("consulted", {"on": ON}),
        _action("extend", {"workdays": {"type": "integer", "minimum": 1},
                           "reason": {"type": "string", "minLength": 1, "maxLength": 5000}},
                ("workdays", "reason")),
        _action("reply", {"outcome": {"type": "string", "enum": [o.code for o in outcomes.OUTCOMES]},
                          "reason": {"type": ["integer", "null"], "minimum": 1,
                                     "description": "Reason number, exactly when the outcome has reasons"},
                          "supplied": nullable(STRING)}, ("outcome",)),
        _action("fee", {"charged": {"type": ["number", "string", "null"], "minimum": 0, "maximum": 1000000},
                        "waived": {"type": ["number", "string", "null"], "minimum": 0, "maximum": 1000000},
                        "note": nullable({"type": "string", "maxLength": 5000})}),
    ]},
    "RemedyInput": obj({"kind": {"type": "string", "enum": list(REMEDY_KINDS)},
                        "outcome": {"type": "string", "enum": with_blank(REMEDY_OUTCOMES), "default": "pending"},
                        "filed_on": optional(DATE), "summary": nullable({"type": "string", "maxLength": 5000}),
                        "application_id": optional({"type": "integer", "minimum": 1, "maximum": MAX_ID}),
                        "after_reconsideration": nullable(BOOLEAN)}, required=("kind",)),
    "RemedyOutcome": obj({"outcome": {"type": "string", "enum": list(REMEDY_OUTCOMES)},
                          "decided_on": optional(DATE)}, required=("outcome",)),
})
register_paths({
    "/api/v1/applications": {
        "get": _op("Applications in scope (at most 200, by due date)", schema=ref("ApplicationList"),
                   params=[_q("state", enum_filter(tuple(STATE_LABELS)))]),
        "post": _op("Admin: register an application received on paper, by post or e-mail", ok="201",
                    body=ref("ApplicationInput"), schema=ref("Application"), headers=LOCATION)},
    "/api/v1/applications/{application_id}": {"get": _op("One application with its clock", params=[APP_ID],
                                                         schema=ref("Application"))},
    "/api/v1/applications/{application_id}/history": {"get": _op("Audit history of the application",
                                                                 params=[APP_ID], schema=array(ref("HistoryEntry")))},
    "/api/v1/applications/{application_id}/actions": {"post": _op(
        "Admin: assign | clarify | supplement | abandon | consult | consulted | extend | reply | fee",
        params=[APP_ID], body=ref("ApplicationAction"), schema=ref("Application"))},
    "/api/v1/applications/stats": {"get": _op("The State Council table for an academic year, with its check",
                                              params=[_q("year", ACADEMIC_YEAR, required=True)],
                                              schema=ref("StatsTable"))},
    "/api/v1/applications/overdue": {"get": _op("Admin: open applications past due",
                                                schema=array(ref("OverdueApplication")))},
    "/api/v1/applications/outcomes": {"get": _op("The fixed list of reply outcomes and reasons",
                                                 schema=array(ref("Outcome")))},
    "/api/v1/remedies": {"get": _op("Admin: complaints and remedies register", schema=array(ref("Remedy"))),
                         "post": _op("Admin: register a 举报/投诉, 行政复议 or 行政诉讼 case", ok="201",
                                     body=ref("RemedyInput"), schema=ref("Remedy"),
                                     errors=("400", "401", "403", "404", "409", "413", "422"))},
    "/api/v1/remedies/{case_id}/outcome": {"post": _op("Admin: record a case outcome", params=[CASE_ID],
                                                       body=ref("RemedyOutcome"), schema=ref("Remedy"))},
    "/api/v1/public/applications": {"post": _op("Submit an application (no auth, rate-limited)", ok="201",
                                                auth=False, body=ref("PublicApplicationInput"),
                                                schema=ref("PublicReceipt"),
                                                errors=("400", "409", "413", "422", "429"))},
    "/api/v1/public/applications/status": {"post": _op("Status by tracking number and contact (no auth, "
                                                       "rate-limited; 404 when the pair does not match)",
                                                       auth=False, body=ref("StatusLookup"),
                                                       schema=ref("PublicStatus"),
                                                       errors=("400", "404", "409", "413", "422", "429"))},
})
