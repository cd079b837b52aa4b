"""People's 企业微信 / 钉钉 accounts: admins set the userids, each person chooses whether to get IM messages."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select, update

from db.models import User
from workflow import audit
from workflow.access import ADMIN, Actor, require_role
from workflow.context import Gongkai
from workflow.errors import NotFound, ValidationFailed
from workflow.i18n import N_, _

USERID_MAX = 64  # both platforms: at most 64 characters
# 企业微信 userids are letters, digits and _ - @ . ; 钉钉 userids are letters and digits (and the same signs
# in older directories): the union, nothing that could break a query string or a JSON field.
USERID_RE = re.compile(r"[A-Za-z0-9_.@-]+")
FIELDS = {"wecom_userid": N_("企业微信账号"), "dingtalk_userid": N_("钉钉账号")}


def clean_userid(value: Any, field: str) -> str | None:
    """A userid as stored: stripped, None when empty; bad length or characters → ValidationFailed (422)."""
    text = str(value or "").strip()
    if not text:
        return None
    if len(text) > USERID_MAX or not USERID_RE.fullmatch(text):
        raise ValidationFailed("%(label)s无效：只能包含字母、数字和 _ - @ .，最长 64 个字符", field=field,
                               label=_(FIELDS[field]), code="invalid_value")
    return text


def set_userids(app: Gongkai, actor: Actor, username: str, data: dict[str, Any]) -> dict[str, Any]:
    """Admin: set a person's 企业微信 / 钉钉 userids (empty clears one); audited."""
    require_role(actor, ADMIN)
    values = {field: clean_userid(data.get(field), field) for field in FIELDS if field in data}
    with app.db.write() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound("用户不存在")
        before = {field: getattr(user, field) for field in values}
        if values and before != values:
            session.execute(update(User).where(User.id == user.id).values(**values))
            audit.append(session, at=app.now(), actor=actor, subject=f"user:{username}", action="im_ids_set",
                         data={"before": before, "after": values})
        return {"username": username, **{field: values.get(field, getattr(user, field)) for field in FIELDS}}


def my_accounts(app: Gongkai, actor: Actor) -> dict[str, Any]:
    """The actor's userids and whether they want IM messages."""
    with app.db.read() as session:
        user = session.get(User, actor.id)
        if user is None:
            raise NotFound("用户不存在")
        return {"wecom_userid": user.wecom_userid, "dingtalk_userid": user.dingtalk_userid,
                "im_enabled": bool(user.im_enabled)}


def set_im_enabled(app: Gongkai, actor: Actor, enabled: bool) -> dict[str, Any]:
    """The actor turns 企业微信 / 钉钉 messages on or off for themself."""
    with app.db.write() as session:
        session.execute(update(User).where(User.id == actor.id).values(im_enabled=bool(enabled)))
    return my_accounts(app, actor)
