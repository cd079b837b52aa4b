"""The review route as a value: steps in order, who decides each, and how many must agree.

A route is parsed strictly from the API shape (DESIGN.md §7a)::

    {name, catalog_codes: [], departments: [], steps: [{stage, name, role, department?, users?, quorum}]}

Parsing checks the shape and the closed vocabularies (stage, role, quorum); whether the named
categories, departments and users exist, and whether each step can reach its quorum, is
``workflow.routes.checks`` (it needs the directory of people). Nothing here touches the database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from db.models.routes import DECIDER_KINDS, MAX_STEP_WORKDAYS, ROUTE_STAGES, STEP_ROLES
from workflow.errors import ValidationFailed
from workflow.inputs import check_text

ITEM_DEPARTMENT, DEPARTMENT, USERS = DECIDER_KINDS
ANY, ALL, COUNT = "any", "all", "count"
# Bounds that keep one route (and the eligibility analysis) small; the API refuses more (422).
MAX_NAME, MAX_STEPS, MAX_USERS, MAX_SCOPE, MAX_QUORUM = 100, 20, 50, 200, 50
_DIGITS = re.compile(r"[1-9][0-9]{0,5}")

ROUTE_FIELDS = {"name", "catalog_codes", "departments", "steps", "version", "active"}
STEP_FIELDS = {"stage", "name", "role", "department", "users", "quorum", "workdays"}


@dataclass(frozen=True)
class Quorum:
    """``any`` (one of them), ``all`` (every one of them) or ``count`` N of them."""

    kind: str
    count: int | None = None

    def needed(self, eligible: int) -> int:
        """Votes the step needs when ``eligible`` people may cast one (``all`` of nobody is still 1)."""
        if self.kind == ANY:
            return 1
        if self.kind == ALL:
            return max(eligible, 1)
        return int(self.count or 1)

    def to_json(self) -> str | int:
        """The contract form: ``"any"``, ``"all"`` or N."""
        return int(self.count or 1) if self.kind == COUNT else self.kind


def parse_quorum(value: Any, field_name: str = "quorum") -> Quorum:
    """``"any"`` | ``"all"`` | a positive whole number (a JSON integer, or its digits as form text).

    Anything else — 0, negatives, fractions, booleans, ``" 2"``, full-width digits — is refused (422).
    """
    if isinstance(value, str) and value in (ANY, ALL):
        return Quorum(value)
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    if number is None or not 1 <= number <= MAX_QUORUM:
        raise ValidationFailed("%(field)s 必须是 any（任一人）、all（全部）或 1 到 %(max)d 之间的整数",
                               code="invalid_quorum", field=field_name, max=MAX_QUORUM)
    return Quorum(COUNT, number)


@dataclass(frozen=True)
class Deciders:
    """Who may decide a step: ``role`` in the item's department, in ``department``, or the named ``users``."""

    kind: str
    role: str
    department: str | None = None
    users: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouteStep:
    """One step of a route: inside ``stage``, decided by ``deciders`` with ``quorum``."""

    stage: str
    name: str
    deciders: Deciders
    quorum: Quorum
    workdays: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The contract shape of a step (``department``/``users`` only when they apply)."""
        body: dict[str, Any] = {"stage": self.stage, "name": self.name, "role": self.deciders.role,
                                "quorum": self.quorum.to_json()}
        if self.deciders.department is not None:
            body["department"] = self.deciders.department
        if self.deciders.users:
            body["users"] = list(self.deciders.users)
        if self.workdays is not None:
            body["workdays"] = self.workdays
        return body


@dataclass(frozen=True)
class Route:
    """A route: its scope (清单 categories, departments) and its steps in order.

    ``id`` is None for a route not stored (a new one, or the default route derived from the item
    workflow); ``version`` is the optimistic lock of stored routes.
    """

    name: str
    steps: tuple[RouteStep, ...]
    catalog_codes: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    id: int | None = None
    version: int | None = None
    active: bool = True
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_default(self) -> bool:
        """The derived default route (applies to every item no stored route matches)."""
        return self.id is None and not self.catalog_codes and not self.departments

    def stage_steps(self, stage: str) -> tuple[tuple[int, RouteStep], ...]:
        """``(position, step)`` of the steps inside ``stage`` (positions count from 1 over the route)."""
        return tuple((n, step) for n, step in enumerate(self.steps, start=1) if step.stage == stage)

    def with_meta(self, **changes: Any) -> Route:
        """A copy with other stored attributes (id, version, active, meta)."""
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """The contract shape (DESIGN.md §7a), plus ``id``, ``version`` and ``active`` when stored."""
        body: dict[str, Any] = {"name": self.name, "catalog_codes": list(self.catalog_codes),
                                "departments": list(self.departments), "steps": [s.to_json() for s in self.steps]}
        if self.id is not None:
            body = {"id": self.id, **body, "active": self.active, "version": self.version}
        return body


# -- parsing -----------------------------------------------------------------------------------

def _text(value: Any, field_name: str, max_len: int = MAX_NAME) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed("%(field)s 不能为空", code="missing_field", field=field_name)
    text = check_text(value.strip(), field_name, single_line=True)
    if len(text) > max_len:
        raise ValidationFailed("%(field)s 过长（最多 %(max)d 个字符）", code="too_long", field=field_name, max=max_len)
    return text


def _codes(value: Any, field_name: str, max_items: int = MAX_SCOPE) -> tuple[str, ...]:
    """A list of distinct non-empty codes, in the order given (absent or null: none)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValidationFailed("%(field)s 必须是列表", code="invalid_type", field=field_name)
    if len(value) > max_items:
        raise ValidationFailed("%(field)s 最多 %(max)d 项", code="too_many", field=field_name, max=max_items)
    codes = [_text(code, field_name, 64) for code in value]
    return tuple(dict.fromkeys(codes))


def _workdays(value: Any, field_name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_STEP_WORKDAYS:
        raise ValidationFailed("%(field)s 必须是 1 到 %(max)d 之间的工作日数", code="invalid_value",
                               field=field_name, max=MAX_STEP_WORKDAYS)
    return value


def _unknown_fields(data: dict[str, Any], allowed: set[str], prefix: str = "") -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationFailed("未知字段：%(field)s", code="unknown_field", field=prefix + unknown[0])


def parse_step(data: Any, index: int) -> RouteStep:
    """One step of the request body; ``index`` (from 0) names it in errors (``steps[0].quorum``)."""
    prefix = f"steps[{index}]."
    if not isinstance(data, dict):
        raise ValidationFailed("%(field)s 必须是对象", code="invalid_type", field=f"steps[{index}]")
    _unknown_fields(data, STEP_FIELDS, prefix)
    stage = data.get("stage")
    if stage not in ROUTE_STAGES:
        raise ValidationFailed("%(field)s 必须是 secrecy_review（保密审查）或 approval（审批）",
                               code="invalid_stage", field=prefix + "stage")
    role = data.get("role")
    if role not in STEP_ROLES:
        raise ValidationFailed("%(field)s 必须是 reviewer（保密审查员）或 approver（审批人）",
                               code="unknown_role", field=prefix + "role")
    department = data.get("department")
    users = _codes(data.get("users"), prefix + "users", MAX_USERS)
    if department not in (None, "") and users:
        raise ValidationFailed("%(field)s：指定部门与指定人员只能选其一", code="invalid_value",
                               field=prefix + "department")
    if department not in (None, ""):
        deciders = Deciders(DEPARTMENT, role, department=_text(department, prefix + "department", 32))
    elif users:
        deciders = Deciders(USERS, role, users=users)
    elif data.get("users") is not None:
        raise ValidationFailed("%(field)s 不能为空", code="missing_field", field=prefix + "users")
    else:
        deciders = Deciders(ITEM_DEPARTMENT, role)
    return RouteStep(stage=stage, name=_text(data.get("name"), prefix + "name"), deciders=deciders,
                     quorum=parse_quorum(data.get("quorum"), prefix + "quorum"),
                     workdays=_workdays(data.get("workdays"), prefix + "workdays"))


def parse_route(data: Any) -> Route:
    """A route from the request body; ``ValidationFailed`` (422) naming the first bad field."""
    if not isinstance(data, dict):
        raise ValidationFailed("请求体必须是对象", code="invalid_type", field="route")
    _unknown_fields(data, ROUTE_FIELDS)
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise ValidationFailed("路线至少需要一个步骤", code="missing_field", field="steps")
    if len(steps) > MAX_STEPS:
        raise ValidationFailed("%(field)s 最多 %(max)d 项", code="too_many", field="steps", max=MAX_STEPS)
    active = data.get("active", True)
    if not isinstance(active, bool):
        raise ValidationFailed("%(field)s 必须是 true 或 false", code="invalid_type", field="active")
    return Route(name=_text(data.get("name"), "name"), steps=tuple(parse_step(s, n) for n, s in enumerate(steps)),
                 catalog_codes=_codes(data.get("catalog_codes"), "catalog_codes"),
                 departments=_codes(data.get("departments"), "departments"), active=active)
