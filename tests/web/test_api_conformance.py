"""Regression tests for what the schemathesis run (test_openapi_fuzz.py) found: handlers that
accepted what the document calls invalid, document entries stricter than the handlers, 500s.

Both sides are checked: the handler's answer, and the document's verdict on the same value
(validated with the document's own parameter schema), so they cannot drift apart again.
"""
from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest

from web.api.openapi import openapi_document


def _param_schema(path: str, method: str, name: str) -> Any:
    import web.api  # noqa: F401  (registers every feature's paths)
    doc = openapi_document()
    param = next(p for p in doc["paths"][path][method]["parameters"] if p["name"] == name)
    return jsonschema_rs.validator_for({**param["schema"], "components": doc["components"]}, validate_formats=True)


def test_unknown_application_state_is_422_not_an_empty_list(api) -> None:
    """GET /applications?state=<anything> used to answer 200 (an empty list): a typo looked like "none"."""
    response = api("admin").get("/api/v1/applications?state=bogus")
    assert response.status_code == 422
    assert (response.json["error"], response.json["field"]) == ("invalid_value", "state")
    assert api("admin").get("/api/v1/applications?state=received").status_code == 200
    assert api("admin").get("/api/v1/applications?state=").status_code == 200  # empty: no filter
    schema = _param_schema("/api/v1/applications", "get", "state")
    assert not schema.is_valid("bogus") and schema.is_valid("received") and schema.is_valid("")


@pytest.mark.parametrize("path, name", [
    ("/api/v1/reports/narratives", "year"),
    ("/api/v1/calendar", "year"),
    ("/api/v1/items", "page"),
    ("/api/v1/public/items", "per_page"),
])
def test_empty_query_value_means_the_default_in_handler_and_document(api, path, name) -> None:
    """The document called ``?year=`` / ``?page=`` invalid while the handlers take them as the default."""
    response = api("admin").get(f"{path}?{name}=")
    assert response.status_code == 200, response.json
    assert _param_schema(path, "get", name).is_valid("")


def test_report_year_with_a_newline_is_not_a_500(api) -> None:
    """``year=2022-2023%0A`` went raw into the Content-Disposition header: a 500 for the HTML and DOCX
    formats. Only a college year (NNNN-NNNN+1) is accepted now: a clear 422, no header built from it."""
    response = api("admin").get("/api/v1/reports/annual?year=2022-2023%0A&format=html")
    assert response.status_code == 422 and response.json["error"] == "invalid_value"
    assert "Content-Disposition" not in response.headers
    good = api("admin").get("/api/v1/reports/annual?year=2022-2023&format=html")
    assert good.headers["Content-Disposition"] == 'attachment; filename="annual-report-2022-2023.html"'


def test_empty_optional_date_means_the_default_in_handler_and_document(api) -> None:
    """``decided_on: ""`` is taken as today by the handler; the document called it invalid."""
    case = api("admin").post("/api/v1/remedies", json={"kind": "report", "summary": "举报"}).json
    response = api("admin").post(f"/api/v1/remedies/{case['id']}/outcome", json={"outcome": "maintained",
                                                                                  "decided_on": ""})
    assert response.status_code == 200 and response.json["decided_on"] == "2025-09-26"
    import web.api  # noqa: F401
    doc = openapi_document()
    schema = jsonschema_rs.validator_for({**doc["components"]["schemas"]["RemedyOutcome"],
                                          "components": doc["components"]}, validate_formats=True)
    assert schema.is_valid({"outcome": "maintained", "decided_on": ""})
    assert schema.is_valid({"outcome": "maintained", "decided_on": None})
    assert not schema.is_valid({"outcome": "maintained", "decided_on": "yesterday"})


@pytest.mark.parametrize("path, body, field", [
    # a falsy non-string used to fall back to the default ("natural", "pending", today, no department)
    ("/api/v1/public/applications", {"applicant_kind": 0}, "applicant_kind"),
    ("/api/v1/public/applications", {"delivery_form": False}, "delivery_form"),
    ("/api/v1/applications", {"channel": "email", "received_at": "2025-09-25T09:00:00+08:00", "department": 0},
     "department"),
    ("/api/v1/remedies", {"kind": "report", "outcome": []}, "outcome"),
    # "no" used to be stored as true
    ("/api/v1/remedies", {"kind": "report", "after_reconsideration": "no"}, "after_reconsideration"),
])
def test_falsy_or_mistyped_values_are_422_not_the_default(api, path, body, field) -> None:
    intake = {"name": "张三", "contact": "13800138000", "request_text": "请公开学费收支情况"}
    payload = {**(intake if "applications" in path else {}), **body}
    caller = api(None) if path.startswith("/api/v1/public/") else api("admin")
    response = caller.post(path, json=payload)
    assert response.status_code == 422, response.json
    assert response.json["field"] == field


def test_clarify_rejects_a_falsy_answer_by(api) -> None:
    """``answer_by: false`` used to mean "the default deadline"."""
    created = api("admin").post("/api/v1/applications", json={
        "name": "张三", "contact": "13800138000", "request_text": "请公开学费收支情况", "channel": "email",
        "received_at": "2025-09-25T09:00:00+08:00", "department": "xsc"})
    assert created.status_code == 201, created.json
    response = api("admin").post(f"/api/v1/applications/{created.json['id']}/actions",
                                 json={"action": "clarify", "note": "请补充", "answer_by": False})
    assert response.status_code == 422, response.json
    assert response.json["field"] == "answer_by"
