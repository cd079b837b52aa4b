"""The OpenAPI document is strict enough to test against (docs/api.md).

``tests/web/test_api.py::test_openapi_matches_routes`` checks that it lists exactly the routes;
these tests check that nothing in it is left loose: every operation has a success schema, every
write its request body, required fields are marked, errors use the Error schema, enumerations
match the workflow's. ``test_openapi_fuzz.py`` then checks that the handlers behave as written.
"""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from web.api.openapi import openapi_document
from workflow.channels import CODES as CHANNEL_CODES
from workflow.item_spec import STATES, TRIGGERS

WRITES = {"post", "put", "patch", "delete"}
# Writes that take no body: the path says everything.
BODILESS_WRITES = {("post", "/api/v1/items/{item_id}/revisions"),
                   ("post", "/api/v1/notifications/{notification_id}/read"), ("post", "/api/v1/notifications/read-all"),
                   ("delete", "/api/v1/calendar/overrides/{day}"), ("delete", "/api/v1/me/delegation"),
                   ("delete", "/api/v1/users/{username}/delegation")}
PUBLIC = {("get", "/api/v1/public/items"), ("get", "/api/v1/openapi.json"),
          ("post", "/api/v1/public/applications"), ("post", "/api/v1/public/applications/status")}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    import web.api  # noqa: F401  (registers every feature's paths)
    return openapi_document()


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            yield method, path, operation


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        assert name in doc["components"]["schemas"], f"dangling {schema['$ref']}"
        schema = doc["components"]["schemas"][name]
    return schema


def _object_schemas(doc: dict[str, Any], schema: dict[str, Any], seen: set[int] | None = None
                    ) -> Iterator[dict[str, Any]]:
    """Every object schema reachable from ``schema`` (through $ref, allOf/anyOf/oneOf, items, properties)."""
    seen = set() if seen is None else seen
    schema = _resolve(doc, schema)
    if id(schema) in seen:
        return
    seen.add(id(schema))
    if schema.get("type") == "object" and "properties" in schema:
        yield schema
    for key in ("allOf", "anyOf", "oneOf"):
        for inner in schema.get(key, []):
            yield from _object_schemas(doc, inner, seen)
    for inner in (schema.get("items"), schema.get("additionalProperties")):
        if isinstance(inner, dict):
            yield from _object_schemas(doc, inner, seen)
    for inner in schema.get("properties", {}).values():
        yield from _object_schemas(doc, inner, seen)


def test_every_operation_has_a_success_schema(doc) -> None:
    loose = []
    for method, path, operation in _operations(doc):
        success = [status for status in operation["responses"] if status.startswith("2")]
        assert len(success) == 1, (method, path)
        for media, content in operation["responses"][success[0]]["content"].items():
            schema = _resolve(doc, content.get("schema") or {})
            if not schema or schema == {"type": "object"}:
                loose.append(f"{method.upper()} {path} {media}")
    assert not loose, loose


def test_every_write_has_a_request_body(doc) -> None:
    for method, path, operation in _operations(doc):
        if method not in WRITES:
            assert "requestBody" not in operation, (method, path)
            continue
        if (method, path) in BODILESS_WRITES:
            assert "requestBody" not in operation, (method, path)
            continue
        body = operation.get("requestBody")
        assert body, f"{method.upper()} {path} declares no request body"
        schema = _resolve(doc, body["content"]["application/json"]["schema"])
        objects = list(_object_schemas(doc, schema))
        assert objects, f"{method.upper()} {path}: the body is not described"
        for candidate in objects:  # required fields are marked, even when there are none
            assert "required" in candidate, f"{method.upper()} {path}: no 'required' list in {candidate}"


@pytest.mark.parametrize("name, required", [
    ("ItemInput", {"title", "department", "catalog_code", "formed_on"}),
    ("Transition", {"trigger"}),
    ("ApplicationInput", {"name", "contact", "request_text", "channel", "received_at"}),
    ("PublicApplicationInput", {"name", "contact", "request_text"}),
    ("StatusLookup", {"tracking_no", "contact"}),
    ("RemedyInput", {"kind"}),
    ("RemedyOutcome", {"outcome"}),
    ("PreferencesInput", {"notify_pref"}),
    ("OverrideInput", {"date", "kind", "reason"}),
    ("NarrativesInput", {"sections"}),
])
def test_required_request_fields(doc, name, required) -> None:
    assert set(doc["components"]["schemas"][name]["required"]) == required


def test_response_objects_mark_their_fields_required(doc) -> None:
    for method, path, operation in _operations(doc):
        for status, response in operation["responses"].items():
            for content in response.get("content", {}).values():
                for schema in _object_schemas(doc, content["schema"]):
                    assert schema.get("required"), f"{method.upper()} {path} {status}: {sorted(schema['properties'])}"


def test_errors_use_the_error_schema(doc) -> None:
    for method, path, operation in _operations(doc):
        responses = operation["responses"]
        for status, response in responses.items():
            if not status.startswith("2"):
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        if (method, path) not in PUBLIC:
            assert {"401", "403"} <= set(responses), (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        if method in WRITES:
            assert "409" in responses, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= set(responses), (method, path)
    for path in ("/api/v1/public/applications", "/api/v1/public/applications/status"):
        assert "429" in doc["paths"][path]["post"]["responses"]
    error = doc["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "message"] and set(error["properties"]) == {"error", "message", "field",
                                                                                      "details"}


def test_parameters_are_typed_and_ids_bounded(doc) -> None:
    for method, path, operation in _operations(doc):
        for param in operation.get("parameters", []):
            schema = param["schema"]
            assert schema.get("type") or schema.get("enum") or schema.get("anyOf"), (method, path, param["name"])
            if param["in"] == "path":
                assert param["required"] and f"{{{param['name']}}}" in path
            if param["in"] == "path" and schema["type"] == "integer":
                assert schema["minimum"] == 1 and schema["maximum"] == 2**31 - 1


def test_enumerations_match_the_workflow(doc) -> None:
    schemas = doc["components"]["schemas"]
    assert schemas["Transition"]["properties"]["trigger"]["enum"] == list(TRIGGERS)
    assert schemas["Item"]["properties"]["state"]["enum"] == list(STATES)
    channels = CHANNEL_CODES
    assert schemas["ItemInput"]["properties"]["channels"]["items"]["enum"] == list(channels)
    assert set(schemas["Me"]["properties"]["roles"]["items"]["enum"]) == {"drafter", "reviewer", "approver", "admin"}
    state_filter = next(p for p in doc["paths"]["/api/v1/items"]["get"]["parameters"] if p["name"] == "state")
    assert set(state_filter["schema"]["enum"]) == {*STATES, ""}
