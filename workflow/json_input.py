"""Parsing untrusted JSON: bounded nesting, bounded numbers, no NaN, no lone surrogates or NUL.

The standard library accepts ``NaN``/``Infinity``, ``1e999`` (→ inf), ``"\\ud800"`` (a string no
database or encoder can store) and ``"\\u0000"``; it raises ``ValueError`` (not ``JSONDecodeError``)
for an integer of more than 4,300 digits and ``RecursionError`` for deep nesting. Every one of those
was a 500. ``load_json`` turns each into a ``BadInput`` (400) with a clear message.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from workflow.errors import BadInput

# Strings (with their escapes) are removed before brackets are counted: a "[" inside a string is text.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_RUN = re.compile(r"[\[{]+|[\]}]+")
_BAD_CHARACTER = re.compile("[\\x00\\ud800-\\udfff]")


@dataclass(frozen=True)
class JsonLimits:
    """How much structure a request body may have (settings ``input_limits.json_*``)."""

    max_depth: int = 32
    max_int_digits: int = 18


def nested_deeper_than(text: str, limit: int) -> bool:
    """True when the brackets of a JSON text nest more than ``limit`` deep (no recursion).

    Runs of opening and closing brackets are found by one C-speed regex and summed, so the cost is
    linear in the number of runs however deep the attacker nests; strings are removed first.
    """
    depth = 0
    for run in _RUN.finditer(_STRING.sub("", text)):
        depth += len(run.group()) if run.group()[0] in "[{" else -len(run.group())
        if depth > limit:
            return True
    return False


def load_json(raw: bytes, limits: JsonLimits = JsonLimits()) -> Any:
    """The JSON value in ``raw`` (UTF-8), or BadInput naming what is wrong with it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput("请求体不是有效的 UTF-8 编码", code="bad_encoding") from None
    if nested_deeper_than(text, limits.max_depth):
        raise BadInput("JSON 嵌套层数过多（最多 %(max)d 层）", code="malformed_json", max=limits.max_depth)

    def parse_int(digits: str) -> int:
        if len(digits.lstrip("-")) > limits.max_int_digits:
            raise BadInput("JSON 中的整数过长（最多 %(max)d 位）", code="malformed_json", max=limits.max_int_digits)
        return int(digits)

    def parse_float(literal: str) -> float:
        number = float(literal)
        if not math.isfinite(number):
            raise BadInput("JSON 中的数字超出范围", code="malformed_json")
        return number

    def parse_constant(name: str) -> Any:
        raise BadInput("JSON 不允许 %(name)s", code="malformed_json", name=name)

    try:
        data = json.loads(text, parse_int=parse_int, parse_float=parse_float, parse_constant=parse_constant)
    except json.JSONDecodeError as error:
        raise BadInput("JSON 格式错误（第 %(line)d 行第 %(col)d 列）", code="malformed_json",
                       line=error.lineno, col=error.colno) from None
    except RecursionError:  # belt and braces: the depth check above should have caught it
        raise BadInput("JSON 嵌套层数过多（最多 %(max)d 层）", code="malformed_json", max=limits.max_depth) from None
    for string in _strings(data):
        if _BAD_CHARACTER.search(string):
            raise BadInput("JSON 文本含有不允许的字符（NUL 或孤立的代理项）", code="bad_character")
    return data


def _strings(value: Any) -> Iterator[str]:
    """Every string (keys included) of a parsed JSON value, walked without recursion."""
    pending = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            pending.extend(node.keys())
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
