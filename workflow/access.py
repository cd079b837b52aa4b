"""Who may see and do what: roles, department scope, separation of duties.

Two visibility rules live here and nowhere else:

* **Public** (:func:`is_public`, :func:`public_items_filter`): only a published ``disclosure``
  item is ever public. A reply letter (kind ``reply``) never is, whatever state it or its
  application is in. Every public read (directory, search, feed, public page and attachments,
  public API, reports and 清单 coverage) goes through them.
* **Internals** (:func:`sees_internals`): earlier revisions, diffs, findings, the history with
  its reasons and decisions, checklists and non-public attachments belong to the item's own
  department scope and admins. Staff outside see of a published item what the public sees.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_

from db.models.items import DISCLOSURE, Item
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


def is_public(state: str, kind: str | None) -> bool:
    """Whether an item in ``state`` of ``kind`` is public: published disclosure items only."""
    return state == "published" and (kind or DISCLOSURE) == DISCLOSURE


def disclosure_filter() -> Any:
    """SQL condition: 主动公开 items only, never a reply letter. The yearly report's ``active``
    figures and the 清单 coverage count these (whatever their state now)."""
    return Item.kind == DISCLOSURE


def public_items_filter() -> Any:
    """SQL condition of :func:`is_public`: the one filter of every public query."""
    return and_(Item.state == "published", disclosure_filter())


def sees_internals(actor: Actor, department_id: int) -> bool:
    """Whether ``actor`` sees an item's internals (earlier revisions, diffs, findings, history,
    non-public attachments): admins and the item's own department scope only."""
    return actor.is_admin or actor.covers(department_id)


def can_view_item(actor: Actor, department_id: int, state: str, kind: str | None = DISCLOSURE) -> bool:
    """Admins and the department scope see the item; others only what is public."""
    return sees_internals(actor, department_id) or is_public(state, kind)


def require_role(actor: Actor, role: str, department_id: int | None = None) -> None:
    """Raise Forbidden unless ``actor`` holds ``role`` (for ``department_id`` when given)."""
    allowed = actor.has_role(role) if department_id is None else actor.acts_as(role, department_id)
    if not allowed:
        raise Forbidden("您没有执行此操作的权限（需要%(role)s角色）", role=gettext(ROLE_LABELS.get(role, role)))
