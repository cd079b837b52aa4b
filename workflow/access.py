"""Who may see and do what: roles, department scope, separation of duties."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from workflow.errors import Forbidden
from workflow.i18n import gettext

DRAFTER, REVIEWER, APPROVER, ADMIN = "drafter", "reviewer", "approver", "admin"
ROLE_LABELS = {DRAFTER: "起草人", REVIEWER: "保密审查员", APPROVER: "审批人", ADMIN: "信息公开办公室管理员"}


@dataclass(frozen=True)
class Actor:
    """The person (or the scheduler) acting; a snapshot detached from the session."""

    id: int | None
    username: str
    roles: frozenset[str]
    department_ids: frozenset[int]
    all_departments: bool = False
    is_department_head: bool = False
    is_office_head: bool = False

    @property
    def is_system(self) -> bool:
        return self.id is None

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def covers(self, department_id: int) -> bool:
        """Whether ``department_id`` is within this actor's scope."""
        return self.all_departments or department_id in self.department_ids

    def acts_as(self, role: str, department_id: int) -> bool:
        """Holds ``role`` for that department."""
        return self.has_role(role) and self.covers(department_id)


SYSTEM = Actor(id=None, username="system", roles=frozenset({ADMIN}), department_ids=frozenset(), all_departments=True)


def actor_from_user(user: object) -> Actor:
    """Snapshot a ``db.models.User`` as an Actor."""
    return Actor(
        id=user.id,  # type: ignore[attr-defined]
        username=user.username,  # type: ignore[attr-defined]
        roles=frozenset(user.roles),  # type: ignore[attr-defined]
        department_ids=frozenset(user.department_ids),  # type: ignore[attr-defined]
        all_departments=bool(user.all_departments),  # type: ignore[attr-defined]
        is_department_head=bool(user.is_department_head),  # type: ignore[attr-defined]
        is_office_head=bool(user.is_office_head),  # type: ignore[attr-defined]
    )


def can_view_item(actor: Actor, department_id: int, state: str) -> bool:
    """Admins see everything; others their departments' items, and anything published."""
    return actor.is_admin or actor.covers(department_id) or state == "published"


def require_role(actor: Actor, role: str, department_id: int | None = None) -> None:
    """Raise Forbidden unless ``actor`` holds ``role`` (for ``department_id`` when given)."""
    allowed = actor.has_role(role) if department_id is None else actor.acts_as(role, department_id)
    if not allowed:
        raise Forbidden("您没有执行此操作的权限（需要%(role)s角色）", role=gettext(ROLE_LABELS.get(role, role)))


def require_any_role(actor: Actor, roles: Iterable[str]) -> None:
    """Raise Forbidden unless ``actor`` holds at least one of ``roles``."""
    if not any(actor.has_role(role) for role in roles):
        raise Forbidden("您没有执行此操作的权限")
