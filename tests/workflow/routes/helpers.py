"""Building routes and directories for the route tests."""
from __future__ import annotations

from typing import Any

from workflow.routes import Directory, Person, Route, parse_route

DEPARTMENTS = {"xsc": "学生处", "jwc": "教务处", "bmb": "保密办", "zsjyc": "招生就业处", "cwc": "财务处"}
CATEGORIES = {"zsks": "招生考试信息", "cwzc": "财务、资产及收费信息", "jbxx": "基本信息"}


def person(username: str, roles: str, departments: str = "", all_departments: bool = False) -> Person:
    """``person("r1", "reviewer", "xsc jwc")``."""
    return Person(username, username.upper(), frozenset(roles.split()), frozenset(departments.split()), all_departments)


def directory(*people: Person) -> Directory:
    return Directory(tuple(people), DEPARTMENTS, CATEGORIES)


def step(stage: str, name: str, role: str, quorum: Any = "any", **who: Any) -> dict[str, Any]:
    return {"stage": stage, "name": name, "role": role, "quorum": quorum, **who}


def route(*steps: dict[str, Any], name: str = "测试路线", catalog_codes: tuple[str, ...] = (),
          departments: tuple[str, ...] = ("xsc",), route_id: int | None = None) -> Route:
    parsed = parse_route({"name": name, "catalog_codes": list(catalog_codes), "departments": list(departments),
                          "steps": list(steps)})
    return parsed.with_meta(id=route_id, version=1 if route_id else None)


REVIEW = step("secrecy_review", "保密审查", "reviewer")
APPROVE = step("approval", "审批", "approver")
