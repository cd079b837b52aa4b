"""The OpenAPI 3.1 document of API v1; a test checks it matches the registered routes."""
from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}
ITEM = {"$ref": "#/components/schemas/Item"}


def _op(summary: str, *, ok: str = "200", body: str | None = None, params: list[dict[str, Any]] | None = None,
        auth: bool = True, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    responses: dict[str, Any] = {ok: {"description": "OK", "content": {"application/json": {"schema": schema or {}}}}}
    for status in ("400", "401", "403", "404", "409", "413", "422"):
        responses[status] = {"description": status, "content": {"application/json": {"schema": ERROR}}}
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": {"$ref": body}}}}
    if params:
        op["parameters"] = params
    if not auth:
        op["security"] = []
    return op


def _q(name: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind}}


ID = {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}
CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
PAGING = [_q("page", "integer"), _q("per_page", "integer")]

PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/me": {"get": _op("The caller")},
    "/api/v1/departments": {"get": _op("Departments [{code, name}]")},
    "/api/v1/catalog": {"get": _op("The 清单: categories and items")},
    "/api/v1/items": {
        "post": _op("Create a draft", ok="201", body="#/components/schemas/ItemInput", schema=ITEM),
        "get": _op("List items in scope", params=[_q("state"), _q("department"), _q("overdue", "boolean"), _q("q"),
                                                  *PAGING]),
    },
    "/api/v1/items/{item_id}": {
        "get": _op("One item", params=[ID], schema=ITEM),
        "patch": _op("Edit a draft (409 otherwise)", params=[ID], body="#/components/schemas/ItemInput", schema=ITEM),
    },
    "/api/v1/items/{item_id}/transitions": {
        "post": _op("Fire a trigger", params=[ID], body="#/components/schemas/Transition", schema=ITEM)},
    "/api/v1/items/{item_id}/revisions": {
        "post": _op("New draft superseding a published item", ok="201", params=[ID], schema=ITEM)},
    "/api/v1/items/{item_id}/history": {"get": _op("Audit history of the item", params=[ID])},
    "/api/v1/items/{item_id}/findings": {"get": _op("Secrecy-scan findings of the current revision", params=[ID])},
    "/api/v1/items/{item_id}/self-check": {"get": _op("Drafter's pre-submit scan of the draft, with the masking "
                                                      "proposal (nothing stored)", params=[ID])},
    "/api/v1/items/{item_id}/masking": {"post": _op("Apply the masking proposal to the draft's title and body",
                                                    params=[ID], schema=ITEM)},
    "/api/v1/tasks": {"get": _op("Items awaiting the caller's action", params=PAGING)},
    "/api/v1/departments/{code}/tasks": {"get": _op("Pending items of one department, by stage", params=[CODE])},
    "/api/v1/overdue": {"get": _op("Admin: open items past due", params=[_q("department"), _q("stage"), *PAGING])},
    "/api/v1/public/items": {"get": _op("Published items (no auth)", auth=False,
                                        params=[_q("q"), _q("department"), _q("catalog_code"), *PAGING])},
    "/api/v1/openapi.json": {"get": _op("This document", auth=False)},
}

EXTRA_PATHS: dict[str, dict[str, Any]] = {}


def register_paths(paths: dict[str, dict[str, Any]]) -> None:
    """Features add their routes' documentation here (merged by method)."""
    for path, operations in paths.items():
        EXTRA_PATHS.setdefault(path, {}).update(operations)


SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error", "message"],
              "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                             "field": {"type": "string"}, "details": {}}},
    "ItemInput": {"type": "object", "properties": {
        "title": {"type": "string", "maxLength": 200}, "body": {"type": "string"},
        "department": {"type": "string"}, "catalog_code": {"type": "string"},
        "channels": {"type": "array", "items": {"type": "string", "enum": [
            "website", "wechat", "weibo", "app", "bulletin_board", "led_screen", "meeting", "print", "other"]}},
        "formed_on": {"type": "string", "format": "date"},
        "publish_at": {"type": ["string", "null"], "format": "date-time"},
        "display_until": {"type": ["string", "null"], "format": "date-time"},
        "is_list": {"type": "boolean"}, "version": {"type": "integer"}}},
    "Transition": {"type": "object", "required": ["trigger"], "properties": {
        "trigger": {"type": "string", "enum": ["submit", "withdraw", "pass_review", "return", "approve", "reject",
                                               "publish", "archive", "take_down"]},
        "reason": {"type": "string"}, "legal_basis": {"type": "string"},
        "checklist": {"type": "object", "additionalProperties": {"type": "boolean"}},
        "publish_at": {"type": "string", "format": "date-time"},
        "accept_findings": {"type": "array", "items": {"type": "string"}}, "version": {"type": "integer"}}},
    "Item": {"type": "object", "properties": {name: {} for name in (
        "id", "title", "body", "department", "catalog_code", "channels", "formed_on", "publish_deadline",
        "deadline_estimated", "state", "stage_due", "overdue", "version", "revision", "author", "submitted_by",
        "publish_at", "published_at", "display_until", "supersedes")}},
}


def openapi_document() -> dict[str, Any]:
    """The whole document."""
    paths = {path: dict(ops) for path, ops in PATHS.items()}
    for path, operations in EXTRA_PATHS.items():
        paths.setdefault(path, {}).update(operations)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Gongkai API", "version": "1.0.0",
                 "description": "信息公开保密审查与发布工作流 API（v1）"},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
