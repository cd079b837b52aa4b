"""API: review routes (审批路线), for admins — ``GET/POST /api/v1/routes``, ``GET/PUT /api/v1/routes/{id}``.

The body is the contract's (DESIGN.md §7a); ``PUT`` replaces the route and needs the version read
(``If-Match`` or ``version``). A route that cannot work is a 422 whose ``details.problems`` lists
every problem (docs/routes.md). Non-admins get 403 before their input is looked at.
"""
from __future__ import annotations

from datetime import timezone
from typing import Any

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue

from web.api import bp
from web.api.openapi import (BOOLEAN, INTEGER, OPT_STRING, STRING, VERSION, _op, array, nullable, obj, path_id, ref,
                             register_paths, register_schemas)
from web.api.request import acting_user, expected_version, json_body
from web.core import core
from workflow.access import ADMIN, require_role
from workflow.routes.model import (MAX_NAME, MAX_QUORUM, MAX_SCOPE, MAX_STEP_WORKDAYS, MAX_STEPS, MAX_USERS,
                                   ROUTE_STAGES, STEP_ROLES, Route)
from workflow.services import routes as route_service


def route_json(route: Route) -> dict[str, Any]:
    """A stored route in the API shape, with who changed it last and when."""
    meta = route.meta
    at = meta.get("updated_at")
    return {**route.to_json(), "updated_at": at.astimezone(timezone.utc).isoformat() if at else None,
            "updated_by": meta.get("updated_by")}


def _admin() -> Any:
    actor = acting_user()
    require_role(actor, ADMIN)  # before parsing: a non-admin learns nothing from validation
    return actor


@bp.get("/routes")
def list_routes() -> ResponseReturnValue:
    actor = _admin()
    app = core()
    return jsonify({"routes": [route_json(r) for r in route_service.list_routes(app, actor)],
                    "default": route_service.route_default(app).to_json()})


@bp.post("/routes")
def create_route() -> ResponseReturnValue:
    actor = _admin()
    route = route_service.create_route(core(), actor, json_body())
    response = jsonify(route_json(route))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_route", route_id=route.id)
    response.headers["ETag"] = f'"{route.version}"'
    return response


@bp.get("/routes/<int:route_id>")
def get_route(route_id: int) -> ResponseReturnValue:
    route = route_service.get_route(core(), _admin(), route_id)
    response = jsonify(route_json(route))
    response.headers["ETag"] = f'"{route.version}"'
    return response


@bp.put("/routes/<int:route_id>")
def update_route(route_id: int) -> ResponseReturnValue:
    actor = _admin()
    body = json_body()
    version = expected_version(body)
    route = route_service.update_route(core(), actor, route_id, {k: v for k, v in body.items() if k != "version"},
                                       version)
    response = jsonify(route_json(route))
    response.headers["ETag"] = f'"{route.version}"'
    return response


CODES = {"type": "array", "maxItems": MAX_SCOPE, "items": {"type": "string", "minLength": 1, "maxLength": 64}}
QUORUM = {"anyOf": [{"type": "string", "enum": ["any", "all"]},
                    {"type": "integer", "minimum": 1, "maximum": MAX_QUORUM},
                    {"type": "string", "pattern": "^[1-9][0-9]{0,5}$", "description": "digits, as a form sends them"}],
          "description": f'"any" (one of them), "all" (every one of them) or N (1–{MAX_QUORUM})'}
STEP_PROPERTIES = {
    "stage": {"type": "string", "enum": list(ROUTE_STAGES)},
    "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME},
    "role": {"type": "string", "enum": list(STEP_ROLES)},
    "quorum": QUORUM,
}
WHO = {"department": nullable({"type": "string", "maxLength": 64,
                               "description": "The role in this department (e.g. 保密办) instead of the item's"}),
       "users": nullable({"type": "array", "maxItems": MAX_USERS, "items": {"type": "string", "minLength": 1,
                                                                           "maxLength": 64},
                          "description": "These users (holding the role) instead of a department's"}),
       "workdays": nullable({"type": "integer", "minimum": 1, "maximum": MAX_STEP_WORKDAYS,
                             "description": "Working-day budget of the step"})}
register_schemas({
    "RouteStepInput": obj({**STEP_PROPERTIES, **WHO}, required=("stage", "name", "role", "quorum"), additional=False),
    "RouteInput": obj({"name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME},
                       "catalog_codes": CODES, "departments": CODES,
                       "steps": {"type": "array", "minItems": 1, "maxItems": MAX_STEPS, "items": ref("RouteStepInput")},
                       "active": BOOLEAN, "version": VERSION},
                      required=("name", "steps"), additional=False),
    "RouteStep": obj({**STEP_PROPERTIES, "department": STRING, "users": array(STRING), "workdays": INTEGER},
                     required=("stage", "name", "role", "quorum")),
    "RouteShape": obj({"name": STRING, "catalog_codes": array(STRING), "departments": array(STRING),
                       "steps": array(ref("RouteStep"))}),
    "Route": obj({"id": INTEGER, "name": STRING, "catalog_codes": array(STRING), "departments": array(STRING),
                  "steps": array(ref("RouteStep")), "active": BOOLEAN, "version": INTEGER,
                  "updated_at": nullable({"type": "string", "format": "date-time"}), "updated_by": OPT_STRING}),
    "RouteList": obj({"routes": array(ref("Route")), "default": ref("RouteShape")}),
})
ROUTE_ID = path_id("route_id")
LOCATION = {"Location": {"description": "URL of the created route", "required": True, "schema": STRING}}
ROUTE_ETAG = {"ETag": {"description": "The route's version, for If-Match", "required": True, "schema": STRING}}
register_paths({
    "/api/v1/routes": {
        "get": _op("Admin: review routes, and the default route derived from the workflow", schema=ref("RouteList")),
        "post": _op("Admin: create a review route (422 with details.problems when a step cannot reach its quorum)",
                    ok="201", body=ref("RouteInput"), schema=ref("Route"), headers={**ROUTE_ETAG, **LOCATION})},
    "/api/v1/routes/{route_id}": {
        "get": _op("Admin: one review route", params=[ROUTE_ID], schema=ref("Route"), headers=ROUTE_ETAG),
        "put": _op("Admin: replace a review route (needs its version; active=false deactivates it)",
                   params=[ROUTE_ID], body=ref("RouteInput"), schema=ref("Route"), headers=ROUTE_ETAG)},
})
