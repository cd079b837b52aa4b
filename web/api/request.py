"""Parsing API requests: JSON bodies, versions, CSRF for session-authenticated writes."""
from __future__ import annotations

import json
from typing import Any

from flask import g, request
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from web.auth import current_actor
from workflow.access import Actor
from workflow.errors import BadInput, Forbidden
from workflow.inputs import parse_version

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def json_body() -> dict[str, Any]:
    """The request's JSON object; BadInput for malformed JSON, non-UTF-8 or a non-object."""
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput("请求体不是有效的 UTF-8 编码", code="bad_encoding") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInput("JSON 格式错误（第 %(line)d 行第 %(col)d 列）", code="malformed_json",
                       line=error.lineno, col=error.colno) from None
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
