"""API v1: requests for disclosure (依申请公开), the remedies register and the statistics table.

Each route parses the request, calls one verb of ``workflow.services.applications`` and renders the
result. The bodies of ``/actions`` and ``/transitions`` (one handler) and their OpenAPI schemas are
derived from the application spec (``workflow.applications.spec``).
"""
from __future__ import annotations

from typing import Any

from urllib.parse import quote

from flask import Response, jsonify, request, url_for

from web.api import bp
from web.api.openapi import (ACADEMIC_YEAR, BOOLEAN, DATE, DATETIME, INTEGER, LOCATION, MAX_ID, OPT_DATE,
                             OPT_DATETIME, OPT_INTEGER, OPT_STRING, RUNGS, STRING, _op, _q, array, enum_filter,
                             nullable, obj, optional, path_id, ref, register_paths, register_schemas, with_blank)
from web.api.request import acting_user, json_body
from web.core import core
from workflow.access import ADMIN, require_role
from workflow.applications import documents, outcomes
from workflow.applications.spec import ACTIONS, APPLICATION, ApplicationState, Input
from workflow.applications.views import application_to_dict, remedy_to_dict
from workflow.applications.vocabulary import ApplicantKind, ApplicationChannel, DeliveryForm, RemedyKind, RemedyOutcome
from workflow.services import applications as svc


def _application(application: Any, status: int = 200, actor: Any = None) -> Response:
    """One application; for the office (admins) with the postal address and identity document."""
    office = svc.office_details(core(), actor, application) if actor is not None else {}
    response = jsonify({**application_to_dict(core(), application), **office})
    response.status_code = status
    if status == 201:
        response.headers["Location"] = url_for("api.get_application", application_id=application.id)
    return response


def client_address() -> str:
    """The caller's address for the rate limit (behind a proxy, configure ProxyFix)."""
    return request.remote_addr or "unknown"


@bp.get("/applications")
def list_applications() -> Response:
    """Applications in the caller's scope (``?state=`` filters)."""
    actor = acting_user()
    rows = svc.list_applications(core(), actor, state=request.args.get("state") or None)
    return jsonify({"items": [application_to_dict(core(), a) for a in rows]})


@bp.post("/applications")
def create_application() -> Response:
    """Admin: register an application received on paper, by post, fax, e-mail or in person."""
    actor = acting_user()
    return _application(svc.register_application(core(), actor, json_body()), 201, actor)


@bp.get("/applications/<int:application_id>")
def get_application(application_id: int) -> Response:
    """One application with its clock explained."""
    actor = acting_user()
    return _application(svc.get_application(core(), actor, application_id), actor=actor)


@bp.get("/applications/<int:application_id>/identity-document")
def application_identity_document(application_id: int) -> Response:
    """The applicant's identity document: the office (admins) only, 404 for everyone else."""
    row = svc.identity_document(core(), acting_user(), application_id)
    response = Response(row.data, mimetype=row.content_type)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(row.filename)}"
    response.headers["Cache-Control"] = "no-store, private"
    return response


@bp.get("/applications/<int:application_id>/history")
def application_history(application_id: int) -> Response:
    """The application's audit events, oldest first."""
    return jsonify(svc.history(core(), acting_user(), application_id))


# The action's name travels as ``trigger`` (the items' convention) or, on the older path, as ``action``.
NAME_KEY = {"transitions": "trigger", "actions": "action"}


@bp.post("/applications/<int:application_id>/transitions", defaults={"path": "transitions"})
@bp.post("/applications/<int:application_id>/actions", defaults={"path": "actions"})
def application_transition(application_id: int, path: str) -> Response:
    """One action of the application workflow; ``/actions {action}`` is ``/transitions {trigger}``."""
    actor = acting_user()
    body = json_body()
    svc.transition(core(), actor, application_id, body.get(NAME_KEY[path]), body)
    return _application(svc.get_application(core(), actor, application_id), actor=actor)


@bp.get("/applications/stats")
def application_stats() -> Response:
    """The State Council table of ``?year=2022-2023``."""
    acting_user()
    return jsonify(svc.stats_table(core(), request.args.get("year", "")))


@bp.get("/applications/overdue")
def overdue_applications() -> Response:
    """Admin: open applications past due."""
    require_role(acting_user(), ADMIN)
    return jsonify(svc.overdue_applications(core()))


@bp.get("/applications/outcomes")
def application_outcomes() -> Response:
    """The reply outcomes and their numbered reasons."""
    acting_user()
    return jsonify(outcomes.choices())


@bp.get("/remedies")
def list_remedies() -> Response:
    """Admin: the 举报、复议、诉讼 register."""
    return jsonify([remedy_to_dict(c) for c in svc.list_remedies(core(), acting_user())])


@bp.post("/remedies")
def create_remedy() -> Response:
    """Admin: register a remedy case."""
    case = svc.register_remedy(core(), acting_user(), json_body())
    response = jsonify(remedy_to_dict(case))
    response.status_code = 201
    return response


@bp.post("/remedies/<int:case_id>/outcome")
def decide_remedy(case_id: int) -> Response:
    """Admin: record a remedy case's outcome."""
    actor = acting_user()
    body = json_body()
    return jsonify(remedy_to_dict(svc.decide_remedy(core(), actor, case_id, body.get("outcome"),
                                                    body.get("decided_on"))))


@bp.post("/public/applications")
def public_apply() -> Response:
    """No login; rate-limited per client address. No session is involved, so no CSRF token. The identity
    document travels as ``identity_document: {filename, content_base64}``."""
    body = json_body()
    application = svc.submit_public(core(), body, client_address(),
                                    identity=documents.from_json(body.get("identity_document")))
    response = jsonify({"tracking_no": application.tracking_no, "received_on": application.received_on.isoformat(),
                        "due_on": application.due_on.isoformat() if application.due_on else None})
    response.status_code = 201
    return response


@bp.post("/public/applications/status")
def public_status() -> Response:
    """Status by tracking number and contact (no login; rate-limited)."""
    body = json_body()
    response = jsonify(svc.track(core(), body.get("tracking_no"), body.get("contact"), client_address()))
    response.headers["Cache-Control"] = "no-store, private"  # one applicant's data
    return response


# ------------------------------------------------------------------ the OpenAPI document

APP_ID = path_id("application_id")
CASE_ID = path_id("case_id")
CONTACT = {"type": "string", "maxLength": 254,
           "description": "A phone number or an e-mail address",
           "pattern": r"^\s*(?:[^@\s]+@[^@\s]+\.[^@\s]+|\+?[0-9][0-9 \-()]{5,22})\s*$"}
INTAKE = {"applicant_kind": {"type": "string", "enum": with_blank(ApplicantKind.codes()), "default": "natural"},
          "name": {"type": "string", "minLength": 1, "maxLength": 200}, "contact": CONTACT,
          "request_text": {"type": "string", "minLength": 1, "maxLength": 5000},
          "purpose": nullable({"type": "string", "maxLength": 2000}),
          "delivery_form": {"type": "string", "enum": with_blank(DeliveryForm.codes()), "default": "email"},
          "postal_address": nullable({"type": "string", "maxLength": 300,
                                      "description": "Where a paper reply is posted; required when delivery_form is "
                                                     "paper"})}
IDENTITY_UPLOAD = obj({"filename": {"type": "string", "maxLength": 255, "description": ".pdf, .jpg, .jpeg or .png"},
                       "content_base64": {"type": "string", "contentEncoding": "base64",
                                          "description": "The file; its bytes must be what the name says"}},
                      required=("filename", "content_base64"))
# A whole number as JSON or as the digits a form sends.
WHOLE_NUMBER_TEXT = {"type": "string", "pattern": r"^\s*-?[0-9]{1,10}\s*$"}


def input_schema(field: Input) -> dict[str, Any]:
    """The JSON schema of one declared input (what its parser accepts; the bounds it enforces)."""
    help_text = {"description": field.help} if field.help else {}
    if field.kind in ("text", "multiline", "department"):
        text = {"type": "string", "maxLength": field.max_length}
        return {**text, "minLength": 1, **help_text} if field.required else {**nullable(text), **help_text}
    if field.kind == "integer":
        number: dict[str, Any] = {"type": "integer", "minimum": field.minimum if field.minimum is not None else 1}
        if field.maximum is not None:
            number["maximum"] = field.maximum
        schema = {"anyOf": [number, WHOLE_NUMBER_TEXT]}
    elif field.kind == "choice":
        schema = {"type": "string", "enum": [code for code, _label in field.choices]}
    elif field.kind == "date":
        schema = DATE
    elif field.kind == "datetime":
        schema = DATETIME
    elif field.kind == "money":
        return {"type": ["number", "string", "null"], "minimum": 0, "maximum": field.maximum, **help_text,
                "description": "Yuan, 0 to %d; empty means 0" % (field.maximum or 0)}
    else:
        raise AssertionError(f"no schema for input kind {field.kind!r}")
    return {**schema, **help_text} if field.required else {**optional(schema), **help_text}


def action_schemas(name_key: str) -> dict[str, Any]:
    """``{name_key: <action>, …inputs}``, one alternative per action a request may name."""
    alternatives = []
    for name in ACTIONS:
        trigger = APPLICATION.triggers[name]
        properties = {name_key: {"const": name}, **{f.name: input_schema(f) for f in trigger.fields
                                                      if isinstance(f, Input)}}
        alternatives.append(obj(properties, required=(name_key, *(f.name for f in trigger.fields if f.required))))
    return {"oneOf": alternatives}


APPLICATION_STATES = list(ApplicationState.codes())
# Every Application field is always present, except what only the office (admins) sees.
OFFICE_ONLY = ("postal_address", "identity_document")
APPLICATION_FIELDS = ("id", "tracking_no", "state", "applicant_kind", "name", "contact", "request_text", "purpose",
                      "delivery_form", "channel", "received_at", "received_on", "department", "due_on", "overdue",
                      "clarify_by", "clock", "outcome", "outcome_reason", "outcome_label", "reply_item", "replied_at",
                      "closed_at", "fee", "notices", "version")
register_schemas({
    "Notice": obj({"kind": STRING, "at": OPT_DATETIME, "body": STRING}),
    "Clock": obj({
        "status": {"type": "string", "enum": ["running", "paused", "stopped", "not_started"]},
        "start": OPT_DATE, "due": OPT_DATE, "period_workdays": INTEGER, "extension_workdays": INTEGER,
        "paused_workdays": INTEGER, "remaining_workdays": OPT_INTEGER, "estimated": BOOLEAN,
        "segments": array(obj({"kind": STRING, "first": DATE, "last": OPT_DATE, "workdays": INTEGER}))}),
    "Application": obj({
        "id": INTEGER, "tracking_no": STRING, "state": {"type": "string", "enum": APPLICATION_STATES},
        "applicant_kind": {"type": "string", "enum": list(ApplicantKind.codes())}, "name": STRING, "contact": STRING,
        "request_text": STRING, "purpose": OPT_STRING,
        "delivery_form": {"type": "string", "enum": list(DeliveryForm.codes())},
        "channel": {"type": "string", "enum": list(ApplicationChannel.codes())}, "received_at": OPT_DATETIME,
        "received_on": DATE, "department": OPT_STRING, "due_on": OPT_DATE, "overdue": BOOLEAN,
        "clarify_by": OPT_DATE, "clock": ref("Clock"), "outcome": OPT_STRING, "outcome_reason": OPT_INTEGER,
        "outcome_label": OPT_STRING, "reply_item": OPT_INTEGER, "replied_at": OPT_DATETIME,
        "closed_at": OPT_DATETIME, "fee": obj({"charged": STRING, "waived": STRING, "note": OPT_STRING}),
        "notices": array(ref("Notice")), "version": INTEGER,
        "postal_address": OPT_STRING,
        "identity_document": nullable(obj({"filename": STRING, "content_type": STRING, "size": INTEGER}))},
        required=APPLICATION_FIELDS),
    "ApplicationList": obj({"items": array(ref("Application"))}),
    "OverdueApplication": obj({
        "id": INTEGER, "tracking_no": STRING, "state": STRING, "due_on": DATE,
        "workdays_late": INTEGER, "department": OPT_STRING, "department_name": OPT_STRING,
        "applicant_kind": STRING, "rung": nullable({"type": "string", "enum": RUNGS})}),
    "Outcome": obj({"code": STRING, "label": STRING,
                    "reasons": array(obj({"number": INTEGER, "label": STRING}))}),
    "StatsTable": obj({
        "period": ref("Period"), "year": STRING,
        "columns": array(obj({"key": STRING, "label": STRING, "group": OPT_STRING})),
        "rows": array(obj({"key": STRING, "label": STRING,
                           "counts": nullable({"type": "object", "additionalProperties": INTEGER})})),
        "organisations_subtotal": {"type": "object", "additionalProperties": INTEGER},
        "check": obj({"rule": STRING, "ok": BOOLEAN,
                      "first_plus_second": {"type": "object", "additionalProperties": INTEGER},
                      "third_plus_fourth": {"type": "object", "additionalProperties": INTEGER}})}),
    "PublicReceipt": obj({"tracking_no": STRING, "received_on": DATE, "due_on": OPT_DATE}, additional=False),
    "PublicStatus": obj({
        "tracking_no": STRING, "state": {"type": "string", "enum": APPLICATION_STATES}, "state_label": STRING,
        "received_on": DATE, "due_on": OPT_DATE, "clarify_by": OPT_DATE, "replied_on": OPT_DATE,
        "channel": {"type": "string", "enum": list(ApplicationChannel.codes())},
        "delivery_form": {"type": "string", "enum": list(DeliveryForm.codes())},
        "steps": array(obj({"key": STRING, "label": STRING, "on": OPT_DATE,
                            "status": {"type": "string", "enum": ["done", "current", "pending"]}})),
        "letter_available": BOOLEAN,
        "notices": array(ref("Notice"))}, additional=False),
    "Remedy": obj({"id": INTEGER, "kind": {"type": "string", "enum": list(RemedyKind.codes())},
                   "after_reconsideration": BOOLEAN, "application_id": OPT_INTEGER, "filed_on": DATE,
                   "summary": STRING, "outcome": {"type": "string", "enum": list(RemedyOutcome.codes())},
                   "decided_on": OPT_DATE}),
    "ApplicationInput": obj({**INTAKE, "channel": {"type": "string", "enum": list(ApplicationChannel.codes())},
                             "received_at": {"type": "string", "format": "date-time",
                                             "description": "The statutory receipt; not in the future"},
                             "department": nullable({"type": "string", "description": "Handling department"})},
                            required=("name", "contact", "request_text", "channel", "received_at")),
    "PublicApplicationInput": obj({**INTAKE, "identity_document": nullable(IDENTITY_UPLOAD)},
                                  required=("name", "contact", "request_text")),
    "StatusLookup": obj({"tracking_no": STRING, "contact": STRING}, required=("tracking_no", "contact")),
    "ApplicationTransition": action_schemas("trigger"),
    "ApplicationAction": action_schemas("action"),
    "RemedyInput": obj({"kind": {"type": "string", "enum": list(RemedyKind.codes())},
                        "outcome": {"type": "string", "enum": with_blank(RemedyOutcome.codes()), "default": "pending"},
                        "filed_on": optional(DATE), "summary": nullable({"type": "string", "maxLength": 5000}),
                        "application_id": optional({"type": "integer", "minimum": 1, "maximum": MAX_ID}),
                        "after_reconsideration": nullable(BOOLEAN)}, required=("kind",)),
    "RemedyOutcome": obj({"outcome": {"type": "string", "enum": list(RemedyOutcome.codes())},
                          "decided_on": optional(DATE)}, required=("outcome",)),
})
ACTION_SUMMARY = " | ".join(ACTIONS)
register_paths({
    "/api/v1/applications": {
        "get": _op("Applications in scope (at most 200, by due date)", schema=ref("ApplicationList"),
                   params=[_q("state", enum_filter(ApplicationState.codes()))]),
        "post": _op("Admin: register an application received on paper, by post or e-mail", ok="201",
                    body=ref("ApplicationInput"), schema=ref("Application"), headers=LOCATION)},
    "/api/v1/applications/{application_id}": {"get": _op("One application with its clock", params=[APP_ID],
                                                         schema=ref("Application"))},
    "/api/v1/applications/{application_id}/identity-document": {"get": _op(
        "The applicant's identity document (身份证明): the office (admins) only; 404 for anyone else", params=[APP_ID],
        schema={"type": "string", "format": "binary"},
        content={"application/pdf": {"schema": {"type": "string", "format": "binary"}},
                 "image/png": {"schema": {"type": "string", "format": "binary"}},
                 "image/jpeg": {"schema": {"type": "string", "format": "binary"}}})},
    "/api/v1/applications/{application_id}/history": {"get": _op("Audit history of the application",
                                                                 params=[APP_ID], schema=array(ref("HistoryEntry")))},
    "/api/v1/applications/{application_id}/transitions": {"post": _op(
        f"One action of the application workflow: {ACTION_SUMMARY}", params=[APP_ID],
        body=ref("ApplicationTransition"), schema=ref("Application"),
        description="Which actions the caller may take, and from which states, is declared in "
                    "workflow/applications/spec.py; a refused action changes nothing (403 not the caller's, "
                    "409 not in this state or against a rule of the statutory clock, 422 a missing or invalid "
                    "input).")},
    "/api/v1/applications/{application_id}/actions": {"post": _op(
        f"The same as /transitions, with the action named `action`: {ACTION_SUMMARY}",
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
