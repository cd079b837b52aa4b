"""API v1: 已办 (``/me/done``), 我发起的 (``/me/submitted``) and 批量批准 (``/batch/approve``); docs/daily-work.md."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from web.api import bp
from web.api.openapi import (BOOLEAN, DATETIME, INTEGER, MAX_ID, OPT_DATETIME, OPT_INTEGER, OPT_STRING, PAGING,
                             STRING, _op, array, nullable, obj, page_of, ref, register_paths, register_schemas)
from web.api.request import acting_user, json_body
from web.core import core
from workflow.services import batch, worklists
from workflow.services.queries import Page
from workflow.views import item_to_dict, outside_item_to_dict


def page_json(page: Page, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A paginated list (the shape of every list of the API)."""
    return {"items": rows, "page": page.page, "per_page": page.per_page, "total": page.total, "pages": page.pages}


def work_row(row: worklists.WorkRow, now: datetime) -> dict[str, Any]:
    """One row of 已办 or 我发起的: the item as the caller may see it — with its ``holders``, ``step`` and
    ``returned`` when they see its internals, else what the public sees (``view: "public"``)."""
    if not row.internal:
        return {**outside_item_to_dict(row.item), "returned": None}
    holding = row.holding
    return {**item_to_dict(row.item, now),
            "holders": [holder.to_json() for holder in holding.people] if holding else [],
            "step": holding.step if holding else None,
            "returned": row.returned.to_json() if row.returned else None}


@bp.get("/me/done")
def my_done() -> ResponseReturnValue:
    """已办: items the caller decided or voted on, newest activity first."""
    actor = acting_user()
    page = worklists.done_items(core(), actor, page=request.args.get("page"), per_page=request.args.get("per_page"))
    now = core().now()
    return jsonify(page_json(page, [{**work_row(row, now), "handled": row.handled.to_json() if row.handled else None}
                                    for row in page.items]))


@bp.get("/me/submitted")
def my_submitted() -> ResponseReturnValue:
    """我发起的: items the caller drafted or submitted, newest activity first."""
    actor = acting_user()
    page = worklists.submitted_items(core(), actor, page=request.args.get("page"),
                                     per_page=request.args.get("per_page"))
    now = core().now()
    return jsonify(page_json(page, [work_row(row, now) for row in page.items]))


@bp.post("/batch/approve")
def batch_approve() -> ResponseReturnValue:
    """批量批准: each item through ``approve`` on its own; 200 with one result per item."""
    actor = acting_user()
    return jsonify([result.to_json() for result in batch.approve_many(core(), actor, json_body())])


register_schemas({
    # what staff outside an item's department see of it (GET /items/{id} of a published item of another one)
    "OutsideItem": obj({
        "id": INTEGER, "kind": STRING, "view": {"type": "string", "const": "public"}, "title": STRING, "body": STRING,
        "department": STRING, "department_name": STRING, "catalog_code": OPT_STRING, "channels": array(STRING),
        "state": STRING, "published_at": OPT_DATETIME, "display_until": OPT_DATETIME, "supersedes": OPT_INTEGER,
        "doc_number": OPT_STRING, "attachments": array(ref("Attachment"))}),
    "WorkItem": {"allOf": [{"anyOf": [ref("Item"), ref("OutsideItem")]}, obj({"returned": nullable(ref("Returned"))})]},
    "WorkPage": page_of(ref("WorkItem")),
    "DoneItem": {"allOf": [ref("WorkItem"), obj({"handled": nullable(obj({"decision": STRING, "at": DATETIME}))})]},
    "DonePage": page_of(ref("DoneItem")),
    "BatchApproveInput": obj({
        "items": {"type": "array", "minItems": 1, "maxItems": batch.MAX_ITEMS, "uniqueItems": True,
                  "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                  "description": f"Item ids, each once, at most {batch.MAX_ITEMS}"},
        "opinion": nullable({"type": "string", "maxLength": batch.OPINION_MAX,
                             "description": "审批意见 for every approval; sent only where `approve` takes an opinion"})},
        required=["items"], additional=False),
    "BatchResult": obj({"id": INTEGER, "ok": BOOLEAN,
                        "state": {"type": "string", "description": "ok: the item's state now (published, scheduled, "
                                                                   "or approval when its route needs more votes)"},
                        "error": {"type": "string", "description": "not ok: the error code a single approval gives"},
                        "message": {"type": "string", "description": "not ok: why, in the caller's language"}},
                       required=["id", "ok"], additional=False),
})
register_paths({
    "/api/v1/me/done": {"get": _op("已办: items the caller decided or voted on that they may see, newest activity "
                                   "first, with `handled` (their latest decision)", params=PAGING,
                                   schema=ref("DonePage"))},
    "/api/v1/me/submitted": {"get": _op("我发起的: items the caller drafted or submitted that they may see, newest "
                                        "activity first", params=PAGING, schema=ref("WorkPage"))},
    "/api/v1/batch/approve": {"post": _op(
        "批量批准: approve each item on its own (guards, separation of duties, route votes, audit); one refusal "
        "never stops the others. Approvers only (403 before the body is read)", body=ref("BatchApproveInput"),
        schema=array(ref("BatchResult")))},
})
