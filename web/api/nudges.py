"""API: 催办 — nudge the people holding an item, or every overdue item of a department."""
from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from web.api import bp
from web.api.openapi import (CODE, OPT_DATETIME, INTEGER, _op, array, obj, path_id, ref, register_paths,
                             register_schemas)
from web.api.request import acting_user, json_body
from web.core import core
from workflow.services import nudges as service


def _optional_body() -> dict:
    """The body is optional (a nudge without a message)."""
    from flask import request
    return json_body() if request.content_length else {}


@bp.post("/items/<int:item_id>/nudge")
def nudge_item(item_id: int) -> ResponseReturnValue:
    return jsonify(service.nudge_item(core(), acting_user(), item_id, _optional_body()).to_json()), 201


@bp.post("/departments/<code>/nudge")
def nudge_department(code: str) -> ResponseReturnValue:
    results = service.nudge_overdue(core(), acting_user(), code, _optional_body())
    return jsonify({"items": [r.to_json() for r in results],
                    "nudged": sum(len(r.nudged) for r in results)}), 201


_HOLDER = obj({"username": {"type": "string"}, "name": {"type": "string"}})
register_schemas({
    "NudgeInput": obj({"message": {"type": "string", "maxLength": service.MAX_MESSAGE}}, required=[]),
    "NudgeResult": obj({"item": INTEGER, "nudged": array(_HOLDER), "already": array(_HOLDER),
                        "next_allowed_at": OPT_DATETIME}),
})
register_paths({
    "/api/v1/items/{item_id}/nudge": {"post": _op(
        "催办: nudge the people holding the item (admins, or its submitter)", ok="201", params=[path_id("item_id")],
        body=ref("NudgeInput"), body_required=False, schema=ref("NudgeResult"),
        errors=("400", "401", "403", "404", "409", "413", "422", "429"),
        description="Each person is nudged about an item at most once per working day (a rest day counts for "
                    "the next working day). When every holder was nudged already: 429 `already_nudged` with "
                    "`details.next_allowed_at`. Nobody holds the item (published, archived): 409.")},
    "/api/v1/departments/{code}/nudge": {"post": _op(
        "Admin: nudge the holders of every overdue item of a department", ok="201", params=[CODE],
        body=ref("NudgeInput"), body_required=False,
        schema=obj({"items": array(ref("NudgeResult")), "nudged": INTEGER}),
        errors=("400", "401", "403", "404", "409", "413", "422"))},
})
