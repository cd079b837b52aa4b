"""Fuzzing API v1 against its own OpenAPI document (schemathesis), on both databases.

The schema is loaded from the Flask app (WSGI, no server). Every operation is called with
generated data — valid (positive) and schema-violating (negative) — as an anonymous caller,
a drafter and an admin, against a small world that has a draft, an item in review, a published
item, an application, a remedy case and notifications, so path ids also hit real objects.

Each response must be no 5xx, a documented status code, a documented content type, a body
that matches its schema, the documented headers; and a request the document calls invalid
must be refused with a 4xx. Examples are bounded and derandomised so the suite stays fast and
repeatable; ``GONGKAI_FUZZ_EXAMPLES`` raises the count for a deeper run (docs/api.md).
"""
from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_headers_conformance, response_schema_conformance,
                                               status_code_conformance)

from tests.conftest import CLEAR, World, item_payload
from workflow.services import applications as app_service
from workflow.services import items as item_service
from workflow.services.users import create_token

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, negative_data_rejection]
EXAMPLES = int(os.environ.get("GONGKAI_FUZZ_EXAMPLES", "0") or 0)
# Per operation and caller: (positive, negative) examples. Anonymous callers mostly meet the 401.
BUDGET = {"anonymous": (2, 2), "drafter": (6, 4), "admin": (6, 4)}
CALLERS = {"anonymous": None, "drafter": "drafter", "admin": "admin"}


def _seed(world: World) -> dict[str, list[Any]]:
    """Objects for the path ids: items in draft, review and published, an application, a remedy case."""
    app = world.app
    draft = item_service.create_item(app, world.drafter, item_payload(title="草稿事项"))
    review = item_service.create_item(app, world.drafter, item_payload(title="审查中事项"))
    item_service.submit(app, world.drafter, review.id)
    published = item_service.create_item(app, world.drafter, item_payload(title="已公开事项"))
    item_service.submit(app, world.drafter, published.id)
    item_service.pass_review(app, world.reviewer, published.id, CLEAR)
    item_service.approve(app, world.approver, published.id)
    application = app_service.register_application(app, world.admin, {
        "name": "张三", "contact": "zhangsan@example.com", "request_text": "请公开2024年学费收支情况",
        "channel": "email", "received_at": "2025-09-25T09:00:00+08:00", "department": "xsc"})
    case = app_service.register_remedy(app, world.admin, {"kind": "report", "summary": "举报", "application_id":
                                                          application.id})
    from sqlalchemy import select

    from db.models import Notification
    with app.db.read() as session:
        notifications = list(session.scalars(select(Notification.id)))
    return {"item_id": [draft.id, review.id, published.id], "application_id": [application.id],
            "case_id": [case.id], "notification_id": notifications[:3] or [1], "code": ["xsc", "jwc"],
            "day": ["2025-10-01"]}


def _strategy(operation: Any, mode: GenerationMode, seeded: dict[str, list[Any]]) -> st.SearchStrategy:
    """Generated cases, half of them aimed at existing objects (seeded path parameters)."""
    names = [p.name for p in operation.path_parameters]
    strategies = [operation.as_strategy(generation_mode=mode)]
    if names and all(name in seeded for name in names):
        for index in range(max(len(seeded[name]) for name in names)):
            fixed = {name: seeded[name][index % len(seeded[name])] for name in names}
            strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    return st.one_of(*strategies)


def can_be_invalid(operation: Any) -> bool:
    """Whether any request to ``operation`` can violate the document (else negative mode has nothing to try)."""
    definition = operation.definition.raw
    if "requestBody" in definition:
        return True
    return any(param.get("schema", {}) not in ({"type": "string"}, {}) or param.get("required")
               and param.get("in") != "path" for param in definition.get("parameters", []))


def _run(operation: Any, mode: GenerationMode, examples: int, headers: dict[str, str],
         seeded: dict[str, list[Any]]) -> None:
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    @given(case=_strategy(operation, mode, seeded))
    def fuzz(case: Any) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    fuzz()


@pytest.fixture
def fuzz_world(world: World, flask_app) -> tuple[Any, dict[str, list[Any]], dict[str, dict[str, str]]]:
    seeded = _seed(world)
    headers = {role: ({"Authorization": f"Bearer {create_token(world.app, user)}"} if user else {})
               for role, user in CALLERS.items()}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", flask_app)
    # The callers' bearer tokens are given per call; schemathesis must not generate (or negate) them.
    schema.config.generation.update(with_security_parameters=False)
    return schema, seeded, headers


@pytest.mark.slow
def test_every_operation_conforms_to_the_document(fuzz_world) -> None:
    schema, seeded, headers = fuzz_world
    operations = [result.ok() for result in schema.get_all_operations()]
    documented = {f"{method.upper()} {path}" for path, ops in schema.raw_schema["paths"].items() for method in ops}
    # schemathesis leaves out the document's own endpoint; test_api checks that one
    assert {op.label for op in operations} == documented - {"GET /api/v1/openapi.json"}
    failures: list[str] = []
    for role, (positive, negative) in BUDGET.items():
        for operation in operations:
            for mode, examples in ((GenerationMode.POSITIVE, positive), (GenerationMode.NEGATIVE, negative)):
                if mode is GenerationMode.NEGATIVE and not can_be_invalid(operation):
                    continue
                try:
                    _run(operation, mode, EXAMPLES or examples, headers[role], seeded)
                except (Exception, BaseExceptionGroup) as error:  # collect every failure, then report
                    failures.append(f"[{role}, {mode.value}] {operation.label}: {_short(error)}")
    assert not failures, f"{len(failures)} failing operation(s):\n" + "\n\n".join(failures)


def _short(error: BaseException, limit: int = 1500) -> str:
    text = str(error)
    return text if len(text) <= limit else text[:limit] + " …"

