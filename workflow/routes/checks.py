"""What is wrong with a route, in plain Chinese: at save time (``check_route``) and at submission
(``check_route_for_item``). Each problem names the step and, where it matters, the department.

Save time checks the shape (a step in each stage, secrecy review before approval, distinct step
names, a scope), the names (categories, departments, users and their roles), ties with other
routes, and — for every department in the route's scope — whether each step can reach its quorum
with distinct people (``workflow.routes.eligibility``). The scope is the route's departments, or,
for a route by 清单 category alone, every department somebody can draft in (an item can come
from any of them). Nobody is excluded yet at save time; at submission the item's author, submitter
and contributors are.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from db.models.routes import ROUTE_STAGES
from workflow.access import DRAFTER, ROLE_LABELS
from workflow.i18n import N_, gettext
from workflow.routes.eligibility import Directory, ItemFacts, StepReach, analyse
from workflow.routes.model import DEPARTMENT, USERS, Route
from workflow.routes.resolution import ties

STAGE_LABELS = {"secrecy_review": N_("保密审查"), "approval": N_("审批")}  # the item states' labels


@dataclass(frozen=True)
class Problem:
    """One thing that stops a route from working; ``message`` is a msgid filled with ``params``."""

    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    step: int | None = None          # position, from 1
    department: str | None = None    # code
    field: str | None = None         # the request field it is about

    @property
    def text(self) -> str:
        """The message in the current locale."""
        return gettext(self.message, **self.params)

    def to_dict(self) -> dict[str, Any]:
        """The API form (``details.problems[]``)."""
        return {"code": self.code, "message": self.text, "step": self.step, "department": self.department,
                "field": self.field}


def _step_name(route: Route, position: int) -> str:
    return gettext(route.steps[position - 1].name)


def _shape(route: Route) -> list[Problem]:
    problems = []
    for stage in ROUTE_STAGES:
        if not route.stage_steps(stage):
            problems.append(Problem("stage_without_step", N_("路线在“%(stage)s”阶段至少需要一个步骤"),
                                    {"stage": gettext(STAGE_LABELS[stage])}, field="steps"))
    order = [ROUTE_STAGES.index(step.stage) for step in route.steps]
    for n in range(1, len(order)):
        if order[n] < order[n - 1]:
            problems.append(Problem("stage_order", N_("步骤“%(step)s”属于保密审查，不能排在审批步骤之后"),
                                    {"step": route.steps[n].name}, step=n + 1, field=f"steps[{n}].stage"))
    seen: set[str] = set()
    for n, step in enumerate(route.steps, 1):
        if step.name in seen:
            problems.append(Problem("duplicate_step_name", N_("步骤名称“%(step)s”重复"), {"step": step.name},
                                    step=n, field=f"steps[{n - 1}].name"))
        seen.add(step.name)
    if not route.catalog_codes and not route.departments:
        problems.append(Problem("route_without_scope", N_("请至少选择一个清单类别或部门：没有适用范围的路线就是默认路线，"
                                "默认路线由系统按现行流程生成"), field="catalog_codes"))
    return problems


def _names(route: Route, directory: Directory) -> list[Problem]:
    problems = []
    for code in route.catalog_codes:
        if code not in directory.categories:
            problems.append(Problem("unknown_category", N_("未知的清单类别：%(value)s"), {"value": code},
                                    field="catalog_codes"))
    for code in route.departments:
        if code not in directory.departments:
            problems.append(Problem("unknown_department", N_("未知或已停用的部门：%(value)s"), {"value": code},
                                    field="departments"))
    for n, step in enumerate(route.steps, 1):
        deciders = step.deciders
        if deciders.kind == DEPARTMENT and deciders.department not in directory.departments:
            problems.append(Problem("unknown_department", N_("步骤“%(step)s”：未知或已停用的部门：%(value)s"),
                                    {"step": step.name, "value": deciders.department}, step=n,
                                    field=f"steps[{n - 1}].department"))
        if deciders.kind == USERS:
            problems.extend(_named_users(step.name, deciders.users, deciders.role, n, directory))
    return problems


def _named_users(step_name: str, usernames: Iterable[str], role: str, n: int, directory: Directory) -> list[Problem]:
    problems = []
    for username in usernames:
        person = directory.person(username)
        if person is None:
            problems.append(Problem("unknown_user", N_("步骤“%(step)s”：用户不存在或已停用：%(user)s"),
                                    {"step": step_name, "user": username}, step=n, field=f"steps[{n - 1}].users"))
        elif role not in person.roles:
            problems.append(Problem("user_lacks_role", N_("步骤“%(step)s”：%(user)s 没有%(role)s角色"),
                                    {"step": step_name, "user": directory.display(username),
                                     "role": gettext(ROLE_LABELS[role])}, step=n, field=f"steps[{n - 1}].users"))
    return problems


def _reach_problems(route: Route, reach: list[StepReach], department: str, directory: Directory) -> list[Problem]:
    problems = []
    dept_name = directory.departments.get(department, department)
    for step in reach:
        if step.reachable:
            continue
        params = {"step": gettext(step.step.name), "department": dept_name, "needed": step.needed,
                  "eligible": len(step.eligible)}
        if step.too_few:
            problems.append(Problem("too_few_eligible", N_("步骤“%(step)s”（%(department)s的事项）需要 %(needed)d 人决定，"
                                    "但只有 %(eligible)d 人有资格"), params, step=step.position, department=department))
        else:
            others = "、".join(f"“{_step_name(route, n)}”" for n in step.blocked_by)
            problems.append(Problem("needed_elsewhere", N_("步骤“%(step)s”（%(department)s的事项）需要 %(needed)d 人决定，"
                                    "有资格的 %(eligible)d 人中有人已须在步骤%(others)s中决定；同一稿件每人只能决定一次"),
                                    {**params, "others": others}, step=step.position, department=department))
    return problems


def scope_departments(route: Route, directory: Directory) -> tuple[str, ...]:
    """The departments whose items the route may take: its own, or every one somebody drafts in."""
    if route.departments:
        return tuple(code for code in route.departments if code in directory.departments)
    return tuple(code for code in directory.departments
                 if any(p.acts_as(DRAFTER, code) for p in directory.people))


def check_route(route: Route, directory: Directory, others: Iterable[Route] = ()) -> list[Problem]:
    """Every problem of ``route`` at save time (empty: it may be saved). ``others``: the stored routes."""
    problems = _shape(route) + _names(route, directory)
    for other in ties(route, others):
        problems.append(Problem("route_tie", N_("与路线“%(other)s”的适用范围相同且重叠，无法确定事项走哪条路线"),
                                {"other": other.name}, field="departments" if route.departments else "catalog_codes"))
    if problems or not route.active:
        return problems
    for department in scope_departments(route, directory):
        problems += _reach_problems(route, analyse(route, department, directory), department, directory)
    return problems


def check_route_for_item(route: Route, item: ItemFacts, directory: Directory) -> list[Problem]:
    """Problems of ``route`` for this item at submission: each step reachable without its author,
    submitter and contributors, and nobody deciding twice."""
    return _reach_problems(route, analyse(route, item.department, directory, item.excluded), item.department,
                           directory)
