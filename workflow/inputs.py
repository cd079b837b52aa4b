"""Parsing and validating item fields from API bodies and forms.

Each problem is a ``ValidationFailed`` naming the field, in the user's language.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Mapping

from workflow.clock import ensure_aware
from workflow.errors import ValidationFailed
from workflow.settings import Settings

ITEM_FIELDS = ("title", "body", "department", "catalog_code", "channels", "formed_on", "publish_at",
               "display_until", "is_list")
EDITABLE_FIELDS = tuple(f for f in ITEM_FIELDS if f != "department")


def _text(value: Any, field: str, max_len: int, required: bool) -> str | None:
    if value is None:
        if required:
            raise ValidationFailed("缺少必填项：%(field)s", code="missing_field", field=field)
        return None
    if not isinstance(value, str):
        raise ValidationFailed("%(field)s 必须是文本", code="invalid_type", field=field)
    value = value.strip() if field == "title" else value
    if required and not value.strip():
        raise ValidationFailed("%(field)s 不能为空", code="missing_field", field=field)
    if "\x00" in value:
        raise ValidationFailed("%(field)s 含有非法字符", code="invalid_value", field=field)
    if len(value) > max_len:
        raise ValidationFailed("%(field)s 过长（最多 %(max)d 个字符）", code="too_long", field=field, max=max_len)
    return value


def parse_date(value: Any, field: str) -> date | None:
    """An ISO date (``2025-09-26``); None for null/empty."""
    if value in (None, ""):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValidationFailed("%(field)s 必须是日期（YYYY-MM-DD）", code="invalid_type", field=field)
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed("%(field)s 不是有效日期（YYYY-MM-DD）：%(value)s", code="invalid_value",
                               field=field, value=value[:40]) from None


def parse_datetime(value: Any, field: str) -> datetime | None:
    """An ISO date-time; a bare date means 00:00 Asia/Shanghai; naive means Asia/Shanghai."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return ensure_aware(value)
    if not isinstance(value, str):
        raise ValidationFailed("%(field)s 必须是日期时间（ISO 8601）", code="invalid_type", field=field)
    try:
        return ensure_aware(datetime.fromisoformat(value.strip()))
    except ValueError:
        raise ValidationFailed("%(field)s 不是有效的日期时间：%(value)s", code="invalid_value",
                               field=field, value=value[:40]) from None


def _channels(value: Any, settings: Settings) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise ValidationFailed("channels 必须是渠道代码的列表", code="invalid_type", field="channels")
    unknown = [c for c in value if c not in settings.all_channels]
    if unknown:
        raise ValidationFailed("未知的公开渠道：%(channels)s", code="invalid_value", field="channels",
                               channels="、".join(unknown[:5]))
    return list(dict.fromkeys(value))


@dataclass
class ItemFields:
    """Validated item fields; ``present`` says which keys the caller actually sent."""

    values: dict[str, Any]
    present: frozenset[str]


def parse_item_fields(data: Mapping[str, Any], settings: Settings, *, creating: bool,
                      with_catalog: bool = True) -> ItemFields:
    """Check types and limits of the fields in ``data`` (no database look-ups here).

    ``with_catalog`` False (a reply letter): no 清单 entry is required, and none may be given.
    """
    if not isinstance(data, Mapping):
        raise ValidationFailed("请求体必须是 JSON 对象", code="invalid_type")
    allowed = ITEM_FIELDS if creating else EDITABLE_FIELDS
    unknown = sorted(set(data) - set(allowed) - {"version"})
    if unknown:
        raise ValidationFailed("不支持的字段：%(fields)s", code="unknown_field", field=unknown[0],
                               fields="、".join(unknown[:5]))
    values: dict[str, Any] = {}
    title_max, body_max = int(settings["limits.title_max"]), int(settings["limits.body_max"])
    if creating or "title" in data:
        values["title"] = _text(data.get("title"), "title", title_max, required=True)
    if creating or "body" in data:
        values["body"] = _text(data.get("body"), "body", body_max, required=False) or ""
    if creating:
        values["department"] = _text(data.get("department"), "department", 32, required=True)
    if not with_catalog:
        if data.get("catalog_code") not in (None, ""):
            raise ValidationFailed("答复书不属于主动公开清单，不能指定清单事项", code="reply_without_catalog",
                                   field="catalog_code")
    elif creating or "catalog_code" in data:
        values["catalog_code"] = _text(data.get("catalog_code"), "catalog_code", 32, required=True)
    if creating or "channels" in data:
        values["channels"] = _channels(data.get("channels"), settings)
    if creating or "formed_on" in data:
        formed_on = parse_date(data.get("formed_on"), "formed_on")
        if formed_on is None:
            raise ValidationFailed("缺少必填项：%(field)s", code="missing_field", field="formed_on")
        values["formed_on"] = formed_on
    for key in ("publish_at", "display_until"):
        if key in data:
            values[key] = parse_datetime(data.get(key), key)
    if "is_list" in data:
        if not isinstance(data["is_list"], bool):
            raise ValidationFailed("%(field)s 必须是布尔值", code="invalid_type", field="is_list")
        values["is_list"] = data["is_list"]
    return ItemFields(values, frozenset(values))


def parse_version(value: Any) -> int | None:
    """The optimistic-lock version a client expects (``version`` field or If-Match)."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValidationFailed("version 必须是整数", code="invalid_type", field="version")
    try:
        return int(str(value).strip().strip('"').removeprefix("W/").strip('"'))
    except ValueError:
        raise ValidationFailed("version 必须是整数", code="invalid_type", field="version") from None


def parse_reason(value: Any, field: str = "reason") -> str | None:
    """A free-text reason (trimmed); type-checked only, emptiness is the guard's call."""
    return _text(value, field, 5000, required=False)
