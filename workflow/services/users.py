"""Departments, users and passwords (logging in: services/login.py; API tokens: services/tokens.py)."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from db.models import ROLES, Department, User, UserRole
from workflow import audit
from workflow.access import ADMIN, Actor, actor_from_user, require_role
from workflow.context import Gongkai
from workflow.identity import local_login
from workflow.errors import Conflict, NotFound, ValidationFailed
from workflow.passwords import check_password
from workflow.services import sessions
# Tokens moved to their own module; these names stay importable from here for existing callers.
from workflow.services.tokens import TOKEN_PREFIX, actor_for_token, create_token, hash_token  # noqa: F401


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


def _resolve_departments(session: Session, codes: Iterable[str]) -> tuple[list[Department], bool]:
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
    if not username or len(username) > 64:
        raise ValidationFailed("用户名不能为空且最多64个字符", code="invalid_value", field="username")
    role_list = _role_list(roles, allow_none=False)
    if password is not None:
        check_password(app.settings, password, username)
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


def actor_for_user_id(app: Gongkai, user_id: int) -> Actor | None:
    """The actor of an active user."""
    with app.db.read() as session:
        user = session.get(User, user_id)
        return actor_from_user(user) if user and user.active else None


def change_password(app: Gongkai, actor: Actor, old_password: str, new_password: str,
                    address: str = "") -> str:
    """Change one's own password (the old one must be right and the new one pass the policy).

    Every session of the user ends — a cookie copied earlier stops working — and the caller's
    browser gets a fresh one: its id is returned.
    """
    check_password(app.settings, new_password, actor.username, field="new_password")
    now = app.now()
    with app.db.write() as session:
        user = session.get(User, actor.id)
        if user is None or not user.password_hash or not check_password_hash(user.password_hash, old_password or ""):
            raise ValidationFailed("原密码不正确", code="bad_credentials", field="old_password")
        user.password_hash = hash_password(new_password, _method(app))
        ended = sessions.end_all(session, user.id, now)
        session_id = sessions.start(session, app, user.id, now, address)
        audit.append(session, at=now, actor=actor, subject=f"user:{user.username}", action="password_change",
                     data={"sessions_ended": ended})
    return session_id


def set_password(app: Gongkai, username: str, new_password: str, actor: Actor | None = None) -> int:
    """An admin's (or the operator's) password reset: policy applies, every session of the user ends.

    Returns the number of sessions ended.
    """
    if actor is not None:
        require_role(actor, ADMIN)
    check_password(app.settings, new_password, username)
    now = app.now()
    with app.db.write() as session:
        user = session.scalar(select(User).where(User.username == (username or "").strip()))
        if user is None:
            raise NotFound("用户不存在：%(name)s", code="unknown_user", name=username)
        user.password_hash = hash_password(new_password, _method(app))
        ended = sessions.end_all(session, user.id, now)
        audit.append(session, at=now, actor=actor, subject=f"user:{user.username}", action="password_reset",
                     data={"sessions_ended": ended})
    return ended


def user_by_name(app: Gongkai, username: str) -> User | None:
    """Look a user up by name."""
    with app.db.read() as session:
        return session.scalar(select(User).where(User.username == username))


def _role_list(roles: Iterable[str], *, allow_none: bool) -> list[str]:
    """Known roles, sorted and de-duplicated; ValidationFailed naming the unknown ones."""
    role_list = sorted({r.strip() for r in roles if r and r.strip()})
    unknown = [r for r in role_list if r not in ROLES]
    if unknown or not (role_list or allow_none):
        raise ValidationFailed("未知的角色：%(roles)s（可选 drafter、reviewer、approver、admin）",
                               code="invalid_value", field="role", roles="、".join(unknown) or "-")
    return role_list


def set_access(app: Gongkai, actor: Actor | None, username: str, *, roles: Iterable[str],
               departments: Iterable[str], department_head: bool | None = None,
               active: bool | None = None) -> User:
    """An admin grants or changes what a person may do: roles, department scope (``*`` = all), head flag,
    active or not (a person provisioned by 统一身份认证 or the directory starts with no role: this is how
    they get one). No role at all is allowed (the person then sees only the page saying so). Deactivating
    ends the person's sessions; an admin cannot take their own admin role or account away. Audited
    ``user_access`` with what was before and after."""
    role_list = _role_list(roles, allow_none=True)
    if actor is not None:
        require_role(actor, ADMIN)
    now = app.now()
    with app.db.write() as session:
        user = session.scalar(select(User).where(User.username == (username or "").strip()))
        if user is None:
            raise NotFound("用户不存在：%(name)s", code="unknown_user", name=username)
        loses_admin = ADMIN in user.roles and user.active and (ADMIN not in role_list or active is False)
        if actor is not None and user.id == actor.id and (ADMIN not in role_list or active is False):
            raise Conflict("不能取消自己的管理员角色或停用自己的账号", code="self_lockout")
        if loses_admin and user.username in local_login.break_glass_users(app.settings):
            # the way in when 统一身份认证 is down: changed in the settings file by the operator, not here
            raise Conflict("%(name)s 是应急管理员账号，不能在此取消其管理员角色或停用", code="break_glass_account",
                           name=user.username)
        if loses_admin and _other_active_admins(session, user.id) == 0:
            raise Conflict("%(name)s 是最后一位启用的管理员，不能取消其管理员角色或停用", code="last_admin",
                           name=user.username)
        scope, all_departments = _resolve_departments(session, departments)
        before = _access_of(user)
        user.role_rows = [row for row in user.role_rows if row.role in role_list] + [
            UserRole(role=role) for role in role_list if role not in user.roles]
        user.departments, user.all_departments = scope, all_departments
        if department_head is not None:
            user.is_department_head = department_head
        if active is not None and active != user.active:
            user.active, user.deactivated_at = active, None if active else now
            if not active:
                sessions.end_all(session, user.id, now)
        session.flush()
        after = _access_of(user)
        if after != before:
            audit.append(session, at=now, actor=actor, subject=f"user:{user.username}", action="user_access",
                         data={"before": before, "after": after})
    return user


def _other_active_admins(session: Session, user_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(User).join(UserRole, UserRole.user_id == User.id)
                              .where(UserRole.role == ADMIN, User.active.is_(True), User.id != user_id)) or 0)


def _access_of(user: User) -> dict[str, object]:
    return {"roles": sorted(user.roles), "departments": "*" if user.all_departments
            else sorted(d.code for d in user.departments), "head": user.is_department_head, "active": user.active}
