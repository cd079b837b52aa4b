"""Routes in plain words (Chinese msgids, translated at call time): for the admin pages, the
``gongkai route`` commands and the help page, so that all three say the same thing the same way.

Pure: it reads a ``Route``/``RouteStep`` and the ``Directory`` of names, never the database.
"""
from __future__ import annotations

from workflow.access import ROLE_LABELS
from workflow.i18n import gettext as _
from workflow.routes.checks import STAGE_LABELS
from workflow.routes.eligibility import Directory, eligible
from workflow.routes.model import ALL, ANY, DEPARTMENT, ITEM_DEPARTMENT, Route, RouteStep


def who_decides(step: RouteStep, directory: Directory, department: str | None = None) -> str:
    """Who decides ``step``: the role of the item's department (named when ``department``, the item's
    department code, is given), the role of a named department, or the named people."""
    deciders, role = step.deciders, _(ROLE_LABELS[step.deciders.role])
    if deciders.kind == ITEM_DEPARTMENT and department is None:
        return _("事项所在部门的%(role)s", role=role)
    if deciders.kind in (ITEM_DEPARTMENT, DEPARTMENT):
        code = (department if deciders.kind == ITEM_DEPARTMENT else deciders.department) or ""
        return _("%(department)s的%(role)s", department=directory.departments.get(code, code), role=role)
    return "、".join(directory.display(u) for u in deciders.users)


def quorum_agree(step: RouteStep) -> str:
    """How many must agree, for the route lists: 任一人同意, 全部同意, 3人中2人同意 (named people), 2人同意."""
    quorum = step.quorum
    if quorum.kind == ANY:
        return _("任一人同意")
    if quorum.kind == ALL:
        return _("全部同意")
    if step.deciders.users:
        return _("%(of)d人中%(count)d人同意", of=len(step.deciders.users), count=quorum.count or 1)
    return _("%(count)d人同意", count=quorum.count or 1)


def quorum_of_item(step: RouteStep, directory: Directory, department: str, needed: int) -> str:
    """The quorum of a step for one item (its department's code; ``needed`` as counted at submission):
    任一人, 全部 (全部3人), 3人中2人 (N of those who may decide it now), or 2人."""
    quorum = step.quorum
    if quorum.kind == ANY:
        return _("任一人")
    if quorum.kind == ALL:
        return _("全部%(count)d人", count=needed) if needed > 1 else _("全部")
    count = quorum.count or 1
    of = len(eligible(step, department, directory))
    return _("%(of)d人中%(count)d人", of=of, count=count) if of > count else _("%(count)d人", count=count)


def stage_label(stage: str) -> str:
    """保密审查 or 审批."""
    return _(STAGE_LABELS[stage])


def describe_step(step: RouteStep, directory: Directory) -> dict[str, str]:
    """A step in plain Chinese: stage, name, who decides, how many must agree, its own working days."""
    workdays = _("限%(days)d个工作日", days=step.workdays) if step.workdays else ""
    return {"stage": stage_label(step.stage), "name": _(step.name), "who": who_decides(step, directory),
            "quorum": quorum_agree(step), "workdays": workdays}


def describe_scope(route: Route, directory: Directory) -> str:
    """Which items the route applies to, in words."""
    categories = "、".join(directory.categories.get(c, c) for c in route.catalog_codes)
    departments = "、".join(directory.departments.get(d, d) for d in route.departments)
    if categories and departments:
        return _("%(departments)s的“%(categories)s”类事项", departments=departments, categories=categories)
    if departments:
        return _("%(departments)s的全部事项", departments=departments)
    if categories:
        return _("各部门的“%(categories)s”类事项", categories=categories)
    return _("其他路线都不适用的事项")


__all__ = ["STAGE_LABELS", "describe_scope", "describe_step", "quorum_agree", "quorum_of_item", "stage_label", "who_decides"]
