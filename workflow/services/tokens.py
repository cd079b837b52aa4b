"""API tokens: issue with an expiry, list, revoke, and resolve a bearer token to its user.

Only a token's SHA-256 is stored; the token itself is shown once. A token expires after
``auth.token_days`` unless another lifetime is asked for (at most ``auth.token_max_days``);
``last_used_at`` is written at most once a minute per token so that API reads stay reads.
Issuing and revoking are audited.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from db.models import ApiToken, User
from workflow import audit
from workflow.access import ADMIN, Actor, actor_from_user
from workflow.clock import SHANGHAI
from workflow.context import Gongkai
from workflow.errors import Forbidden, NotAuthenticated, NotFound, ValidationFailed

TOKEN_PREFIX = "gk_"
LAST_USED_EVERY = timedelta(minutes=1)
TOKEN_INPUT_MAX = 200  # longer bearer values are not ours; refuse before hashing


@dataclass(frozen=True)
class TokenInfo:
    """What a token's owner or an admin may see of it (never the token)."""

    id: int
    username: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    status: str  # active | expired | revoked


def hash_token(token: str) -> str:
    """SHA-256 of a bearer token (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _status(row: ApiToken, now: datetime) -> str:
    if row.revoked:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    return "active"


def _info(row: ApiToken, now: datetime) -> TokenInfo:
    return TokenInfo(row.id, row.user.username, row.label, row.created_at, row.expires_at, row.last_used_at,
                     row.revoked_at, _status(row, now))


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        raise NotFound("用户不存在：%(name)s", code="unknown_user", name=username)
    return user


def _may_manage(actor: Actor | None, user: User) -> None:
    """The operator (CLI, actor None), the token's owner, or an admin."""
    if actor is not None and actor.id != user.id and ADMIN not in actor.roles:
        raise Forbidden("只能管理自己的令牌", code="forbidden")


def lifetime_days(app: Gongkai, expires_days: int | None) -> int:
    """The lifetime asked for, or the default; ValidationFailed outside 1..token_max_days."""
    days = int(app.settings.get("auth.token_days", 90)) if expires_days is None else int(expires_days)
    most = int(app.settings.get("auth.token_max_days", 730))
    if not 1 <= days <= most:
        raise ValidationFailed("令牌有效期须为 1 到 %(most)d 天", code="invalid_value", field="expires_days", most=most)
    return days


def create_token(app: Gongkai, username: str, label: str = "", *, expires_days: int | None = None,
                 actor: Actor | None = None) -> str:
    """A new API token for ``username``, valid for ``expires_days`` (default ``auth.token_days``)."""
    days = lifetime_days(app, expires_days)
    label = (label or "")[:100]
    now = app.now()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with app.db.write() as session:
        user = session.scalar(select(User).where(User.username == (username or "").strip()))
        if user is None:
            raise ValidationFailed("用户不存在：%(name)s", code="unknown_user", field="username", name=username)
        _may_manage(actor, user)
        row = ApiToken(user_id=user.id, token_hash=hash_token(token), label=label, created_at=now,
                       expires_at=now + timedelta(days=days), revoked=False)
        session.add(row)
        session.flush()
        audit.append(session, at=now, actor=actor, subject=f"user:{user.username}", action="token_create",
                     data={"label": label, "token_id": row.id, "expires_at": row.expires_at.isoformat()})
    return token


def list_tokens(app: Gongkai, username: str, actor: Actor | None = None) -> list[TokenInfo]:
    """The tokens of ``username``, newest first (owner, admin or the CLI)."""
    now = app.now()
    with app.db.read() as session:
        user = _user(session, username)
        _may_manage(actor, user)
        rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()))
        return [_info(row, now) for row in rows]


def revoke_tokens(app: Gongkai, username: str, *, token_id: int | None = None, all_tokens: bool = False,
                  actor: Actor | None = None) -> list[int]:
    """Revoke one token (by id) or all of ``username``'s tokens; returns the ids revoked now."""
    if (token_id is None) == (not all_tokens):
        raise ValidationFailed("请指定要撤销的令牌编号，或选择撤销全部", code="invalid_value", field="token_id")
    now = app.now()
    with app.db.write() as session:
        user = _user(session, username)
        _may_manage(actor, user)
        query = select(ApiToken).where(ApiToken.user_id == user.id)
        if token_id is not None:
            if not 0 < token_id < 2 ** 31:  # beyond the column's range: no such token (never a 500)
                raise NotFound("令牌不存在：%(id)s", code="unknown_token", id=token_id)
            query = query.where(ApiToken.id == token_id)
            if session.scalar(query) is None:
                raise NotFound("令牌不存在：%(id)s", code="unknown_token", id=token_id)
        rows = [row for row in session.scalars(query.where(ApiToken.revoked.is_(False)).order_by(ApiToken.id))]
        for row in rows:
            row.revoked, row.revoked_at = True, now
        if rows:
            session.flush()
            audit.append(session, at=now, actor=actor, subject=f"user:{user.username}", action="token_revoke",
                         data={"token_ids": [row.id for row in rows]})
    return [row.id for row in rows]


def actor_for_token(app: Gongkai, token: str) -> Actor:
    """The actor behind a bearer token; NotAuthenticated (401) naming why when it cannot be used."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > TOKEN_INPUT_MAX:
        raise NotAuthenticated("令牌无效", code="invalid_token")
    now = app.now()
    with app.db.read() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
        if row is None or not row.user.active:
            raise NotAuthenticated("令牌无效", code="invalid_token")
        if row.revoked:
            raise NotAuthenticated("令牌已于 %(at)s 撤销，请申请新的令牌", code="token_revoked",
                                   at=_local(row.revoked_at))
        if row.expires_at is not None and row.expires_at <= now:
            raise NotAuthenticated("令牌已于 %(at)s 过期，请申请新的令牌", code="token_expired",
                                   at=_local(row.expires_at))
        actor = actor_from_user(row.user)
        stale = row.last_used_at is None or row.last_used_at <= now - LAST_USED_EVERY
        token_id = row.id
    if stale:
        _touch(app, token_id, now)
    return actor


def _touch(app: Gongkai, token_id: int, now: datetime) -> None:
    """Record a use; the condition makes concurrent requests of several workers write once."""
    with app.db.write() as session:
        session.execute(update(ApiToken).where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - LAST_USED_EVERY),
        ).values(last_used_at=now))


def _local(at: datetime | None) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if at else "-"
