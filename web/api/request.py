"""Parsing API requests: JSON bodies, versions, CSRF for session-authenticated writes."""
from __future__ import annotations

from typing import Any

from flask import g, request
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from web.auth import current_actor
from workflow.access import Actor
from workflow.errors import BadInput, Forbidden
from workflow.inputs import parse_version
from workflow.json_input import JsonLimits, load_json

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def json_limits() -> JsonLimits:
    """The JSON limits of settings ``[input_limits]``."""
    from web.core import core
    settings = core().settings
    return JsonLimits(max_depth=int(settings.get("input_limits.json_max_depth", JsonLimits.max_depth)),
                      max_int_digits=int(settings.get("input_limits.json_max_int_digits", JsonLimits.max_int_digits)))


def json_body() -> dict[str, Any]:
    """The request's JSON object; BadInput (400) for malformed or hostile JSON or a non-object.

    Every JSON body of the application is read here (``workflow.json_input`` bounds nesting and
    numbers and refuses NaN, NUL and lone surrogates).
    """
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    data = load_json(raw, json_limits())
    if not isinstance(data, dict):
        raise BadInput("请求体必须是 JSON 对象", code="malformed_json")
    return data


def acting_user() -> Actor:
    """The caller; session-authenticated writes must carry the CSRF token header."""
    actor = current_actor()
    if request.method in UNSAFE_METHODS and not g.get("via_token"):
        try:
            validate_csrf(request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token"))
        except ValidationError:
            raise Forbidden("缺少或无效的 CSRF 令牌", code="csrf_failed") from None
    return actor


def expected_version(body: dict[str, Any] | None = None) -> int | None:
    """Optimistic-lock version from ``If-Match`` or the body's ``version``."""
    header = request.headers.get("If-Match")
    if header:
        return parse_version(header)
    return parse_version((body or {}).get("version"))
