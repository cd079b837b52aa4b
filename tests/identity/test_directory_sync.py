"""Directory sync against a real OpenLDAP: new staff, departments, moves, leavers, returners, guard, audit."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from db.models import ApiToken, AuditEvent, Department, User, UserSession
from tests.conftest import item_payload
from tests.identity.conftest import PASSWORDS, STAFF, DirectoryTree, ldap_overrides
from workflow.errors import Conflict, NotAuthenticated, ServiceUnavailable
from workflow.identity.directory_sync import SYNC_LOCK_KEY, sync
from workflow.identity.ldap_directory import require_complete
from workflow.services import items as item_service
from workflow.services.login import log_in
from workflow.services.tokens import actor_for_token, create_token
from workflow.services.users import set_access
from workflow.wiring import build_gongkai


def _with(app, tree: DirectoryTree, **changes):
    return build_gongkai(db=app.db, settings=app.settings.with_overrides(ldap_overrides(tree, **changes)),
                         clock=app.clock)


def _user(app, username: str) -> User | None:
    with app.db.read() as session:
        return session.scalar(select(User).where(User.username == username))


def _codes(user: User) -> list[str]:
    return sorted(dept.code for dept in user.departments)


def _actions(app) -> list[str]:
    with app.db.read() as session:
        return list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("directory_%"))
                                    .order_by(AuditEvent.seq)))


def _snapshot(app) -> dict[str, list[tuple]]:
    """Every row of the tables a sync could touch."""
    tables = ("users", "user_roles", "user_departments", "departments", "audit_events", "api_tokens", "user_sessions")
    with app.db.read() as session:
        return {table: sorted(tuple(map(str, row)) for row in session.execute(text(f"SELECT * FROM {table}")))
                for table in tables}


def test_first_sync_creates_staff_and_links_departments_local_accounts_untouched(world, directory):
    before = {name: _user(world.app, name) for name in ("drafter", "admin")}
    report = sync(world.app)
    counts = report.counts()
    assert counts["directory_create_user"] == len(STAFF) and counts["directory_link_department"] == 2
    assert counts["directory_deactivate_user"] == 0 and report.people_seen == len(STAFF)
    zhangsan, lisi = _user(world.app, "zhangsan"), _user(world.app, "lisi")
    assert (zhangsan.display_name, zhangsan.employee_no, zhangsan.email) == ("张三", "1001", "zhangsan@example.edu.cn")
    assert zhangsan.auth_source == "ldap" and zhangsan.roles == frozenset() and zhangsan.active
    assert _codes(zhangsan) == ["xsc"] and _codes(lisi) == ["jwc"]
    assert _user(world.app, "wangwu") is None  # disabled in the directory before the first sync
    for name, old in before.items():
        now = _user(world.app, name)
        assert (now.active, now.directory_dn, _codes(now), now.roles) == (old.active, None, _codes(old), old.roles)
    with world.app.db.read() as session:
        keys = dict(session.execute(select(Department.code, Department.directory_key)).all())
    assert keys["xsc"] == f"ou=xsc,{directory.people}".lower()
    assert _actions(world.app).count("directory_create_user") == len(STAFF)  # one audit event per change


def test_second_run_changes_nothing(world, directory):
    sync(world.app)
    events = len(_actions(world.app))
    snapshot = _snapshot(world.app)
    again = sync(world.app)
    assert again.changes == [] and len(_actions(world.app)) == events and _snapshot(world.app) == snapshot


def test_dry_run_changes_nothing_at_all(world, directory):
    sync(world.app)
    directory.move("zhangsan", "xsc", "jwc")
    directory.modify(directory.person_dn("lisi", "jwc"), employeeType="disabled")
    directory.add_person("qianer", "xsc", "1010", "钱二")
    snapshot = _snapshot(world.app)
    report = sync(world.app, dry_run=True)
    assert {c.action for c in report.changes} == {"directory_move_user", "directory_deactivate_user",
                                                  "directory_create_user", "directory_update_user"}
    assert _snapshot(world.app) == snapshot


def test_department_move_replaces_membership(world, directory):
    sync(world.app)
    directory.move("zhangsan", "xsc", "jwc")
    report = sync(world.app)
    moves = [c for c in report.changes if c.action == "directory_move_user"]
    assert [(c.subject, c.data) for c in moves] == [("user:zhangsan", {"from": "xsc", "to": "jwc"})]
    user = _user(world.app, "zhangsan")
    assert _codes(user) == ["jwc"] and user.directory_dn == directory.person_dn("zhangsan", "jwc")
    assert report.counts()["directory_create_user"] == 0  # the same person, found by 工号 at the new DN


def test_changed_name_and_email_are_updated(world, directory):
    sync(world.app)
    directory.modify(directory.person_dn("lisi", "jwc"), displayName="李四光", mail="lsg@example.edu.cn")
    report = sync(world.app)
    assert [c.action for c in report.changes] == ["directory_update_user"]
    user = _user(world.app, "lisi")
    assert (user.display_name, user.email) == ("李四光", "lsg@example.edu.cn")


def test_new_department_ou_is_created_and_renamed(world, directory):
    directory.add_department("kyc", "科研处")
    directory.add_person("qianer", "kyc", "1010", "钱二")
    sync(world.app)
    assert _codes(_user(world.app, "qianer")) == ["kyc"]
    directory.modify(f"ou=kyc,{directory.people}", description="科学技术研究院")
    report = sync(world.app)
    assert [(c.action, c.data) for c in report.changes] == [
        ("directory_rename_department", {"from": "科研处", "to": "科学技术研究院"})]
    with world.app.db.read() as session:
        assert session.scalar(select(Department.name).where(Department.code == "kyc")) == "科学技术研究院"


def test_leaver_is_deactivated_sessions_and_tokens_end_history_keeps_name(world, directory, monkeypatch):
    app = _with(world.app, directory, sync={"default_roles": ["drafter"]})
    sync(app)
    zhangsan = world.actor("zhangsan")
    assert zhangsan.roles == frozenset({"drafter"})
    item = item_service.create_item(app, zhangsan, item_payload())
    log_in(app, "zhangsan", PASSWORDS + "zhangsan", "10.0.0.1")
    token = create_token(app, "zhangsan", "phone")
    directory.modify(directory.person_dn("zhangsan", "xsc"), employeeType="disabled")

    report = sync(app)
    assert [(c.action, c.subject) for c in report.changes] == [("directory_deactivate_user", "user:zhangsan")]
    user = _user(app, "zhangsan")
    assert not user.active and user.deactivated_at == app.now() and user.display_name == "张三"
    with app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(UserSession)
                              .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))) == 0
        assert session.scalar(select(ApiToken.revoked).where(ApiToken.user_id == user.id)) is True
        history = session.scalars(select(AuditEvent.actor_name).where(AuditEvent.item_id == item.id)).all()
    assert history == ["zhangsan"]
    with pytest.raises(NotAuthenticated):
        actor_for_token(app, token)
    with pytest.raises(NotAuthenticated):
        log_in(app, "zhangsan", PASSWORDS + "zhangsan", "10.0.0.1")

    directory.modify(directory.person_dn("zhangsan", "xsc"), employeeType="staff")  # came back
    report = sync(app)
    assert [c.action for c in report.changes] == ["directory_reactivate_user"]
    user = _user(app, "zhangsan")
    assert user.active and user.deactivated_at is None


def test_deleted_entry_is_a_leaver_too(world, directory):
    sync(world.app)
    directory.delete(directory.person_dn("chenyi", "jwc"))
    sync(world.app)
    user = _user(world.app, "chenyi")
    assert user is not None and not user.active


def test_mass_deactivation_is_refused_without_force(world, directory):
    sync(world.app)
    for uid, ou in (("zhangsan", "xsc"), ("lisi", "jwc"), ("zhaoliu", "xsc")):
        directory.modify(directory.person_dn(uid, ou), employeeType="disabled")
    snapshot = _snapshot(world.app)
    with pytest.raises(Conflict) as refused:
        sync(world.app)
    assert refused.value.code == "directory_mass_deactivation" and "--force" in refused.value.message
    assert _snapshot(world.app) == snapshot
    report = sync(world.app, force=True)
    assert report.counts()["directory_deactivate_user"] == 3


def test_empty_search_base_deactivates_nobody(world, directory):
    """A misconfigured base that finds no one must not empty the user list."""
    sync(world.app)
    directory.add(f"ou=empty,{directory.base}", ["organizationalUnit"], {"ou": "empty"})
    app = _with(world.app, directory, user_base=f"ou=empty,{directory.base}")
    snapshot = _snapshot(app)
    with pytest.raises(Conflict):
        sync(app)
    assert _snapshot(app) == snapshot


def test_missing_search_base_is_a_clear_error(world, directory):
    app = _with(world.app, directory, user_base=f"ou=nowhere,{directory.base}")
    with pytest.raises(ServiceUnavailable) as error:
        sync(app)
    assert error.value.code == "directory_misconfigured"


def test_service_bind_refused_stops_the_sync(world, directory, monkeypatch):
    monkeypatch.setenv("GONGKAI_TEST_LDAP_PASSWORD", "wrong")
    with pytest.raises(ServiceUnavailable):
        sync(world.app)
    assert _user(world.app, "zhangsan") is None


def test_department_by_attribute(world, directory):
    directory.modify(directory.person_dn("zhangsan", "xsc"), departmentNumber="jwc")
    app = _with(world.app, directory, departments={"mode": "attribute", "attribute": "departmentNumber", "base": ""})
    sync(app)
    assert _codes(_user(app, "zhangsan")) == ["jwc"]
    assert _codes(_user(app, "lisi")) == []  # no attribute: no department


@pytest.mark.parametrize("ou", ["xsc", "jwc"])
def test_a_newcomer_with_a_leavers_username_does_not_get_the_leavers_account(world, directory, ou):
    """zhangsan (工号 1001) left; a newcomer got the uid — in a flat OU even the same DN — with 工号 3001."""
    app = _with(world.app, directory, sync={"default_roles": ["drafter"]})
    sync(app)
    leaver = _user(app, "zhangsan")
    directory.delete(directory.person_dn("zhangsan", "xsc"))
    directory.add_person("zhangsan", ou, "3001", "张三丰")
    report = sync(app)
    assert [(c.action, c.subject) for c in report.changes] == [("directory_deactivate_user", "user:zhangsan")]
    assert any("用户名 zhangsan 已属于另一人（工号不同），未同步" in reason for reason in report.skipped)
    user = _user(app, "zhangsan")
    assert user.id == leaver.id and not user.active  # the leaver's account, left as the leaver's
    assert (user.employee_no, user.display_name, user.directory_dn) == ("1001", "张三", leaver.directory_dn)
    assert _actions(app).count("directory_update_user") == 0
    again = sync(app)  # the next night: still not linked, still not reactivated
    assert again.changes == [] and not _user(app, "zhangsan").active


def test_a_cas_account_with_another_employee_number_is_not_taken_over(world, directory):
    with world.app.db.write() as session:
        session.add(User(username="zhangsan", display_name="另一个张三", auth_source="cas", employee_no="7777",
                         created_at=world.app.now(), active=True))
    report = sync(world.app)
    assert "user:zhangsan" not in [c.subject for c in report.changes]
    assert any("用户名 zhangsan 已属于另一人（工号不同）" in reason for reason in report.skipped)
    user = _user(world.app, "zhangsan")
    assert (user.display_name, user.employee_no, user.directory_dn) == ("另一个张三", "7777", None)


def test_an_admins_deactivation_survives_the_sync(world, directory):
    sync(world.app)
    set_access(world.app, None, "zhangsan", roles=[], departments=["xsc"], active=False)
    report = sync(world.app)
    assert report.changes == [] and not _user(world.app, "zhangsan").active
    assert any("已被管理员停用" in reason for reason in report.skipped)
    # the sync's own deactivation is still undone when the person comes back
    directory.modify(directory.person_dn("lisi", "jwc"), employeeType="disabled")
    sync(world.app)
    set_access(world.app, None, "lisi", roles=["drafter"], departments=["jwc"])  # roles only: no switch
    directory.modify(directory.person_dn("lisi", "jwc"), employeeType="staff")
    assert [c.action for c in sync(world.app).changes] == ["directory_reactivate_user"]
    assert _user(world.app, "lisi").active and not _user(world.app, "zhangsan").active


def test_departments_an_admin_granted_survive_the_sync_and_a_move(world, directory):
    directory.add_department("kyc", "科研处")
    sync(world.app)
    set_access(world.app, None, "zhangsan", roles=["reviewer"], departments=["xsc", "kyc"])
    assert sync(world.app).changes == []
    assert _codes(_user(world.app, "zhangsan")) == ["kyc", "xsc"]
    directory.move("zhangsan", "xsc", "jwc")
    report = sync(world.app)
    moves = [(c.subject, c.data) for c in report.changes if c.action == "directory_move_user"]
    assert moves == [("user:zhangsan", {"from": "xsc", "to": "jwc"})]
    assert _codes(_user(world.app, "zhangsan")) == ["jwc", "kyc"]
    assert sync(world.app).changes == []


def test_a_username_taken_between_plan_and_apply_is_skipped_and_the_rest_goes_on(world, directory):
    """An LDAP login creates qianer while the sync runs: the sync skips qianer, creates sunli, deactivates chenyi."""
    app = _with(world.app, directory, sync={"batch_size": 1})
    sync(app)
    directory.add_person("qianer", "xsc", "1010", "钱二")
    directory.add_person("sunli", "jwc", "1011", "孙立")
    directory.modify(directory.person_dn("chenyi", "jwc"), employeeType="disabled")
    locked: list[bool] = []

    def meanwhile(done: int, total: int) -> None:  # called after the departments, before the first people batch
        if done == 0:
            log_in(app, "qianer", PASSWORDS + "qianer", "10.0.0.1")
            if app.db.is_postgres:
                with app.db.engine.connect() as connection:
                    locked.append(not connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": SYNC_LOCK_KEY}))

    report = sync(app, progress=meanwhile)
    assert sorted((c.action, c.subject) for c in report.changes) == [
        ("directory_create_user", "user:sunli"), ("directory_deactivate_user", "user:chenyi")]
    assert any("qianer" in reason and "同步期间新建" in reason for reason in report.skipped)
    assert _user(app, "sunli").active and not _user(app, "chenyi").active
    with app.db.read() as session:
        created = session.scalars(select(AuditEvent.subject).where(AuditEvent.action == "directory_create_user")
                                  .where(AuditEvent.subject.in_(["user:qianer", "user:sunli"]))).all()
    assert sorted(created) == ["user:qianer", "user:sunli"]  # qianer once: by the login, not by the sync
    assert locked in ([], [True])  # PostgreSQL: another sync would wait for this one
    assert sync(app).changes == []


@pytest.mark.parametrize("code", [3, 10, 11, 51])
def test_a_search_that_did_not_end_in_success_stops_the_sync(code):
    """ldap3 raises for none of timeLimitExceeded (3), referral (10) …: anything but success is refused."""
    require_complete({"result": 0, "description": "success"})
    with pytest.raises(ServiceUnavailable) as refused:
        require_complete({"result": code, "description": "cut short"})
    assert refused.value.code == "directory_truncated" and "同步已停止" in refused.value.message
