"""API v1 routes: parse the request, call one workflow verb, return JSON."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from flask import Response, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from web.api import bp
from web.api.request import acting_user, expected_version, json_body
from web.core import core
from workflow.access import Actor
from workflow.checklist import questions
from workflow.errors import ValidationFailed
from workflow.holders import Holding
from workflow.inputs import json_object
from workflow.item_spec import spec_of
from workflow.services import items as item_service
from workflow.services import queries, worklists
from workflow.views import item_to_dict, outside_item_to_dict, public_item_to_dict


def _page_json(page: queries.Page, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": rows, "page": page.page, "per_page": page.per_page, "total": page.total, "pages": page.pages}


def _item_page_json(page: queries.Page, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The item list's page: ``total_capped`` says that a search counted up to ``total`` and there are more
    (docs/search.md)."""
    return {**_page_json(page, rows), "total_capped": page.capped}


def _rows(actor: Actor, items: Sequence[Any], now: datetime) -> list[dict[str, Any]]:
    """List rows: the item JSON, with ``holders`` and ``step`` (DESIGN.md §7a) where the caller sees the
    item's internals (``queries.holders_seen_by``: one lookup for the page, none per row)."""
    held = queries.holders_seen_by(core(), actor, items)
    return [{**item_to_dict(item, now), **_holding_json(held[item.id])} if item.id in held
            else item_to_dict(item, now) for item in items]


def _holding_json(holding: Holding) -> dict[str, Any]:
    return {"holders": [holder.to_json() for holder in holding.people], "step": holding.step}


def _item_response(item: Any, status: int = 200) -> Response:
    response = jsonify({**item_to_dict(item, core().now()), **item_service.item_route(core(), item)})
    response.status_code = status
    response.headers["ETag"] = f'"{item.version}"'
    if status == 201:
        response.headers["Location"] = url_for("api.get_item", item_id=item.id)
    return response


@bp.get("/me")
def me() -> ResponseReturnValue:
    actor = acting_user()
    return jsonify({"id": actor.id, "username": actor.username, "roles": sorted(actor.roles),
                    "departments": "*" if actor.all_departments else _department_codes(actor.department_ids),
                    "department_head": actor.is_department_head, "office_head": actor.is_office_head})


def _department_codes(ids: frozenset[int]) -> list[str]:
    return sorted(d.code for d in queries.list_departments(core()) if d.id in ids)


@bp.get("/departments")
def departments() -> ResponseReturnValue:
    acting_user()
    return jsonify([{"code": d.code, "name": d.name} for d in queries.list_departments(core())])


@bp.get("/catalog")
def catalog() -> ResponseReturnValue:
    acting_user()
    from workflow.services.catalog import catalog_tree
    return jsonify(catalog_tree(core()))


@bp.patch("/catalog/<code>")
def catalog_entry_applicability(code: str) -> ResponseReturnValue:
    """Admin: mark a 清单 entry 「不适用」 for this institution (``{"not_applicable": true, "reason": "…"}``) or
    applicable again (``{"not_applicable": false}``); 200 with the entry."""
    who = acting_user()
    from workflow.services.catalog import set_applicability
    return jsonify(set_applicability(core(), who, code, json_body()))


@bp.get("/checklist")
def checklist() -> ResponseReturnValue:
    """The secrecy-review questions a ``pass_review`` answers, with what blocks and what each requires."""
    acting_user()
    return jsonify(questions())


@bp.post("/items")
def create_item() -> ResponseReturnValue:
    actor = acting_user()
    item = item_service.create_item(core(), actor, json_body())
    return _item_response(item, 201)


@bp.get("/items")
def list_items() -> ResponseReturnValue:
    actor = acting_user()
    args = request.args
    page = queries.list_items(core(), actor, state=args.get("state") or None, department=args.get("department") or None,
                              overdue=args.get("overdue"), q=args.get("q"), category=args.get("category") or None,
                              date_from=args.get("from"), date_to=args.get("to"), page=args.get("page"),
                              per_page=args.get("per_page"))
    return jsonify(_item_page_json(page, _rows(actor, page.items, core().now())))


@bp.get("/items/<int:item_id>")
def get_item(item_id: int) -> ResponseReturnValue:
    actor = acting_user()
    item = item_service.get_item(core(), actor, item_id)
    if not item_service.internal_view(core(), actor, item):
        return jsonify(outside_item_to_dict(item))
    return _item_response(item)


@bp.patch("/items/<int:item_id>")
def update_item(item_id: int) -> ResponseReturnValue:
    actor = acting_user()
    body = json_body()
    version = expected_version(body)
    body.pop("version", None)
    return _item_response(item_service.update_item(core(), actor, item_id, body, version))


@bp.post("/items/<int:item_id>/transitions")
def transition(item_id: int) -> ResponseReturnValue:
    actor = acting_user()
    body = json_body()
    trigger = body.pop("trigger", None)
    if not isinstance(trigger, str) or not trigger:
        raise ValidationFailed("缺少 trigger", code="missing_field", field="trigger")
    version = expected_version(body)
    body.pop("version", None)
    on_behalf_of = body.pop("on_behalf_of", None)
    if on_behalf_of is not None and (not isinstance(on_behalf_of, str) or len(on_behalf_of) > 64):
        raise ValidationFailed("on_behalf_of 必须是用户名", code="invalid_type", field="on_behalf_of")
    json_object(body, spec_of(core()).field_names())
    item = item_service.transition(core(), actor, item_id, trigger, body, version, on_behalf_of=on_behalf_of or None)
    return _item_response(item)


@bp.post("/items/<int:item_id>/revisions")
def revise(item_id: int) -> ResponseReturnValue:
    return _item_response(item_service.revise(core(), acting_user(), item_id), 201)


@bp.get("/items/<int:item_id>/history")
def history(item_id: int) -> ResponseReturnValue:
    return jsonify(queries.item_history(core(), acting_user(), item_id))


@bp.get("/items/<int:item_id>/findings")
def findings(item_id: int) -> ResponseReturnValue:
    from workflow.services.item_scan import item_findings
    return jsonify(item_findings(core(), acting_user(), item_id))


@bp.get("/items/<int:item_id>/self-check")
def self_check(item_id: int) -> ResponseReturnValue:
    from workflow.services.item_scan import self_check as check
    return jsonify(check(core(), acting_user(), item_id))


@bp.post("/items/<int:item_id>/masking")
def apply_masking(item_id: int) -> ResponseReturnValue:
    from workflow.services.item_scan import apply_masking as mask
    actor = acting_user()
    return _item_response(mask(core(), actor, item_id, expected_version(json_body())))


@bp.get("/tasks")
def tasks() -> ResponseReturnValue:
    actor = acting_user()
    page = queries.my_tasks(core(), actor, page=request.args.get("page"), per_page=request.args.get("per_page"))
    marks = worklists.returned_marks(core(), page.items)  # 已退回: a draft sent back, with who, when and why
    delegated = queries.delegated_marks(core(), actor, page.items)  # 「代 甲」: someone's task the caller decides for
    return jsonify(_page_json(page, [{**row, "returned": marks[row["id"]].to_json() if row["id"] in marks else None,
                                      "on_behalf_of": delegated[row["id"]].to_json() if row["id"] in delegated
                                      else None}
                                     for row in _rows(actor, page.items, core().now())]))


@bp.get("/departments/<code>/tasks")
def department_tasks(code: str) -> ResponseReturnValue:
    actor = acting_user()
    board = queries.department_tasks(core(), actor, code)
    now = core().now()
    listed = [item for data in board["stages"].values() for item in data["items"]]
    rows = {row["id"]: row for row in _rows(actor, listed, now)}  # one holders lookup for every stage
    return jsonify({
        "department": {"code": board["department"].code, "name": board["department"].name},
        "stages": {stage: {"count": data["count"], "overdue": data["overdue"],
                           "items": [rows[item.id] for item in data["items"]]}
                   for stage, data in board["stages"].items()},
    })


@bp.get("/overdue")
def overdue() -> ResponseReturnValue:
    actor = acting_user()
    args = request.args
    page, extra = queries.overdue_items(core(), actor, department=args.get("department") or None,
                                        stage=args.get("stage") or None, page=args.get("page"),
                                        per_page=args.get("per_page"))
    rows = [{**row, **extra[row["id"]]} for row in _rows(actor, page.items, core().now())]
    return jsonify(_page_json(page, rows))


@bp.get("/public/items")
def public_items() -> ResponseReturnValue:
    args = request.args
    page = queries.public_items(core(), q=args.get("q"), department=args.get("department") or None,
                                catalog_code=args.get("catalog_code") or None, page=args.get("page"),
                                per_page=args.get("per_page"))
    return jsonify(_page_json(page, [public_item_to_dict(item) for item in page.items]))


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    from web.api.openapi import openapi_document
    return jsonify(openapi_document(spec_of(core())))
