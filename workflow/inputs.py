"""Parsing and validating item fields from API bodies and forms.

Each problem is a ``ValidationFailed`` naming the field, in the user's language.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from collections.abc import Iterable
from typing import Any, Mapping

from workflow import channels
from workflow.clock import ensure_aware
from workflow.errors import ValidationFailed
from workflow.i18n import gettext
from workflow.settings import Settings
from workflow.spec import Field, TriggerSpec

# Ids are 32-bit integer columns on PostgreSQL; a larger id cannot name anything.
ID_MAX = 2**31 - 1
# Page numbers: (page - 1) * per_page must stay a 64-bit OFFSET on both databases.
PAGE_MAX = 10_000_000
# The accepted span of dates and date-times. Narrow enough that converting to UTC or Asia/Shanghai and
# adding working days (calendar, deadlines) can never leave Python's date range; wide enough for
# any real record of a college (the calendar page itself shows 1990-2100).
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 12, 31)
# C0 controls other than tab/newline/carriage return, DEL, lone surrogates and the two non-characters
# XML cannot carry: refused everywhere text enters.
_BAD_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# Single-line fields (titles, names, codes) also refuse tab, newline and the C1 controls.
_BAD_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
# A college year as the report knows it: "2022-2023" (ASCII digits, nothing around it).
_COLLEGE_YEAR = re.compile(r"([0-9]{4})-([0-9]{4})")
# A contact detail: an e-mail address or a phone number (digits, spaces, dashes, brackets, leading +).
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 \-()]{5,22}$")
CONTACT_MAX = 254
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,10}")


def check_text(value: str, field: str, *, single_line: bool) -> str:
    """``value`` unchanged, or ValidationFailed when it holds a control character.

    Single-line fields (titles, names, codes) refuse every control character; multi-line text
    (bodies, reasons) keeps tab and newline. Such characters break headers, XML feeds, DOCX and
    XLSX exports, and PostgreSQL refuses NUL in text outright.
    """
    bad = (_BAD_IN_LINE if single_line else _BAD_IN_TEXT).search(value)
    if bad:
        raise ValidationFailed("%(field)s 含有不允许的控制字符（U+%(char)04X）", code="invalid_value",
                               field=field, char=ord(bad.group()))
    return value


def check_id(value: Any, field: str) -> int:
    """An id taken from a body or a form: a positive 32-bit integer (anything else names nothing)."""
    if isinstance(value, bool):
        raise ValidationFailed("%(field)s 必须是正整数", code="invalid_type", field=field)
    try:
        number = int(str(value).strip()) if isinstance(value, str) else value
    except ValueError:
        raise ValidationFailed("%(field)s 必须是正整数", code="invalid_type", field=field) from None
    if not isinstance(number, int) or not 1 <= number <= ID_MAX:
        raise ValidationFailed("%(field)s 必须是 1 到 %(max)d 之间的整数", code="invalid_value", field=field,
                               max=ID_MAX)
    return number


# -- labelled fields (forms whose messages name the field by its label) --------------------------

def parse_text(value: Any, field: str, *, label: str, max_len: int, required: bool = True,
               multiline: bool = False) -> str | None:
    """Trimmed free text named by ``label`` (a msgid) in its messages; None when absent and optional.

    A value of only spaces counts as absent. ``multiline`` text keeps tab and newline; every other
    field is a single line (``check_text``).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed("请填写%(label)s", code="missing_field", field=field, label=gettext(label))
        return None
    if not isinstance(value, str):
        raise ValidationFailed("%(label)s必须是文本", code="invalid_type", field=field, label=gettext(label))
    value = value.strip()
    bad = (_BAD_IN_TEXT if multiline else _BAD_IN_LINE).search(value)
    if bad:
        raise ValidationFailed("%(label)s含有不允许的控制字符（U+%(char)04X）", code="invalid_value", field=field,
                               label=gettext(label), char=ord(bad.group()))
    if len(value) > max_len:
        raise ValidationFailed("%(label)s过长（最多 %(max)d 个字符）", code="too_long", field=field,
                               label=gettext(label), max=max_len)
    return value


def parse_choice(value: Any, field: str, codes: Iterable[str], *, label: str, default: str | None = None) -> str:
    """One code of ``codes``; absent or an empty form field means ``default`` (never a falsy 0/false/[])."""
    if value in (None, ""):
        value = default
    if not isinstance(value, str) or value not in tuple(codes):
        raise ValidationFailed("请选择有效的%(label)s", code="invalid_value", field=field, label=gettext(label))
    return value


def parse_contact(value: Any, field: str = "contact", *, label: str) -> str:
    """A phone number or an e-mail address (required, trimmed)."""
    contact = parse_text(value, field, label=label, max_len=CONTACT_MAX)
    assert contact is not None
    if not (EMAIL.match(contact) or PHONE.match(contact)):
        raise ValidationFailed("联系方式应为电话号码或电子邮件地址", code="invalid_value", field=field)
    return contact


def parse_integer(value: Any, field: str, *, label: str, minimum: int = 1, maximum: int = ID_MAX,
                  required: bool = True) -> int | None:
    """A whole number from a body (an integer, never a boolean) or a form (its digits); None when
    absent and optional."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed("请填写%(label)s", code="missing_field", field=field, label=gettext(label))
        return None
    text = value.strip() if isinstance(value, str) else None
    if isinstance(value, bool) or not (isinstance(value, int) or (text and _WHOLE_NUMBER.fullmatch(text))):
        raise ValidationFailed("%(label)s必须是整数", code="invalid_type", field=field, label=gettext(label))
    number = int(value if text is None else text)
    if not minimum <= number <= maximum:
        raise ValidationFailed("%(label)s须在 %(min)d 到 %(max)d 之间", code="invalid_value", field=field,
                               label=gettext(label), min=minimum, max=maximum)
    return number


def parse_amount(value: Any, field: str, *, maximum: Decimal) -> Decimal:
    """An amount of money in yuan, 0 to ``maximum``, to the fen; absent or empty means 0."""
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("金额格式无效", code="invalid_value", field=field) from None
    if not amount.is_finite() or amount < 0 or amount > maximum:
        raise ValidationFailed("金额须在 0 到 %(max)s 元之间", code="invalid_value", field=field,
                               max=str(maximum))
    return amount.quantize(Decimal("0.01"))


def json_object(data: Any, allowed: Iterable[str]) -> Mapping[str, Any]:
    """``data`` when it is a JSON object holding only ``allowed`` keys; otherwise ValidationFailed (422)
    naming the body or the first unknown field (up to five in the message)."""
    if not isinstance(data, Mapping):
        raise ValidationFailed("请求体必须是 JSON 对象", code="invalid_type", field="body")
    known = set(allowed)
    unknown = sorted(str(key)[:40] for key in data if key not in known)
    if unknown:
        raise ValidationFailed("不支持的字段：%(fields)s", code="unknown_field", field=unknown[0],
                               fields="、".join(unknown[:5]))
    return data


def parse_page(page: Any, per_page: Any, *, default_size: int, max_size: int) -> tuple[int, int]:
    """Validated ``(page, per_page)`` from query parameters; per_page is capped at ``max_size``.

    Refuses (422) anything that is not a whole number from 1 to ``PAGE_MAX`` — a page number beyond
    a 64-bit OFFSET used to be a database error, i.e. a 500.
    """
    def number(value: Any, fallback: int, field: str) -> int:
        if value in (None, ""):
            return fallback
        text = str(value).strip()
        if isinstance(value, bool) or not text.isascii() or not text.isdigit() or len(text) > 9:
            raise ValidationFailed("%(field)s 必须是 1 到 %(max)d 之间的整数", code="invalid_value", field=field,
                                   max=PAGE_MAX)
        result = int(text)
        if not 1 <= result <= PAGE_MAX:
            raise ValidationFailed("%(field)s 必须是 1 到 %(max)d 之间的整数", code="invalid_value", field=field,
                                   max=PAGE_MAX)
        return result

    return number(page, 1, "page"), min(number(per_page, default_size, "per_page"), max_size)


def parse_college_year(value: Any, field: str = "year") -> str:
    """A college year ``"2022-2023"`` (second year = first + 1, within the accepted date range)."""
    text = value if isinstance(value, str) else ""
    match = _COLLEGE_YEAR.fullmatch(text)
    if not match or int(match.group(2)) != int(match.group(1)) + 1 \
            or not DATE_MIN.year <= int(match.group(1)) < DATE_MAX.year:
        raise ValidationFailed("%(field)s 应是“2022-2023”形式的学年", code="invalid_value", field=field)
    return text


def _check_date_range(day: date, field: str) -> None:
    if not DATE_MIN <= day <= DATE_MAX:
        raise _out_of_range(field)


def _out_of_range(field: str) -> ValidationFailed:
    return ValidationFailed("%(field)s 超出允许的日期范围（%(min)s 至 %(max)s）", code="invalid_value",
                               field=field, min=DATE_MIN.isoformat(), max=DATE_MAX.isoformat())

ITEM_FIELDS = ("title", "body", "department", "catalog_code", "channels", "formed_on", "publish_at",
               "display_until", "is_list", "doc_number")
DOC_NUMBER_MAX = 100  # 文号, e.g. 漳理工〔2025〕12号
EDITABLE_FIELDS = tuple(f for f in ITEM_FIELDS if f != "department")
# Free text that keeps its line breaks; every other text field is a single line.
MULTILINE_FIELDS = frozenset({"body", "reason", "opinion", "legal_basis", "message", "note"})


def _text(value: Any, field: str, max_len: int, required: bool) -> str | None:
    if value is None:
        if required:
            raise ValidationFailed("缺少必填项：%(field)s", code="missing_field", field=field)
        return None
    if not isinstance(value, str):
        raise ValidationFailed("%(field)s 必须是文本", code="invalid_type", field=field)
    single_line = field not in MULTILINE_FIELDS
    value = value.strip() if single_line else value
    if required and not value.strip():
        raise ValidationFailed("%(field)s 不能为空", code="missing_field", field=field)
    check_text(value, field, single_line=single_line)
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
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed("%(field)s 不是有效日期（YYYY-MM-DD）：%(value)s", code="invalid_value",
                               field=field, value=_shown(value)) from None
    _check_date_range(day, field)
    return day


def parse_datetime(value: Any, field: str) -> datetime | None:
    """An ISO date-time; a bare date means 00:00 Asia/Shanghai; naive means Asia/Shanghai."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = ensure_aware(value)
    elif not isinstance(value, str):
        raise ValidationFailed("%(field)s 必须是日期时间（ISO 8601）", code="invalid_type", field=field)
    else:
        try:
            moment = ensure_aware(datetime.fromisoformat(value.strip()))
        except ValueError:
            raise ValidationFailed("%(field)s 不是有效的日期时间：%(value)s", code="invalid_value",
                                   field=field, value=_shown(value)) from None
    # Compare in UTC with a day of margin: 9999-12-31T23:59:59-12:00 overflows when converted.
    lowest = datetime.combine(DATE_MIN, datetime.min.time(), timezone.utc) + timedelta(days=1)
    highest = datetime.combine(DATE_MAX, datetime.min.time(), timezone.utc) - timedelta(days=1)
    try:
        inside = lowest <= moment <= highest
    except OverflowError:
        inside = False
    if not inside:
        raise _out_of_range(field)
    return moment


def _shown(value: str) -> str:
    """A bounded, printable excerpt of a refused value for the error message."""
    return _BAD_IN_LINE.sub("?", value[:40])


def _channels(value: Any, settings: Settings) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise ValidationFailed("channels 必须是渠道代码的列表", code="invalid_type", field="channels")
    unknown = [str(c)[:40] for c in value if c not in channels.CODES]
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
    json_object(data, (*(ITEM_FIELDS if creating else EDITABLE_FIELDS), "version"))
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
    if "doc_number" in data:  # optional: empty clears it
        values["doc_number"] = _text(data.get("doc_number"), "doc_number", DOC_NUMBER_MAX, required=False) or None
    if "is_list" in data:
        if not isinstance(data["is_list"], bool):
            raise ValidationFailed("%(field)s 必须是布尔值", code="invalid_type", field="is_list")
        values["is_list"] = data["is_list"]
    return ItemFields(values, frozenset(values))


def parse_version(value: Any) -> int | None:
    """The optimistic-lock version a client expects (``version`` field or If-Match)."""
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValidationFailed("version 必须是整数", code="invalid_type", field="version")
    text = str(value).strip().strip('"').removeprefix("W/").strip('"')
    if not text.isascii() or not text.isdigit() or len(text) > 10 or int(text) > ID_MAX:
        raise ValidationFailed("version 必须是整数", code="invalid_type", field="version")
    return int(text)


def parse_reason(value: Any, field: str = "reason") -> str | None:
    """A free-text reason (trimmed); type-checked only, emptiness is the guard's call."""
    return _text(value, field, 5000, required=False)


def parse_trigger_inputs(trigger: TriggerSpec, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs ``trigger`` declares, parsed by kind; a filled-in input it does not take is 422.

    Only present keys are returned (an absent ``publish_at`` keeps the item's own). Empty values of
    undeclared inputs are ignored: a form may post an empty box the trigger has no use for.
    """
    unexpected = [key for key, value in payload.items()
                  if key not in trigger.field_names and key not in ("trigger", "version") and value not in (None, "", [], {})]
    if unexpected:
        raise ValidationFailed("该操作不接受以下内容：%(fields)s", code="unexpected_field", field=str(unexpected[0])[:40],
                               fields="、".join(str(key)[:40] for key in unexpected[:5]))
    inputs: dict[str, Any] = {}
    for declared in trigger.fields:
        given = [name for name in declared.names if name in payload]
        if not given:
            continue
        values = [_parse_input(declared, payload[name], name) for name in given]
        filled = [value for value in values if value not in (None, "", [], {})]
        if any(value != filled[0] for value in filled[1:]):
            # ``reason`` and ``opinion`` of a return are one text: two different ones cannot both be it
            raise ValidationFailed("%(names)s 是同一项内容（%(label)s），请只填写一项", code="conflicting_fields",
                                   field=given[-1], names="、".join(given), label=gettext(declared.label))
        inputs[declared.name] = filled[0] if filled else values[0]
    return inputs


def _parse_input(declared: Field, value: Any, name: str | None = None) -> Any:
    name = name or declared.name
    if declared.kind in ("text", "multiline") and declared.max_len is not None:
        if isinstance(value, str) and len(value) > declared.max_len:  # as sent, before trimming (the schema's limit)
            raise ValidationFailed("%(label)s过长（最多 %(max)d 个字符）", code="too_long", field=name,
                                   label=gettext(declared.label), max=declared.max_len)
        return parse_text(value, name, label=declared.label, max_len=declared.max_len, required=False,
                          multiline=declared.kind == "multiline")
    if declared.kind in ("text", "multiline"):
        return parse_reason(value, name)
    if declared.kind == "datetime":
        return parse_datetime(value, name)
    if declared.kind == "choice" and declared.choices:
        if value in (None, ""):
            return None  # not given: a required choice is reported by require_fields
        return parse_choice(value, declared.name, (code for code, _label in declared.choices), label=declared.label)
    if declared.kind == "confirm":
        if value is None or isinstance(value, bool):
            return bool(value)
        raise ValidationFailed("%(field)s 必须是 true 或 false", code="invalid_type", field=declared.name)
    if declared.kind == "multi":
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
            raise ValidationFailed("%(field)s 必须是文本列表", code="invalid_type", field=declared.name)
        return value
    return value  # checklist and other structured inputs: the trigger's checks judge them
