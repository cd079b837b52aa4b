"""Password login through the LDAP / AD directory (search-then-bind), called by ``services/login.log_in``.

Only when ``auth.ldap.enabled``: a user whose ``auth_source`` is ``ldap``, or a username Gongkai does not
know yet, is checked against the directory; local accounts keep their local passwords. A person found in
the directory for an unknown username is provisioned as the sync would (auth_source ``ldap``, linked to
the entry, the mapped department, no roles unless configured) and audited as ``directory_create_user``.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from db.models import User
from workflow import audit
from workflow.context import Gongkai
from workflow.identity import ldap_directory
from workflow.identity.directory_sync import create_user, department_for
from workflow.identity.dn import DnError, normalize_dn
from workflow.identity.ldap_config import ldap_config
from workflow.identity.ldap_directory import DirectoryPerson


def _same_person(app: Gongkai, user_id: int, person: DirectoryPerson) -> bool:
    """Whether the entry is the one the account is linked to (or the same 工号 at a new DN, after a move).

    A username reused for a newcomer must not open a leaver's account that the sync has not deactivated yet:
    in a flat tree the newcomer's DN is even the leaver's, so an equal DN counts only when the 工号 does
    not differ. An account linked to no entry is nobody's proven account: only an equal 工号 opens it.
    """
    with app.db.read() as session:
        user = session.get(User, user_id)
        if user is None:
            return False
        same_number = bool(person.employee_no) and person.employee_no == user.employee_no
        if not user.directory_dn:
            return same_number
        try:
            same_entry = normalize_dn(user.directory_dn) == person.key
        except DnError:
            same_entry = False
        if same_entry and (not person.employee_no or not user.employee_no):
            return True
        return same_number


@dataclass(frozen=True)
class DirectoryVerdict:
    """The directory's answer to one login: ``ok`` and the account it opens (None when refused)."""

    ok: bool
    user_id: int | None


def check(app: Gongkai, username: str, password: str, auth_source: str | None, active: bool,
          user_id: int | None) -> DirectoryVerdict | None:
    """The directory's verdict on a login, or None when the directory has no say (disabled, or a local account).

    ``auth_source`` / ``active`` / ``user_id`` describe the account with that username (None: no such account).
    Raises ``ServiceUnavailable`` when the directory cannot answer.
    """
    if not app.settings.get("auth.ldap.enabled", False) or (auth_source is not None and auth_source != "ldap"):
        return None  # before reading the rest: a broken LDAP setting never locks out a local (break-glass) account
    config = ldap_config(app.settings)
    if not password or (auth_source is not None and not active):
        return DirectoryVerdict(False, None)  # no bind at all: an empty password would be an anonymous bind
    person = ldap_directory.check_password(config, username, password)
    if person is None or person.username != username:
        return DirectoryVerdict(False, None)
    if user_id is not None:
        return DirectoryVerdict(_same_person(app, user_id, person), user_id)
    now = app.now()
    try:
        with app.db.write() as session:
            if session.scalar(select(User.id).where(User.username == username)) is not None:
                return DirectoryVerdict(False, None)  # made meanwhile by a sync or another login: try again
            user = create_user(session, config, person, department_for(session, config, person), now)
            audit.append(session, at=now, actor=None, subject=f"user:{username}", action="directory_create_user",
                         data={"name": person.name, "department": ",".join(d.code for d in user.departments) or "-",
                               "via": "login"})
            return DirectoryVerdict(True, user.id)
    except IntegrityError:  # 工号 already held by another account: an admin must sort it out
        return DirectoryVerdict(False, None)
