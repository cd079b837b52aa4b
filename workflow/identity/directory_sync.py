"""Directory sync: staff and departments of the LDAP / AD directory mirrored into Gongkai (docs/integration.md).

``plan`` compares the directory with the database and lists the changes; ``sync`` applies them (or,
dry-run, only returns them). New staff are created (auth_source ``ldap``, no roles unless
``auth.ldap.sync.default_roles``), departments under ``departments.base`` are created or renamed,
department moves replace the previous directory department of a user (others an admin granted stay),
changed names and e-mails are updated, leavers — users linked to an entry (``directory_dn``) whose
entry is gone or no longer matches the user filter — are deactivated (sessions ended, API tokens
revoked; never deleted, so history keeps their names), returners the sync deactivated reactivated (an
admin's deactivation stays). Users without ``directory_dn`` (local and break-glass accounts) are never
touched, and a DN or username never links an account whose 工号 differs. Each change is one audit
event. One sync at a time (PostgreSQL advisory lock); changes are written in batches of
``auth.ldap.sync.batch_size``, one transaction per batch, a change the database no longer allows being
skipped with its reason; a second run finds nothing to do.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import ApiToken, AuditEvent, Department, User, UserRole, UserSession
from workflow import audit
from workflow.access import Actor
from workflow.context import Gongkai
from workflow.errors import Conflict, ServiceUnavailable
from workflow.i18n import N_, _
from workflow.identity import ldap_directory
from workflow.identity.dn import DnError, normalize_dn, parent_dn
from workflow.identity.ldap_config import LdapConfig, ldap_config
from workflow.identity.ldap_directory import DirectoryDepartment, DirectoryPerson

log = logging.getLogger(__name__)

# Audit action → label shown in histories (translated where shown; web/ui/format.py ACTION_LABELS).
ACTION_LABELS = {
    "directory_create_department": N_("目录同步：新建部门"),
    "directory_link_department": N_("目录同步：关联部门"),
    "directory_rename_department": N_("目录同步：部门更名"),
    "directory_create_user": N_("目录同步：新建用户"),
    "directory_update_user": N_("目录同步：更新用户信息"),
    "directory_move_user": N_("目录同步：调动部门"),
    "directory_deactivate_user": N_("目录同步：停用离职人员"),
    "directory_reactivate_user": N_("目录同步：重新启用用户"),
}
LINKABLE_SOURCES = ("ldap", "cas")  # accounts a directory entry may take over; 'local' ones never
SYNC_LOCK_KEY = 0x6E6B_4C44  # advisory lock: one directory sync at a time across processes (PostgreSQL)
# the audit actions that turn an account off or on: who did it last decides whether the sync may reactivate it
ACCESS_ACTIONS = ("directory_deactivate_user", "directory_reactivate_user", "user_access")
USER_FIELDS = ("display_name", "email", "employee_no", "directory_dn", "wecom_userid", "dingtalk_userid")


@dataclass
class Change:
    """One change the sync makes: an audit action, its subject and what changes."""

    action: str
    subject: str
    data: dict[str, Any]
    user_id: int | None = None
    person: DirectoryPerson | None = None
    department: DirectoryDepartment | None = None

    def describe(self) -> str:
        """One line for the command's output."""
        details = ", ".join(f"{key}={value}" for key, value in sorted(self.data.items()))
        return f"{self.action:<28} {self.subject}" + (f"  ({details})" if details else "")


@dataclass
class SyncReport:
    """What a sync found and did (or, dry-run, would do)."""

    dry_run: bool
    people_seen: int = 0
    departments_seen: int = 0
    changes: list[Change] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # entries left alone, with the reason

    def counts(self) -> dict[str, int]:
        """Number of changes per action (every action listed, zero included)."""
        counts = {action: 0 for action in ACTION_LABELS}
        for change in self.changes:
            counts[change.action] += 1
        return counts

    def summary(self) -> dict[str, Any]:
        """Figures for the scheduler's log and heartbeat."""
        figures = {key.removeprefix("directory_"): value for key, value in self.counts().items() if value}
        return {"people": self.people_seen, "departments": self.departments_seen, **figures,
                "skipped": len(self.skipped), "dry_run": self.dry_run}


@dataclass
class _State:
    """The database as the plan sees it."""

    users: list[User]
    departments: list[Department]
    sync_deactivated: set[str] = field(default_factory=set)  # usernames whose latest deactivation was the sync's

    def department_by_key(self) -> dict[str, Department]:
        return {dept.directory_key: dept for dept in self.departments if dept.directory_key}


def _load(session: Session) -> _State:
    users = list(session.scalars(select(User)))
    departments = list(session.scalars(select(Department)))
    session.expunge_all()  # read-only snapshots: the plan never writes through them
    return _State(users, departments, _sync_deactivated(session))


def _sync_deactivated(session: Session) -> set[str]:
    """Usernames whose latest switch-off in the audit trail was the sync's own ``directory_deactivate_user``.

    Only those may be reactivated by the sync: an admin's deactivation (``user_access`` with ``active``
    turned off) must survive the next night even though the person is still in the directory.
    """
    last: dict[str, bool] = {}  # username → the latest on/off switch was the sync deactivating
    rows = session.execute(select(AuditEvent.subject, AuditEvent.action, AuditEvent.data)
                           .where(AuditEvent.action.in_(ACCESS_ACTIONS), AuditEvent.subject.like("user:%"))
                           .order_by(AuditEvent.seq))
    for subject, action, data in rows:
        name = subject.removeprefix("user:")
        if action == "user_access":
            before, after = (data or {}).get("before") or {}, (data or {}).get("after") or {}
            if before.get("active") == after.get("active"):
                continue  # roles or departments only: not a switch
        last[name] = action == "directory_deactivate_user"
    return {name for name, by_sync in last.items() if by_sync}


def _key(dn: str | None) -> str | None:
    try:
        return normalize_dn(dn) if dn else None
    except DnError:
        return None


def _unique_code(code: str, taken: set[str]) -> str:
    candidate, number = code, 2
    while candidate in taken:
        suffix = f"-{number}"
        candidate, number = code[:32 - len(suffix)] + suffix, number + 1
    return candidate


def _plan_departments(config: LdapConfig, found: list[DirectoryDepartment], state: _State,
                      report: SyncReport) -> dict[str, str]:
    """Department changes into ``report``; returns directory key → department code after the sync."""
    by_key = state.department_by_key()
    by_code = {dept.code: dept for dept in state.departments}
    taken = set(by_code)
    codes: dict[str, str] = {key: dept.code for key, dept in by_key.items()}
    for entry in found:
        key = entry.key
        existing = by_key.get(key)
        if existing is not None:
            if existing.name != entry.name:
                report.changes.append(Change("directory_rename_department", f"department:{existing.code}",
                                             {"from": existing.name, "to": entry.name}, department=entry))
            continue
        linkable = by_code.get(entry.code)
        if linkable is not None and not linkable.directory_key:
            report.changes.append(Change("directory_link_department", f"department:{linkable.code}",
                                         {"key": key}, department=entry))
            codes[key] = linkable.code
            continue
        code = _unique_code(entry.code, taken)
        taken.add(code)
        codes[key] = code
        report.changes.append(Change("directory_create_department", f"department:{code}",
                                     {"code": code, "name": entry.name}, department=entry))
    if config.department_mode == "attribute":  # the attribute may also name a department by its code
        for dept in state.departments:
            codes.setdefault(dept.code, dept.code)
    return codes


def _same_number(user: User, person: DirectoryPerson) -> bool:
    """No 工号 contradicts the match: the account has none, the directory gives none, or they are equal."""
    return user.employee_no is None or not person.employee_no or user.employee_no == person.employee_no


def _match(person: DirectoryPerson, by_dn: dict[str, User], by_no: dict[str, User],
           by_name: dict[str, User], found_keys: set[str]) -> User | None:
    """The account an entry belongs to: same entry, else same 工号, else same username among ldap/cas accounts
    not linked to any entry.

    A DN or username is reused for newcomers (flat trees: ``uid=zhangsan`` again), so neither counts when
    the 工号 differs: the newcomer must not inherit a leaver's account, roles and history. Only when the
    directory gives no 工号 at all may the username find a linked account whose entry is gone (a move:
    nothing else tells it apart).
    """
    user = by_dn.get(person.key)
    if user is not None and not _same_number(user, person):
        user = None
    if user is None and person.employee_no:
        user = by_no.get(person.employee_no)
    if user is None:
        user = by_name.get(person.username)
        linked = user is not None and user.directory_dn is not None
        if linked and (person.employee_no or _key(user.directory_dn) in found_keys):
            return None  # an account linked to another entry: another person
        if user is not None and not _same_number(user, person):
            return None  # another 工号: another person
    if user is not None and user.directory_dn is None and user.auth_source not in LINKABLE_SOURCES:
        return None
    return user


def _wanted_fields(config: LdapConfig, person: DirectoryPerson) -> dict[str, str | None]:
    wanted: dict[str, str | None] = {"display_name": person.name, "email": person.email,
                                     "directory_dn": person.dn}
    if config.employee_no_attribute:
        wanted["employee_no"] = person.employee_no
    if config.wecom_attribute:
        wanted["wecom_userid"] = person.wecom_userid
    if config.dingtalk_attribute:
        wanted["dingtalk_userid"] = person.dingtalk_userid
    return wanted


def _plan_people(config: LdapConfig, found: list[DirectoryPerson], state: _State, codes: dict[str, str],
                 report: SyncReport) -> None:
    """User changes into ``report``: create, update, move, reactivate, deactivate."""
    code_of_id = {dept.id: dept.code for dept in state.departments}
    by_key = state.department_by_key()
    by_dn = {key: user for user in state.users if (key := _key(user.directory_dn))}
    by_no = {user.employee_no: user for user in state.users if user.employee_no}
    by_name = {user.username: user for user in state.users}
    seen_users: set[int] = set()
    seen_names: set[str] = set()
    taken_nos = set(by_no)
    found_keys = {person.key for person in found}
    for person in found:
        if person.username in seen_names:
            report.skipped.append(_("%(dn)s：用户名 %(name)s 在目录中出现两次，未同步", dn=person.dn, name=person.username))
            continue
        seen_names.add(person.username)
        target = codes.get(person.department_key) if person.department_key else None
        user = _match(person, by_dn, by_no, by_name, found_keys)
        if user is None:
            holder = by_name.get(person.username)
            if holder is not None and holder.auth_source == "local" and holder.directory_dn is None:
                report.skipped.append(_("%(dn)s：用户名 %(name)s 属于本地账号，未同步", dn=person.dn, name=person.username))
                continue
            if holder is not None and holder.employee_no and person.employee_no:
                report.skipped.append(_("%(dn)s：用户名 %(name)s 已属于另一人（工号不同），未同步",
                                        dn=person.dn, name=person.username))
                continue
            if holder is not None:
                report.skipped.append(_("%(dn)s：用户名 %(name)s 已属于关联另一目录条目的账号，未同步",
                                        dn=person.dn, name=person.username))
                continue
            if person.employee_no and person.employee_no in taken_nos:
                report.skipped.append(_("%(dn)s：工号 %(no)s 已属于另一账号，未同步", dn=person.dn, no=person.employee_no))
                continue
            if person.employee_no:
                taken_nos.add(person.employee_no)
            report.changes.append(Change("directory_create_user", f"user:{person.username}",
                                         {"name": person.name, "department": target or "-"}, person=person))
            continue
        if user.id in seen_users:
            report.skipped.append(_("%(dn)s：与账号 %(name)s 重复对应，未同步", dn=person.dn, name=user.username))
            continue
        seen_users.add(user.id)
        if not user.active and user.username in state.sync_deactivated:
            report.changes.append(Change("directory_reactivate_user", f"user:{user.username}", {},
                                         user_id=user.id, person=person))
        elif not user.active:
            report.skipped.append(_("%(dn)s：账号 %(name)s 已被管理员停用，未重新启用",
                                    dn=person.dn, name=user.username))
        differences = {name: [getattr(user, name), value] for name, value in _wanted_fields(config, person).items()
                       if getattr(user, name) != value}
        if "directory_dn" in differences and _key(user.directory_dn) == person.key:
            del differences["directory_dn"]  # the same entry spelt differently
        clash = differences.get("employee_no")
        if clash and clash[1] and clash[1] in taken_nos and by_no.get(clash[1]) is not user:
            del differences["employee_no"]
            report.skipped.append(_("%(dn)s：工号 %(no)s 已属于另一账号，未同步", dn=person.dn, no=clash[1]))
        if differences:
            report.changes.append(Change("directory_update_user", f"user:{user.username}", differences,
                                         user_id=user.id, person=person))
        move = _move(config, user, target, code_of_id, by_key)
        if move is not None:
            report.changes.append(Change("directory_move_user", f"user:{user.username}", move,
                                         user_id=user.id, person=person))
    for user in state.users:
        if user.directory_dn and user.active and user.id not in seen_users:
            report.changes.append(Change("directory_deactivate_user", f"user:{user.username}",
                                         {"dn": user.directory_dn}, user_id=user.id))


def _move(config: LdapConfig, user: User, target: str | None, code_of_id: dict[int, str],
          by_key: dict[str, Department]) -> dict[str, str] | None:
    """The membership change for a person whose directory department is ``target`` (None: none needed).

    Only the department the directory gave before is replaced (ou mode: the OU that held the account's
    linked entry); departments an admin granted besides it stay. In attribute mode the previous value is
    not kept, so the membership is replaced only when ``target`` is not among the account's departments.
    """
    if target is None or user.all_departments:
        return None
    current = sorted(code_of_id[dept_id] for dept_id in user.department_ids)
    if config.department_mode != "ou":
        return None if target in current else {"from": ",".join(current) or "-", "to": target}
    previous = None
    if user.directory_dn:
        try:
            dept = by_key.get(parent_dn(user.directory_dn))
        except DnError:
            dept = None
        previous = dept.code if dept is not None and dept.code in current and dept.code != target else None
    if target in current and previous is None:
        return None
    return {"from": previous or "-", "to": target}


def _guard(config: LdapConfig, state: _State, report: SyncReport, force: bool) -> None:
    """Refuse a run that would deactivate a large share of the directory's users (a broken base or filter)."""
    leaving = sum(1 for change in report.changes if change.action == "directory_deactivate_user")
    managed = sum(1 for user in state.users if user.directory_dn and user.active)
    if force or not leaving:
        return
    share = leaving / managed if managed else 1.0
    if report.people_seen == 0 or share > config.max_deactivate_share:
        raise Conflict("目录同步将停用 %(count)d 名用户（占目录用户的 %(percent)d%%），超过允许的 %(limit)d%%；"
                       "请检查 LDAP 的 user_base 与 user_filter 设置，确认无误后用 --force 执行",
                       code="directory_mass_deactivation", count=leaving, percent=round(share * 100),
                       limit=round(config.max_deactivate_share * 100))


def plan(app: Gongkai, config: LdapConfig | None = None, force: bool = False) -> SyncReport:
    """Read the directory and the database; the changes a sync would make (nothing written)."""
    config = config or ldap_config(app.settings)
    if not config.enabled:
        raise ServiceUnavailable("目录服务（LDAP）未启用（auth.ldap.enabled）", code="directory_disabled")
    connection = ldap_directory.service_connection(config)
    try:
        found_departments = list(ldap_directory.departments(connection, config))
        found_people = list(ldap_directory.people(connection, config))
    finally:
        connection.unbind()
    report = SyncReport(dry_run=True, people_seen=len(found_people), departments_seen=len(found_departments))
    with app.db.read() as session:
        state = _load(session)
    codes = _plan_departments(config, found_departments, state, report)
    _plan_people(config, found_people, state, codes, report)
    _guard(config, state, report, force)
    return report


@contextmanager
def _sync_lock(app: Gongkai) -> Iterator[None]:
    """One sync at a time (scheduler and command line): a PostgreSQL session lock held from plan to last batch.

    SQLite needs none: its writes are serialised (``BEGIN IMMEDIATE``), and ``_apply_user`` re-checks anyway.
    """
    if not app.db.is_postgres:
        yield
        return
    with app.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": SYNC_LOCK_KEY})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SYNC_LOCK_KEY})


def sync(app: Gongkai, actor: Actor | None = None, dry_run: bool = False, force: bool = False,
         progress: Callable[[int, int], None] | None = None) -> SyncReport:
    """Plan and (unless ``dry_run``) apply, batch by batch; ``progress(done, total)`` after each batch.

    A change the database no longer allows (a username or 工号 taken meanwhile, e.g. by an LDAP login
    between plan and apply) is skipped with its reason; the rest of the batch and later batches go on.
    """
    config = ldap_config(app.settings)
    if dry_run:
        return plan(app, config, force)
    with _sync_lock(app):
        report = plan(app, config, force)
        report.dry_run = False
        if report.changes:
            _apply(app, config, report, actor, progress)
    return report


def _apply(app: Gongkai, config: LdapConfig, report: SyncReport, actor: Actor | None,
           progress: Callable[[int, int], None] | None) -> None:
    now = app.now()
    departments = [c for c in report.changes if c.department is not None]
    people = [c for c in report.changes if c.department is None]
    with app.db.write() as session:
        for change in departments:
            _apply_department(session, change)
            audit.defer(session, at=now, actor=actor, subject=change.subject, action=change.action, data=change.data)
        audit.append_deferred(session)
    done = len(departments)
    total = len(report.changes)
    if progress is not None:
        progress(done, total)
    applied: list[Change] = list(departments)
    for start in range(0, len(people), config.batch_size):
        batch = people[start:start + config.batch_size]
        with app.db.write() as session:
            for change in batch:
                refused = _refusal(session, change)
                if refused is None:
                    try:
                        with session.begin_nested():  # a clash the re-check could not see undoes this change only
                            _apply_user(session, app, config, change, now)
                    except IntegrityError:
                        refused = _("%(subject)s：用户名或工号已被另一账号占用，未同步", subject=change.subject)
                if refused is not None:
                    report.skipped.append(refused)
                    continue
                applied.append(change)
                audit.defer(session, at=now, actor=actor, subject=change.subject, action=change.action,
                            data=_jsonable(change.data))
            audit.append_deferred(session)
        done += len(batch)
        if progress is not None:
            progress(done, total)
    report.changes = applied
    log.info("directory sync: %s", report.summary())


def _refusal(session: Session, change: Change) -> str | None:
    """Why a planned change can no longer be made (the database changed since the plan), or None."""
    person = change.person
    if change.action == "directory_create_user" and person is not None:
        if session.scalar(select(User.id).where(User.username == person.username)) is not None:
            return _("%(dn)s：用户名 %(name)s 已属于另一账号（同步期间新建），未同步", dn=person.dn, name=person.username)
        if person.employee_no and session.scalar(select(User.id).where(User.employee_no == person.employee_no)):
            return _("%(dn)s：工号 %(number)s 已属于另一账号（同步期间新建），未同步", dn=person.dn,
                     number=person.employee_no)
    if change.action == "directory_update_user" and change.user_id is not None:
        number = (change.data.get("employee_no") or [None, None])[1]
        if number and session.scalar(select(User.id).where(User.employee_no == number, User.id != change.user_id)):
            return _("%(subject)s：工号 %(number)s 已属于另一账号，未同步", subject=change.subject, number=number)
    return None


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {key: ([str(v) if v is not None else None for v in value] if isinstance(value, list) else value)
            for key, value in data.items()}


def _apply_department(session: Session, change: Change) -> None:
    entry = change.department
    assert entry is not None
    if change.action == "directory_create_department":
        session.add(Department(code=change.data["code"], name=entry.name, active=True, directory_key=entry.key))
    else:
        code = change.subject.removeprefix("department:")
        dept = session.scalar(select(Department).where(Department.code == code))
        if dept is None:
            return
        if change.action == "directory_link_department":
            dept.directory_key = entry.key
        else:
            dept.name = entry.name
    session.flush()


def _department(session: Session, target: str | None) -> list[Department]:
    if not target or target == "-":
        return []
    dept = session.scalar(select(Department).where(Department.code == target))
    return [dept] if dept is not None else []


def _apply_user(session: Session, app: Gongkai, config: LdapConfig, change: Change, now: datetime) -> None:
    if change.action == "directory_create_user":
        assert change.person is not None
        create_user(session, config, change.person, _department(session, change.data.get("department")), now)
        return
    user = session.get(User, change.user_id)
    if user is None:
        return
    if change.action == "directory_reactivate_user":
        user.active, user.deactivated_at = True, None
    elif change.action == "directory_update_user":
        for name, (_old, new) in change.data.items():
            setattr(user, name, new)
    elif change.action == "directory_move_user":  # replace the previous directory department, keep the others
        replaced = {*change.data["from"].split(","), change.data["to"]}
        kept = [dept for dept in user.departments if dept.code not in replaced]
        user.departments = kept + _department(session, change.data["to"])
    elif change.action == "directory_deactivate_user":
        deactivate(session, user, now)
    session.flush()


def deactivate(session: Session, user: User, now: datetime) -> None:
    """A leaver: inactive from ``now``, every session ended, every API token revoked. The row stays."""
    user.active, user.deactivated_at = False, now
    # as services/sessions.end_all does (identity may not import the verbs: pyproject.toml import contracts)
    session.execute(update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
                    .values(ended_at=now))
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))
                    .values(revoked=True, revoked_at=now))


def create_user(session: Session, config: LdapConfig, person: DirectoryPerson, departments: list[Department],
                now: datetime) -> User:
    """A directory-managed account for ``person`` (no password: it logs in through the directory)."""
    user = User(username=person.username, display_name=person.name, email=person.email, password_hash=None,
                created_at=now, auth_source="ldap", directory_dn=person.dn, employee_no=person.employee_no,
                wecom_userid=person.wecom_userid, dingtalk_userid=person.dingtalk_userid, active=True)
    user.role_rows = [UserRole(role=role) for role in config.default_roles]
    user.departments = departments
    session.add(user)
    session.flush()
    return user


def department_for(session: Session, config: LdapConfig, person: DirectoryPerson) -> list[Department]:
    """The existing department a person's OU or attribute maps to (empty when none does yet)."""
    if not person.department_key:
        return []
    dept = session.scalar(select(Department).where(Department.directory_key == person.department_key))
    if dept is None and config.department_mode == "attribute":
        dept = session.scalar(select(Department).where(Department.code == person.department_key))
    return [dept] if dept is not None else []
