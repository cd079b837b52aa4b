"""API: the working-day calendar — notable days of a year, deadline explanations, admin overrides.

Reading is open to every logged-in user; adding or removing an override is for admins and
re-dates every open item (``workflow.calendar.admin``). Bad input is a 422, never a 500.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue

from web.api import bp
from web.api.openapi import (BOOLEAN, DATE, INTEGER, OPT_STRING, STRING, _op, _q, array, nullable, obj, or_empty,
                             ref, register_paths, register_schemas)
from web.api.request import acting_user, json_body
from web.core import core
from workflow.calendar import admin as calendar_admin
from workflow.access import ADMIN, require_role
from workflow.calendar.workdays import DayInfo, WorkCalendar
from workflow.errors import ValidationFailed
from workflow.inputs import check_text, parse_date

YEARS = (1990, 2100)              # the span the admin page shows; beyond it nothing is meaningful
MAX_EXPLAIN_WORKDAYS = 366        # explain() walks day by day: keep one request cheap
REASON_MAX, SOURCE_MAX = 300, 500  # the column sizes of calendar_overrides
OVERRIDE_FIELDS = {"date", "kind", "reason", "source"}


# -- input parsing (shared with the admin page) -------------------------------------------------

def parse_day(value: Any, field: str = "date") -> date:
    """A required ISO date within ``YEARS``; ``ValidationFailed`` (422) otherwise."""
    day = parse_date(value, field)
    if day is None:
        raise ValidationFailed("缺少必填项：%(field)s", code="missing_field", field=field)
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise ValidationFailed("%(field)s 超出可调整的年份范围（%(low)d–%(high)d）", code="invalid_value",
                               field=field, low=YEARS[0], high=YEARS[1])
    return day


def _optional_text(value: Any, field: str, max_len: int, *, required: bool) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed("%(field)s 不能为空", code="missing_field", field=field)
        return None
    if not isinstance(value, str):
        raise ValidationFailed("%(field)s 必须是文本", code="invalid_type", field=field)
    value = check_text(value.strip(), field, single_line=True)  # reasons and sources are one line
    if len(value) > max_len:
        raise ValidationFailed("%(field)s 过长（最多 %(max)d 个字符）", code="too_long", field=field, max=max_len)
    return value


def parse_override(data: dict[str, Any]) -> tuple[date, str, str, str | None]:
    """``(day, kind, reason, source)`` from an override request; 422 on any bad field."""
    unknown = sorted(set(data) - OVERRIDE_FIELDS)
    if unknown:
        raise ValidationFailed("未知字段：%(field)s", code="unknown_field", field=unknown[0])
    day = parse_day(data.get("date"))
    kind = data.get("kind")
    if kind not in ("rest", "work"):
        raise ValidationFailed("调整类型必须是 rest 或 work", code="invalid_value", field="kind")
    reason = _optional_text(data.get("reason"), "reason", REASON_MAX, required=True)
    source = _optional_text(data.get("source"), "source", SOURCE_MAX, required=False)
    return day, kind, reason or "", source


def parse_workdays(value: Any) -> int:
    """A working-day count for an explanation, ``1..MAX_EXPLAIN_WORKDAYS`` (negative: backwards)."""
    if value in (None, ""):
        raise ValidationFailed("缺少必填项：%(field)s", code="missing_field", field="workdays")
    try:
        n = int(str(value).strip())
    except ValueError:
        raise ValidationFailed("%(field)s 必须是整数", code="invalid_type", field="workdays") from None
    if n == 0 or abs(n) > MAX_EXPLAIN_WORKDAYS:
        raise ValidationFailed("工作日数必须在 1 到 %(max)d 之间", code="invalid_value", field="workdays",
                               max=MAX_EXPLAIN_WORKDAYS)
    return n


# -- views ----------------------------------------------------------------------------------------

def is_notable(info: DayInfo) -> bool:
    """Not an ordinary day: a holiday, a weekday off, a weekend worked, or an admin override."""
    weekend = info.date.weekday() >= 5
    return info.layer == "override" or info.holiday is not None or info.workday == weekend


def notable_days(cal: WorkCalendar, year: int) -> list[dict[str, Any]]:
    """Every notable day of ``year`` as JSON-friendly dicts (``DayInfo.to_dict`` + ``override``)."""
    days = []
    day = date(year, 1, 1)
    ordinal_end = date(year, 12, 31).toordinal()
    for ordinal in range(day.toordinal(), ordinal_end + 1):
        info = cal.day_info(date.fromordinal(ordinal))
        if is_notable(info):
            days.append({**info.to_dict(), "override": info.layer == "override"})
    return days


@bp.get("/calendar")
def calendar_year() -> ResponseReturnValue:
    acting_user()
    app = core()
    raw = request.args.get("year")
    if raw in (None, ""):
        from workflow.clock import local_date
        year = local_date(app.now()).year
    else:
        try:
            year = int(raw.strip())
        except ValueError:
            raise ValidationFailed("%(field)s 必须是整数", code="invalid_type", field="year") from None
        if not YEARS[0] <= year <= YEARS[1]:
            raise ValidationFailed("%(field)s 超出范围（%(low)d–%(high)d）", code="invalid_value", field="year",
                                   low=YEARS[0], high=YEARS[1])
    cal = app.calendar
    covered = cal.is_covered(year)
    return jsonify({"year": year, "covered": covered, "estimated": not covered,
                    "covered_years": cal.covered_years(), "days": notable_days(cal, year),
                    "overrides": [o for o in calendar_admin.list_overrides(app) if o["date"].startswith(f"{year}-")]})


@bp.get("/calendar/explain")
def calendar_explain() -> ResponseReturnValue:
    acting_user()
    start = parse_day(request.args.get("from"), "from")
    n = parse_workdays(request.args.get("workdays"))
    explanation = core().calendar.explain(start, n)
    return jsonify({**explanation.to_dict(), "text": explanation.as_text()})


def _change_response(day: date, changed: list[int], **extra: Any) -> Response:
    return jsonify({"date": day.isoformat(), **extra, "redated": len(changed), "items": changed})


@bp.post("/calendar/overrides")
def add_calendar_override() -> ResponseReturnValue:
    actor = acting_user()
    require_role(actor, ADMIN)  # before parsing: a non-admin learns nothing from validation
    day, kind, reason, source = parse_override(json_body())
    changed = calendar_admin.set_override(core(), actor, day, kind, reason, source)
    return _change_response(day, changed, kind=kind, reason=reason, source=source)


@bp.delete("/calendar/overrides/<day>")
def remove_calendar_override(day: str) -> ResponseReturnValue:
    actor = acting_user()
    require_role(actor, ADMIN)
    parsed = parse_day(day)
    changed = calendar_admin.remove_override(core(), actor, parsed)
    return _change_response(parsed, changed)


DAY = {"name": "day", "in": "path", "required": True, "schema": {"type": "string", "format": "date"},
       "description": f"A date within {YEARS[0]}–{YEARS[1]}"}
register_schemas({
    "OverrideInput": obj({
        "date": {"type": "string", "format": "date", "description": f"Within {YEARS[0]}–{YEARS[1]}"},
        "kind": {"type": "string", "enum": ["rest", "work"]},
        "reason": {"type": "string", "minLength": 1, "maxLength": REASON_MAX},
        "source": nullable({"type": "string", "maxLength": SOURCE_MAX})},
        required=("date", "kind", "reason"), additional=False),
    "CalendarYear": obj({"year": INTEGER, "covered": BOOLEAN, "estimated": BOOLEAN,
                         "covered_years": array(INTEGER),
                         "days": array({"allOf": [ref("DayInfo"), obj({"override": BOOLEAN})]}),
                         "overrides": array(ref("Override"))}),
    "CalendarExplanation": obj({"start": DATE, "workdays": INTEGER, "deadline": DATE, "estimated": BOOLEAN,
                                "counted": array({"allOf": [ref("DayInfo"), obj({"index": INTEGER})]}),
                                "skipped": array(ref("DayInfo")), "text": STRING}),
    "CalendarChange": obj({"date": DATE, "kind": {"type": "string", "enum": ["rest", "work"]}, "reason": STRING,
                           "source": OPT_STRING, "redated": INTEGER, "items": array(INTEGER)},
                          required=("date", "redated", "items")),
})
register_paths({
    "/api/v1/calendar": {"get": _op("Notable days of a year (holidays, make-up workdays, overrides), coverage",
                                    params=[_q("year", or_empty({"type": "integer", "minimum": YEARS[0],
                                                                  "maximum": YEARS[1]}),
                                               description="Default (absent or empty): this year")],
                                    schema=ref("CalendarYear"))},
    "/api/v1/calendar/explain": {"get": _op(
        "Explain a deadline: from + N working days, day by day", schema=ref("CalendarExplanation"), params=[
            _q("from", DATE, required=True, description=f"A date within {YEARS[0]}–{YEARS[1]}"),
            _q("workdays", {"type": "integer", "minimum": -MAX_EXPLAIN_WORKDAYS, "maximum": MAX_EXPLAIN_WORKDAYS,
                            "not": {"const": 0}}, required=True, description="Negative counts backwards")])},
    "/api/v1/calendar/overrides": {"post": _op("Admin: add or replace an override; re-dates open items",
                                               body=ref("OverrideInput"), schema=ref("CalendarChange"))},
    "/api/v1/calendar/overrides/{day}": {"delete": _op("Admin: remove an override; re-dates open items",
                                                       params=[DAY], write=True, schema=ref("CalendarChange"))},
})
