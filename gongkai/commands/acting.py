"""Who a command acts as: ``--as USERNAME`` (an active user; the verbs refuse what that user may not do) or
the system actor — one rule for every command that takes ``--as``."""
from __future__ import annotations

from workflow.access import SYSTEM, Actor
from workflow.context import Gongkai
from workflow.errors import NotFound


def acting(app: Gongkai, username: str | None) -> Actor:
    """The system actor, or the active user ``username`` (NotFound, shown as one clear line, otherwise)."""
    from workflow.services.users import actor_for_user_id, user_by_name
    if username is None:
        return SYSTEM
    user = user_by_name(app, username)
    found = actor_for_user_id(app, user.id) if user is not None else None
    if found is None:
        raise NotFound("用户不存在或已停用：%(name)s", code="unknown_user", name=username)
    return found
