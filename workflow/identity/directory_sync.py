"""Directory sync: staff and departments of the LDAP / AD directory mirrored into Gongkai (docs/integration.md).

``plan`` compares the directory with the database and lists the changes; ``sync`` applies them (or,
dry-run, only returns them). New staff are created (auth_source ``ldap``, no roles unless
``auth.ldap.sync.default_roles``), departments under ``departments.base`` are created or renamed,
department moves replace a directory-managed user's membership, changed names and e-mails are
updated, leavers — users linked to an entry (``directory_dn``) whose entry is gone or no longer
matches the user filter — are deactivated (sessions ended, API tokens revoked; never deleted, so
history keeps their names), returners reactivated. Users without ``directory_dn`` (local and
break-glass accounts) are never touched. Each change is one audit event. Changes are written in
batches of ``auth.ldap.sync.batch_size``, one transaction per batch; a second run finds nothing to do.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.models import ApiToken, Department, User, UserRole, UserSession
from workflow import audit
from workflow.access import Actor
from workflow.context import Gongkai
from workflow.errors import Conflict, ServiceUnavailable
from workflow.i18n import N_
from workflow.identity import ldap_directory
from workflow.identity.dn import DnError, normalize_dn
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

    def department_by_key(self) -> dict[str, Department]:
        return {dept.directory_key: dept for dept in self.departments if dept.directory_key}


def _load(session: Session) -> _State:
    users = list(session.scalars(select(User)))
    departments = list(session.scalars(select(Department)))
    session.expunge_all()  # read-only snapshots: the plan never writes through them
    return _State(users, departments)


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


def _match(person: DirectoryPerson, by_dn: dict[str, User], by_no: dict[str, User],
           by_name: dict[str, User]) -> User | None:
    """The account an entry belongs to: same entry, else same 工号 or username among ldap/cas accounts."""
    user = by_dn.get(person.key)
    if user is None and person.employee_no:
        user = by_no.get(person.employee_no)
    if user is None:
        user = by_name.get(person.username)
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
    by_dn = {key: user for user in state.users if (key := _key(user.directory_dn))}
    by_no = {user.employee_no: user for user in state.users if user.employee_no}
    by_name = {user.username: user for user in state.users}
    seen_users: set[int] = set()
    seen_names: set[str] = set()
    taken_nos = set(by_no)
    for person in found:
        if person.username in seen_names:
            report.skipped.append(f"{person.dn}: username {person.username} appears twice in the directory")
            continue
        seen_names.add(person.username)
        target = codes.get(person.department_key) if person.department_key else None
        user = _match(person, by_dn, by_no, by_name)
        if user is None:
            if person.username in by_name:
                report.skipped.append(f"{person.dn}: username {person.username} belongs to a local account")
                continue
            if person.employee_no and person.employee_no in taken_nos:
                report.skipped.append(f"{person.dn}: employee number {person.employee_no} belongs to another account")
                continue
            if person.employee_no:
                taken_nos.add(person.employee_no)
            report.changes.append(Change("directory_create_user", f"user:{person.username}",
                                         {"name": person.name, "department": target or "-"}, person=person))
            continue
        if user.id in seen_users:
            report.skipped.append(f"{person.dn}: matches {user.username} a second time")
            continue
        seen_users.add(user.id)
        if not user.active:
            report.changes.append(Change("directory_reactivate_user", f"user:{user.username}", {},
                                         user_id=user.id, person=person))
        differences = {name: [getattr(user, name), value] for name, value in _wanted_fields(config, person).items()
                       if getattr(user, name) != value}
        if "directory_dn" in differences and _key(user.directory_dn) == person.key:
            del differences["directory_dn"]  # the same entry spelt differently
        clash = differences.get("employee_no")
        if clash and clash[1] and clash[1] in taken_nos and by_no.get(clash[1]) is not user:
            del differences["employee_no"]
            report.skipped.append(f"{person.dn}: employee number {clash[1]} belongs to another account")
        if differences:
            report.changes.append(Change("directory_update_user", f"user:{user.username}", differences,
                                         user_id=user.id, person=person))
        current = sorted(code_of_id[dept_id] for dept_id in user.department_ids)
        if target is not None and not user.all_departments and current != [target]:
            report.changes.append(Change("directory_move_user", f"user:{user.username}",
                                         {"from": ",".join(current) or "-", "to": target},
                                         user_id=user.id, person=person))
    for user in state.users:
        if user.directory_dn and user.active and user.id not in seen_users:
            report.changes.append(Change("directory_deactivate_user", f"user:{user.username}",
                                         {"dn": user.directory_dn}, user_id=user.id))


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


def sync(app: Gongkai, actor: Actor | None = None, dry_run: bool = False, force: bool = False,
         progress: Callable[[int, int], None] | None = None) -> SyncReport:
    """Plan and (unless ``dry_run``) apply, batch by batch; ``progress(done, total)`` after each batch."""
    config = ldap_config(app.settings)
    report = plan(app, config, force)
    report.dry_run = dry_run
    if dry_run or not report.changes:
        return report
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
    for start in range(0, len(people), config.batch_size):
        batch = people[start:start + config.batch_size]
        with app.db.write() as session:
            for change in batch:
                _apply_user(session, app, config, change, now)
                audit.defer(session, at=now, actor=actor, subject=change.subject, action=change.action,
                            data=_jsonable(change.data))
            audit.append_deferred(session)
        done += len(batch)
        if progress is not None:
            progress(done, total)
    log.info("directory sync: %s", report.summary())
    return report


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
    elif change.action == "directory_move_user":
        user.departments = _department(session, change.data["to"])
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
