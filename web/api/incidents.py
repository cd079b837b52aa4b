"""API: leak incidents (泄密事件) and their 24-hour report; an item's referrals to the secrecy authority.

Referring and recording the answer are item transitions (``refer``, ``record_referral``:
``POST /api/v1/items/{id}/transitions``); a leak is named by ``take_down``'s ``leak`` input.
"""
from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from web.api import bp
from web.api.openapi import (BOOLEAN, DATETIME, INTEGER, OPT_DATETIME, OPT_INTEGER, OPT_STRING, STRING, _op, _q,
                             array, nullable, obj, path_id, ref, register_paths, register_schemas)
from web.api.request import acting_user, json_body
from web.core import core
from workflow.incidents import LEAK_LABELS, NO_LEAK
from workflow.referrals import DETERMINATION_LABELS
from workflow.services import incidents as service


@bp.post("/items/<int:item_id>/incidents/<int:incident_id>/report")
def file_incident_report(item_id: int, incident_id: int) -> ResponseReturnValue:
    return jsonify(service.file_report(core(), acting_user(), item_id, incident_id, json_body()))


@bp.get("/incidents")
def incidents() -> ResponseReturnValue:
    open_only = request.args.get("open", "").lower() in ("1", "true", "yes")
    return jsonify(service.list_incidents(core(), acting_user(), open_only=open_only))


@bp.get("/items/<int:item_id>/referrals")
def item_referrals(item_id: int) -> ResponseReturnValue:
    return jsonify(service.item_referrals_json(core(), acting_user(), item_id))


register_schemas({
    "Incident": obj({"id": INTEGER, "item_id": INTEGER, "item_title": OPT_STRING,
                     "kind": {"type": "string", "enum": [kind for kind in LEAK_LABELS if kind != NO_LEAK]}, "recorded_at": DATETIME,
                     "recorded_by_id": OPT_INTEGER, "report_due": DATETIME, "reported_at": OPT_DATETIME,
                     "reported_to": OPT_STRING, "report_text": OPT_STRING, "reported_by_id": OPT_INTEGER,
                     "overdue": BOOLEAN, "late": BOOLEAN}),
    "IncidentReportInput": obj({"reported_to": {"type": "string", "minLength": 1, "maxLength": 200},
                                "text": {"type": "string", "minLength": 1, "maxLength": 20000},
                                "reported_at": nullable(DATETIME)}, required=["reported_to", "text"]),
    "Referral": obj({"id": INTEGER, "item_id": INTEGER, "revision_id": OPT_INTEGER, "authority": STRING,
                     "question": STRING, "asked_at": DATETIME, "asked_by_id": OPT_INTEGER, "due_at": DATETIME,
                     "open": BOOLEAN, "workdays_left": OPT_INTEGER, "answered_at": OPT_DATETIME,
                     "answered_by_id": OPT_INTEGER,
                     "determination": nullable({"type": "string", "enum": list(DETERMINATION_LABELS)}),
                     "answer": OPT_STRING, "document_no": OPT_STRING}),
})
ITEM, INCIDENT = path_id("item_id"), path_id("incident_id")
register_paths({
    "/api/v1/items/{item_id}/incidents/{incident_id}/report": {"post": _op(
        "Admin: file the 24-hour report of a leak incident (once; again → 409)", params=[ITEM, INCIDENT],
        body=ref("IncidentReportInput"), schema=ref("Incident"),
        description="保守国家秘密法实施条例 Art. 61: report within 24 hours. `reported_at` defaults to now; it may "
                    "not be in the future nor before the incident was recorded.")},
    "/api/v1/incidents": {"get": _op("Admin: leak incidents, newest first, with overdue flag",
                                     params=[_q("open", description="1/true/yes: not reported yet only")],
                                     schema=array(ref("Incident")))},
    "/api/v1/items/{item_id}/referrals": {"get": _op(
        "The item's referrals to the secrecy authority (转保密审定), newest first", params=[ITEM],
        schema=array(ref("Referral")))},
})
