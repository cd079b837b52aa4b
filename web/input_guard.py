"""Input hardening at the edge of the web app, installed once for every route.

- ``<int:…>`` in any route is a bounded id: 1 … 2^31-1 (a 32-bit column on PostgreSQL). Anything
  else is a 404, as for an id that does not exist — never a database overflow (a 500).
- Query parameters, form fields, uploaded file names and path segments holding NUL, a lone
  surrogate or another control character are a 400 (tab and line breaks are left to each field's
  parser): PostgreSQL refuses NUL in text, and no encoder can write a lone surrogate.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from workflow.errors import BadInput
from workflow.inputs import ID_MAX

# NUL and the other C0 controls except tab, newline and carriage return, DEL, lone surrogates. Line
# breaks are left to the field's own parser, which knows whether it is a single line (e.g. the report
# year: 422 with a message about the year's format).
_BAD = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\ud800-\\udfff]")


class BoundedIntConverter(IntegerConverter):
    """``<int:name>``: a positive id that fits the id columns (1 … 2^31-1); otherwise no match (404)."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = 1, max: int | None = ID_MAX,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _has_bad(values: Iterable[str], pattern: re.Pattern[str]) -> bool:
    return any(isinstance(value, str) and pattern.search(value) for value in values)


def refuse_bad_characters() -> None:
    """``before_request``: BadInput (400) when the query, path or form carries a forbidden character."""
    # One whole sentence per place, so each is translated as such.
    args = request.args
    if _has_bad((*args.keys(), *args.values()), _BAD):
        raise BadInput("查询参数含有不允许的字符（如 NUL、控制字符或孤立的代理项）", code="bad_character")
    if _has_bad((str(v) for v in (request.view_args or {}).values()), _BAD):
        raise BadInput("网址含有不允许的字符（如 NUL、控制字符或孤立的代理项）", code="bad_character")
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        form = request.form
        if _has_bad((*form.keys(), *form.values()), _BAD):
            raise BadInput("表单字段含有不允许的字符（如 NUL、控制字符或孤立的代理项）", code="bad_character")
        if _has_bad((f.filename or "" for f in request.files.values()), _BAD):
            raise BadInput("文件名含有不允许的字符（如 NUL、控制字符或孤立的代理项）", code="bad_character")


def init_app(app: Flask) -> None:
    """Install the bounded id converter (before any blueprint adds its rules) and the character check."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_bad_characters)
