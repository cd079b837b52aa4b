"""Logging in: throttled password checks that never tell whether an account exists.

One verb, ``log_in``: refuse early (429) while a throttle key of the attempt is blocked, check
the password (a dummy hash of the same method for unknown or disabled accounts, so both take the
same work), count a failure or open a server-side session. Admins get one inbox notification per
window when an address or an account crosses its threshold (workflow/login_throttle.py).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from db.models import User
from workflow import login_throttle
from workflow.access import ADMIN, Actor, actor_from_user
from workflow.clock import SHANGHAI
from workflow.context import Gongkai
from workflow.errors import NotAuthenticated, TooManyAttempts
from workflow.i18n import DEFAULT_LOCALE, _, locale_context
from workflow.identity import ldap_login, local_login
from workflow.notifications import Directory, notify
from workflow.services import sessions

log = logging.getLogger(__name__)
PASSWORD_INPUT_MAX = 1024  # longer input is refused unhashed: it cannot be a password we set (max 256)


@dataclass(frozen=True)
class LoginResult:
    """A successful login: who, and the id of the new server-side session."""

    actor: Actor
    session_id: str


@lru_cache(maxsize=8)
def _dummy_hash(method: str) -> str:
    """A hash made with the configured method, checked when there is no real one (same work)."""
    return generate_password_hash("gongkai-no-such-account", method=method)


def _method(app: Gongkai) -> str:
    return str(app.settings.get("security.password_hash_method", "scrypt"))


def _refused() -> NotAuthenticated:
    return NotAuthenticated("用户名或密码错误", code="bad_credentials")


def _local_login_off() -> NotAuthenticated:
    # One answer for every failure in break-glass mode, the emergency accounts' own wrong passwords included:
    # a different one for them would tell an attacker which names those are.
    return NotAuthenticated("用户名或密码错误。本系统已启用统一身份认证，请点击「统一身份认证登录」；"
                            "密码登录只留给应急管理员账号。", code="local_login_disabled")


def log_in(app: Gongkai, username: str, password: str, address: str) -> LoginResult:
    """Check a password from client ``address``; a session on success, else NotAuthenticated / TooManyAttempts."""
    now = app.now()
    name = (username or "").strip()
    password = password or ""
    keys = login_throttle.keys_for(name, address)
    with app.db.read() as session:
        wait = login_throttle.wait_seconds(session, app.settings, keys, now)
        user = session.scalar(select(User).where(User.username == name)) if 0 < len(name) <= 64 else None
        stored = user.password_hash if user is not None and user.active and user.password_hash else None
        # Break-glass only: a name not on the list is checked against the dummy hash and counted as a failure,
        # exactly like a wrong password (same work, same throttle), but told where to log in instead.
        allowed = local_login.allowed(app.settings, name)
        if not allowed:
            stored = None
        user_id = user.id if user is not None else None
        source, active = (user.auth_source, user.active) if user is not None else (None, False)
    if wait:
        raise TooManyAttempts("登录尝试过于频繁，请 %(seconds)d 秒后再试", retry_after=wait, seconds=wait)
    ok = False
    # LDAP / AD accounts (and, with LDAP on, unknown names) are checked by the directory: workflow/identity/.
    directory = ldap_login.check(app, name, password, source, active, user_id) if len(password) <= PASSWORD_INPUT_MAX else None
    if directory is not None:
        ok, user_id = directory.ok, directory.user_id
    elif len(password) <= PASSWORD_INPUT_MAX:
        ok = check_password_hash(stored or _dummy_hash(_method(app)), password) and stored is not None
    if not ok:
        with app.db.write() as session:
            failures = login_throttle.record_failure(session, app.settings, keys, now)
            _tell_admins(app, session, failures, name, address, now)
        raise _local_login_off() if local_login.mode(app.settings) == "break_glass" else _refused()
    with app.db.write() as session:
        login_throttle.record_success(session, keys)
        user = session.get(User, user_id)
        if user is None or not user.active:  # disabled between the check and now
            raise _refused()
        session_id = sessions.start(session, app, user.id, now, address)
        return LoginResult(actor_from_user(user), session_id)


def _alert_text(kind: str, params: dict[str, object]) -> tuple[str, str]:
    """Title and body of a login alert (Chinese msgids)."""
    if kind == "addr":
        return (_("登录告警：地址 %(address)s 多次登录失败", **params),
                _("自 %(since)s 起，来自地址 %(address)s 的登录已失败 %(count)d 次（%(minutes)d 分钟内计数），"
                  "可能有人在猜测密码。系统已对该地址逐步延长等待时间，账号本身不会被锁定。", **params))
    return (_("登录告警：账号 %(name)s 多次登录失败", **params),
            _("自 %(since)s 起，账号 %(name)s 的登录已失败 %(count)d 次（%(minutes)d 分钟内计数，"
              "最近一次来自 %(address)s），可能有人在猜测其密码。如该账号不存在，说明有人在试探用户名。", **params))


def _tell_admins(app: Gongkai, session: Session, failures: list[login_throttle.Failure], name: str,
                 address: str, now: datetime) -> None:
    """One inbox notification to every admin per window and key, when an address or account crosses its limit."""
    window_minutes = int(app.settings.get("auth.window_seconds", 3600)) // 60
    for failure in failures:
        if not failure.crossed or failure.kind == "pair":
            continue
        since = failure.first_failure_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        params = {"address": address or "-", "name": name[:64] or "-", "count": failure.failures,
                  "minutes": window_minutes, "since": since}
        with locale_context(DEFAULT_LOCALE):  # the office's language, not the one the attacker asked for
            title, body = _alert_text(failure.kind, params)
        log.warning("login throttle: %s crossed %d failures (address %s, account %r)", failure.kind,
                    failure.failures, address, name[:64])
        admins = Directory(session).get(ADMIN, None)
        key = f"login_alert:{failure.kind}:{login_throttle.key_label(failure.key)}:{int(failure.first_failure_at.timestamp())}"
        notify(session, admins, kind="login_alert", key=key, title=title, body=body, now=now)
