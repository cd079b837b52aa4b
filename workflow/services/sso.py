"""Logging in through the campus 统一身份认证 (CAS), single logout, and logging out of it (issue 16).

``cas_log_in`` validates the ticket at the CAS server first (outside any transaction: a slow server holds no
lock), maps the released attributes to a profile (``workflow/identity/cas_profile.py``), then in ONE transaction
finds the user (by 工号, else by username) or provisions them (``auth_source='cas'``, the roles a mapping grants,
else none: an admin grants them), and opens a server-side session carrying the ticket's hash. Any refusal before
the commit leaves nothing behind: no user row, no session.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Department, User, UserRole
from workflow import audit, links
from workflow.access import ADMIN, Actor, actor_from_user
from workflow.context import Gongkai
from workflow.errors import Forbidden, NotFound
from workflow.i18n import DEFAULT_LOCALE, _, locale_context
from workflow.identity import cas, local_login
from workflow.identity.cas_profile import Profile, profile_of
from workflow.notifications import Directory, notify
from workflow.services import sessions


@dataclass(frozen=True)
class SsoLogin:
    """A CAS login: who; the new session's id, or None when the account has no role yet (no session opened)."""

    actor: Actor
    session_id: str | None
    provisioned: bool


def cas_enabled(app: Gongkai) -> bool:
    """Whether the login page offers 「统一身份认证登录」."""
    return bool(app.settings.get("auth.cas.enabled", False))


def _config(app: Gongkai) -> cas.CasConfig:
    config = cas.config(app.settings)
    if not config.enabled:
        raise NotFound("本系统未启用统一身份认证", code="cas_disabled")
    return config


def cas_login_url(app: Gongkai, next_path: str | None, state: str) -> str:
    """The CAS server's login page, coming back to our callback (with ``next``, already made safe by the caller,
    and ``state``, the random value the caller keeps in this browser's session)."""
    config = _config(app)
    return cas.login_url(config, cas.service_url(app.settings, next_path, state))


def cas_log_in(app: Gongkai, ticket: str | None, next_path: str | None, state: str | None,
               expected_state: str | None, address: str) -> SsoLogin:
    """Validate the callback's ``ticket`` (for the service URL of ``next_path`` and ``state``) and log the person in.

    ``state`` must be the value this browser was given when it set off to the CAS server (``expected_state``):
    otherwise someone is handing this browser a ticket of theirs (login CSRF: the victim would work, unaware,
    in the attacker's account) and nothing is validated."""
    config = _config(app)
    ticket = cas.check_ticket(ticket)
    if not expected_state or not hmac.compare_digest(str(state or ""), expected_state):
        raise Forbidden("这次登录不是从本浏览器发起的，或已经失效：请重新点击「统一身份认证登录」",
                        code="cas_state_mismatch")
    identity = cas.validate(config, cas.service_url(app.settings, next_path, state), ticket)
    profile = profile_of(config, identity)
    try:
        return _log_in(app, profile, config.department_match, ticket, address)
    except IntegrityError:
        # The same person's first login in two tabs at once: the other one provisioned the account; use it.
        return _log_in(app, profile, config.department_match, ticket, address)


def _log_in(app: Gongkai, profile: Profile, department_match: str, ticket: str, address: str) -> SsoLogin:
    """Find or provision the account and open its session: one transaction."""
    now = app.now()
    with app.db.write() as session:
        user = _find(session, profile)
        provisioned = user is None
        if user is not None and user.username in local_login.break_glass_users(app.settings):
            # The emergency account must stay independent of the CAS server (and of whoever controls it).
            raise Forbidden("应急管理员账号只能用本地密码登录", code="cas_break_glass_account")
        if user is None:
            user = _provision(session, profile, department_match, now)
        elif not user.active:
            raise Forbidden("您的账号已停用，请联系管理员", code="account_disabled")
        elif user.employee_no is None and profile.employee_no:
            user.employee_no = profile.employee_no  # matched by username: remember the 工号 for next time
        actor = actor_from_user(user)
        session_id = sessions.start(session, app, user.id, now, address, sso_ticket=ticket) if actor.roles else None
        if provisioned:
            if not actor.roles:
                _tell_admins(session, profile, now)
            audit.append(session, at=now, actor=actor, subject=f"user:{user.username}", action="sso_provision",
                         data={"source": "cas", "employee_no": profile.employee_no or None,
                               "roles": sorted(actor.roles), "departments": "*" if user.all_departments
                               else sorted(d.code for d in user.departments)})
    return SsoLogin(actor, session_id, provisioned)


def _find(session: Session, profile: Profile) -> User | None:
    """The account of this person: by 工号 first (names change, 工号 do not), else by username.

    A username match counts only for an account that came from the campus identity (``cas`` or ``ldap``):
    a CAS user id equal to a local username proves nothing (a campus account named ``admin`` must not open
    the local admin). An admin links a local account by recording its 工号.
    """
    if profile.employee_no:
        user = session.scalar(select(User).where(User.employee_no == profile.employee_no))
        if user is not None:
            return user
    user = session.scalar(select(User).where(User.username == profile.username))
    if user is not None and user.auth_source == "local":
        raise Forbidden("本系统已有与统一身份认证账号 %(name)s 同名的本地账号：请管理员在该账号上登记工号后再登录",
                        code="cas_local_account", name=profile.username)
    if user is not None and profile.employee_no and user.employee_no not in (None, profile.employee_no):
        # Same username, another 工号: two different people; never hand one the other's account.
        raise Forbidden("统一身份认证的账号 %(name)s 与本系统同名账号的工号不一致，请联系管理员",
                        code="cas_account_mismatch", name=profile.username)
    return user


def _provision(session: Session, profile: Profile, match: str, now: datetime) -> User:
    """A new account from the profile: no password, ``auth_source='cas'``, the mapped roles and departments."""
    departments = list(session.scalars(select(Department).where(Department.code.in_(profile.department_codes))))
    if profile.department_value and not profile.all_departments:
        column = {"code": Department.code, "name": Department.name, "directory_key": Department.directory_key}[match]
        home = session.scalar(select(Department).where(column == profile.department_value, Department.active.is_(True)))
        if home is not None and home not in departments:
            departments.append(home)
    user = User(username=profile.username, display_name=profile.display_name or profile.username,
                email=profile.email or None, password_hash=None, all_departments=profile.all_departments,
                employee_no=profile.employee_no or None, auth_source="cas", created_at=now)
    user.role_rows = [UserRole(role=role) for role in profile.roles]
    user.departments = departments
    session.add(user)
    session.flush()
    return user


def _tell_admins(session: Session, profile: Profile, now: datetime) -> None:
    """One inbox notification to every admin: a new account waits for its roles."""
    params = {"name": profile.display_name or profile.username, "username": profile.username,
              "employee_no": profile.employee_no or "-"}
    with locale_context(DEFAULT_LOCALE):  # the office's language
        title = _("新账号待分配角色：%(name)s", **params)
        body = _("%(name)s（用户名 %(username)s，工号 %(employee_no)s）首次通过统一身份认证登录，系统已为其开通账号，"
                 "但尚无任何角色。请在用户管理中为其分配角色和部门后，该账号才能使用本系统。", **params)
    admins = Directory(session).get(ADMIN, None)
    notify(session, admins, kind="sso_provision", key=f"sso_provision:{profile.username}", title=title, body=body,
           now=now)


def single_logout(app: Gongkai, logout_request: str | None) -> int:
    """The CAS server's single-logout request: end the sessions opened with the ticket it names; how many."""
    ticket = cas.logout_request_ticket(logout_request)
    now = app.now()
    with app.db.write() as session:
        return sessions.end_by_sso_ticket(session, ticket, now)


def log_out(app: Gongkai, session_id: str | None) -> str | None:
    """End this session; the CAS server's logout URL when the session came from a CAS login (else None)."""
    came_from_cas = sessions.end(app, session_id)
    if not came_from_cas or not cas_enabled(app):
        return None
    return cas.logout_url(cas.config(app.settings), links.public_url(app.settings, "/login"))
