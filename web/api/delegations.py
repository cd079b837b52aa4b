"""API: 委托 (one's own delegation, an admin's for anyone) and 转办 (the office reassigns a pending vote)."""
from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from web.api import bp
from web.api.openapi import (DATE, DATETIME, ID, INTEGER, OPT_DATETIME, STRING, BOOLEAN, _op, array, obj, ref,
                             register_paths, register_schemas)
from web.api.request import acting_user, json_body
from web.core import core
from workflow.access import Actor
from workflow.errors import Forbidden
from workflow.services import delegations as service
from workflow.services import items as item_service
from workflow.services import reassign as reassigning
from workflow.views import item_to_dict


@bp.get("/me/delegation")
def my_delegation() -> ResponseReturnValue:
    return jsonify(service.get_delegation(core(), acting_user()).to_json())


@bp.put("/me/delegation")
def set_my_delegation() -> ResponseReturnValue:
    return jsonify(service.set_delegation(core(), acting_user(), json_body()).to_json())


@bp.delete("/me/delegation")
def end_my_delegation() -> ResponseReturnValue:
    return jsonify(service.end_delegation(core(), acting_user()).to_json())


@bp.get("/users/<username>/delegation")
def user_delegation(username: str) -> ResponseReturnValue:
    return jsonify(service.get_delegation(core(), _admin(), username).to_json())


@bp.put("/users/<username>/delegation")
def set_user_delegation(username: str) -> ResponseReturnValue:
    return jsonify(service.set_delegation(core(), _admin(), json_body(), username).to_json())


@bp.delete("/users/<username>/delegation")
def end_user_delegation(username: str) -> ResponseReturnValue:
    return jsonify(service.end_delegation(core(), _admin(), username).to_json())


@bp.get("/delegations")
def delegations() -> ResponseReturnValue:
    return jsonify([view.to_json() for view in service.list_delegations(core(), acting_user())])


def _admin() -> Actor:
    """The caller, who must be an admin to name another user's delegation (403 before the user is looked up,
    so that an outsider cannot probe user names)."""
    who = acting_user()
    if not who.is_admin:
        raise Forbidden("只有管理员可以设置他人的委托", code="forbidden")
    return who


@bp.post("/items/<int:item_id>/reassign")
def reassign(item_id: int) -> ResponseReturnValue:
    app = core()
    item = reassigning.reassign(app, acting_user(), item_id, json_body())
    response = jsonify({**item_to_dict(item, app.now()), **item_service.item_route(app, item)})
    response.headers["ETag"] = f'"{item.version}"'
    return response


_PERSON = obj({"username": STRING, "name": STRING})
USERNAME = {"name": "username", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 64}}
_ONE = ("Delegation in force today, else the next to come; 404 `no_delegation` when there is none. Dates are local "
        "(Asia/Shanghai) calendar dates, both inclusive.")
register_schemas({
    "Delegation": obj({"id": INTEGER, "user": _PERSON, "delegate": _PERSON, "starts_on": DATE, "ends_on": DATE,
                       "active": BOOLEAN, "created_at": DATETIME, "ended_at": OPT_DATETIME}),
    "DelegationInput": obj({"delegate": {"type": "string", "minLength": 1, "maxLength": 64,
                                         "description": "User name of the delegate (乙)"},
                            "starts_on": DATE, "ends_on": DATE}, additional=False),
    "ReassignInput": obj({"from": {"type": "string", "minLength": 1, "maxLength": 64},
                          "to": {"type": "string", "minLength": 1, "maxLength": 64},
                          "reason": {"type": "string", "minLength": 1, "maxLength": reassigning.MAX_REASON}},
                         additional=False),
})
_SET = ("委托: name one delegate for a range of dates, replacing the delegation in force or to come (ended, kept). "
        "422: delegate is self / unknown / inactive, ends_on before starts_on or before today, range longer than "
        "`delegation.max_days`; 409 `delegation_chain`: the delegate is away (delegated) over those dates, or the "
        "user is someone's delegate over them. A starts_on before today counts from today.")
_END = "End the delegation in force or to come now (kept in history, `ended_at` set); 404 `no_delegation`."
register_paths({
    "/api/v1/me/delegation": {
        "get": _op("The caller's delegation (委托)", schema=ref("Delegation"), errors=("400", "401", "403", "404"),
                   description=_ONE),
        "put": _op("Set the caller's delegation (委托)", body=ref("DelegationInput"), schema=ref("Delegation"),
                   errors=("400", "401", "403", "409", "413", "422"), description=_SET),
        "delete": _op("End the caller's delegation", write=True, schema=ref("Delegation"),
                      errors=("400", "401", "403", "404", "409"), description=_END)},
    "/api/v1/users/{username}/delegation": {
        "get": _op("Admin: a user's delegation", params=[USERNAME], schema=ref("Delegation"), description=_ONE),
        "put": _op("Admin: set a user's delegation", params=[USERNAME], body=ref("DelegationInput"),
                   schema=ref("Delegation"), description=_SET),
        "delete": _op("Admin: end a user's delegation", params=[USERNAME], write=True, schema=ref("Delegation"),
                      description=_END)},
    "/api/v1/delegations": {"get": _op("Admin: every delegation in force or to come", schema=array(ref("Delegation")),
                                       errors=("400", "401", "403"))},
    "/api/v1/items/{item_id}/reassign": {"post": _op(
        "转办 (admin): move the pending vote of the active named route step from one person to another",
        params=[ID], body=ref("ReassignInput"), schema=ref("Item"),
        description="`from` must hold a pending vote on the active step; `to` must be an active user with the "
                    "step's role, not on the step already, not a voter on the revision nor its author, submitter or "
                    "a contributor (422 otherwise). An item without such a step (the default route, a step decided "
                    "by a role): 409 `reassign_not_applicable`; `from` holding nothing there: 409 `not_a_holder`.")},
})
