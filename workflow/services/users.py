"""Departments, users, passwords and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Iterable

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from db.models import ROLES, ApiToken, Department, User, UserRole
from workflow import audit
from workflow.access import ADMIN, Actor, actor_from_user, require_role
from workflow.context import Gongkai
from workflow.errors import Conflict, NotAuthenticated, ValidationFailed

TOKEN_PREFIX = "gk_"
MIN_PASSWORD_LENGTH = 8
# A real hash to compare against when the user does not exist, so timing does not tell.
_DUMMY_HASH = generate_password_hash("not-a-real-password-for-timing")


def hash_token(token: str) -> str:
    """SHA-256 of a bearer token (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_password(password: str, method: str = "scrypt") -> str:
    """A salted hash (werkzeug; scrypt unless ``security.password_hash_method`` says otherwise)."""
    return generate_password_hash(password, method=method)


def _method(app: Gongkai) -> str:
    return str(app.settings.get("security.password_hash_method", "scrypt"))


def add_department(app: Gongkai, code: str, name: str, actor: Actor | None = None) -> Department:
    """Create a department; codes are unique."""
    code, name = (code or "").strip(), (name or "").strip()
    if not code or not name or len(code) > 32 or len(name) > 100:
        raise ValidationFailed("部门代码和名称不能为空，代码最多32个字符", code="invalid_value", field="code")
    if actor is not None:
        require_role(actor, ADMIN)
    now = app.now()
    with app.db.write() as session:
        if session.scalar(select(Department.id).where(Department.code == code)) is not None:
            raise Conflict("部门代码已存在：%(dept)s", code="department_exists", dept=code)
        department = Department(code=code, name=name, active=True)
        session.add(department)
        session.flush()
        audit.append(session, at=now, actor=actor, subject=f"department:{code}", action="department_add",
                     data={"code": code, "name": name})
    return department


def _resolve_departments(session, codes: Iterable[str]) -> tuple[list[Department], bool]:
    wanted = [c.strip() for c in codes if c and c.strip()]
    if "*" in wanted:
        return [], True
    found = list(session.scalars(select(Department).where(Department.code.in_(wanted))))
    missing = sorted(set(wanted) - {d.code for d in found})
    if missing:
        raise ValidationFailed("未知的部门：%(dept)s", code="unknown_department", field="department",
                               dept="、".join(missing))
    return found, False


def add_user(app: Gongkai, username: str, *, roles: Iterable[str], departments: Iterable[str],
             password: str | None = None, email: str | None = None, display_name: str = "",
             department_head: bool = False, office_head: bool = False, notify_pref: str = "daily_digest",
             actor: Actor | None = None) -> User:
    """Create a user with roles and department scope (``*`` = all departments)."""
    username = (username or "").strip()
    role_list = sorted({r.strip() for r in roles if r and r.strip()})
    if not username or len(username) > 64:
        raise ValidationFailed("用户名不能为空且最多64个字符", code="invalid_value", field="username")
    unknown = [r for r in role_list if r not in ROLES]
    if unknown or not role_list:
        raise ValidationFailed("未知的角色：%(roles)s（可选 drafter、reviewer、approver、admin）",
                               code="invalid_value", field="role", roles="、".join(unknown) or "-")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed("密码至少 %(n)d 位", code="weak_password", field="password", n=MIN_PASSWORD_LENGTH)
    if actor is not None:
        require_role(actor, ADMIN)
    now = app.now()
    with app.db.write() as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict("用户名已存在：%(name)s", code="user_exists", name=username)
        scope, all_departments = _resolve_departments(session, departments)
        user = User(username=username, display_name=display_name or username, email=email,
                    password_hash=hash_password(password, _method(app)) if password else None, all_departments=all_departments,
                    is_department_head=department_head, is_office_head=office_head, notify_pref=notify_pref,
                    created_at=now)
        user.role_rows = [UserRole(role=role) for role in role_list]
        user.departments = scope
        session.add(user)
        session.flush()
        audit.append(session, at=now, actor=actor, subject=f"user:{username}", action="user_add",
                     data={"roles": role_list, "departments": "*" if all_departments else
                           sorted(d.code for d in scope)})
    return user


def create_token(app: Gongkai, username: str, label: str = "") -> str:
    """A new API token for ``username``; only its hash is stored, the token is shown once."""
    now = app.now()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with app.db.write() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise ValidationFailed("用户不存在：%(name)s", code="unknown_user", field="username", name=username)
        session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), label=label, created_at=now))
        audit.append(session, at=now, actor=None, subject=f"user:{username}", action="token_create",
                     data={"label": label})
    return token


def actor_for_token(app: Gongkai, token: str) -> Actor:
    """The actor behind a bearer token, or NotAuthenticated."""
    if not token or not token.startswith(TOKEN_PREFIX):
        raise NotAuthenticated("令牌无效", code="invalid_token")
    with app.db.read() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
        if row is None or row.revoked or not row.user.active:
            raise NotAuthenticated("令牌无效或已撤销", code="invalid_token")
        return actor_from_user(row.user)


def actor_for_user_id(app: Gongkai, user_id: int) -> Actor | None:
    """The actor of an active user (session logins)."""
    found = session_user(app, user_id)
    return found[0] if found else None


def session_user(app: Gongkai, user_id: int) -> tuple[Actor, str] | None:
    """The actor and preferred locale of an active user, in one look-up (every UI request)."""
    with app.db.read() as session:
        user = session.get(User, user_id)
        return (actor_from_user(user), user.locale) if user and user.active else None


def authenticate(app: Gongkai, username: str, password: str) -> Actor:
    """Check a password with lock-out after repeated failures; NotAuthenticated when wrong."""
    now = app.now()
    max_failures = int(app.settings["security.login_max_failures"])
    lockout = timedelta(seconds=int(app.settings["security.login_lockout_seconds"]))
    with app.db.write() as session:
        user = session.scalar(select(User).where(User.username == (username or "").strip()))
        if user is None or not user.active or not user.password_hash:
            check_password_hash(_DUMMY_HASH, password or "")
            raise NotAuthenticated("用户名或密码错误", code="bad_credentials")
        if user.locked_until and user.locked_until > now:
            raise NotAuthenticated("登录失败次数过多，请稍后再试", code="locked")
        if not check_password_hash(user.password_hash, password or ""):
            user.failed_logins = (user.failed_logins or 0) + 1
            if user.failed_logins >= max_failures:
                user.locked_until, user.failed_logins = now + lockout, 0
            return_error = NotAuthenticated("用户名或密码错误", code="bad_credentials")
        else:
            user.failed_logins, user.locked_until = 0, None
            return actor_from_user(user)
    raise return_error


def change_password(app: Gongkai, actor: Actor, old_password: str, new_password: str) -> None:
    """Change one's own password (the old one must be right)."""
    if len(new_password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed("密码至少 %(n)d 位", code="weak_password", field="new_password", n=MIN_PASSWORD_LENGTH)
    now = app.now()
    with app.db.write() as session:
        user = session.get(User, actor.id)
        if user is None or not user.password_hash or not check_password_hash(user.password_hash, old_password or ""):
            raise ValidationFailed("原密码不正确", code="bad_credentials", field="old_password")
        user.password_hash = hash_password(new_password, _method(app))
        audit.append(session, at=now, actor=actor, subject=f"user:{user.username}", action="password_change")


def user_by_name(app: Gongkai, username: str) -> User | None:
    """Look a user up by name."""
    with app.db.read() as session:
        return session.scalar(select(User).where(User.username == username))
