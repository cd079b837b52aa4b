"""Password login through a real OpenLDAP (search-then-bind), on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import AuditEvent, User
from tests.identity.conftest import PASSWORDS, DirectoryTree, ldap_overrides
from workflow.errors import NotAuthenticated, ServiceUnavailable
from workflow.services.login import log_in
from workflow.wiring import build_gongkai


def _user(app, username: str) -> User | None:
    with app.db.read() as session:
        return session.scalar(select(User).where(User.username == username))


def _with(app, tree: DirectoryTree, **changes):
    """The same instance with other LDAP settings."""
    return build_gongkai(db=app.db, settings=app.settings.with_overrides(ldap_overrides(tree, **changes)),
                         clock=app.clock)


def test_directory_password_logs_in_and_provisions_the_user_without_roles(world, directory):
    result = log_in(world.app, "zhangsan", PASSWORDS + "zhangsan", "10.0.0.1")
    user = _user(world.app, "zhangsan")
    assert result.actor.username == "zhangsan" and result.actor.roles == frozenset()
    assert user.auth_source == "ldap" and user.display_name == "张三" and user.employee_no == "1001"
    assert user.directory_dn == directory.person_dn("zhangsan", "xsc") and user.password_hash is None
    with world.app.db.read() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.subject == "user:zhangsan")).all()
    assert actions == ["directory_create_user"]
    # the second login uses the account made by the first
    assert log_in(world.app, "zhangsan", PASSWORDS + "zhangsan", "10.0.0.1").actor.id == user.id


def test_wrong_password_is_refused_like_a_local_one(world, directory):
    with pytest.raises(NotAuthenticated) as refused:
        log_in(world.app, "zhangsan", "not-the-password", "10.0.0.1")
    with pytest.raises(NotAuthenticated) as local:
        log_in(world.app, "drafter", "not-the-password", "10.0.0.2")
    assert refused.value.message == local.value.message and refused.value.code == local.value.code
    assert _user(world.app, "zhangsan") is None


def test_empty_password_never_binds(world, directory):
    for password in ("", None):
        with pytest.raises(NotAuthenticated):
            log_in(world.app, "zhangsan", password, "10.0.0.1")
    assert _user(world.app, "zhangsan") is None


@pytest.mark.parametrize("username", ["*)(uid=*", "zhang*", "*", "zhangsan)(|(uid=*"])
def test_filter_characters_in_the_username_match_nobody(world, directory, username):
    """Unescaped, ``zhang*`` would find zhangsan and his password would open an account named ``zhang*``."""
    with pytest.raises(NotAuthenticated):
        log_in(world.app, username, PASSWORDS + "zhangsan", "10.0.0.1")
    with world.app.db.read() as session:
        assert session.scalars(select(User.username).where(User.auth_source == "ldap")).all() == []


def test_disabled_directory_account_cannot_log_in(world, directory):
    with pytest.raises(NotAuthenticated):
        log_in(world.app, "wangwu", PASSWORDS + "wangwu", "10.0.0.1")


def test_local_accounts_keep_their_local_password(world, directory):
    """A directory entry with the same name does not take over a local account."""
    directory.add_person("drafter", "xsc", "2001", "同名人")
    assert log_in(world.app, "drafter", "password-123", "10.0.0.1").actor.username == "drafter"
    with pytest.raises(NotAuthenticated):
        log_in(world.app, "drafter", PASSWORDS + "drafter", "10.0.0.1")


def test_service_bind_refused_is_a_clear_503(world, directory, monkeypatch):
    monkeypatch.setenv("GONGKAI_TEST_LDAP_PASSWORD", "wrong-service-password")
    with pytest.raises(ServiceUnavailable) as error:
        log_in(world.app, "zhangsan", PASSWORDS + "zhangsan", "10.0.0.1")
    assert error.value.status == 503 and error.value.code == "directory_bind_refused"
    assert _user(world.app, "zhangsan") is None
    # a local account still logs in: the directory has no say over it
    assert log_in(world.app, "drafter", "password-123", "10.0.0.1").actor.username == "drafter"


def test_server_down_is_a_clear_503(world, directory):
    import socket
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = _with(world.app, directory, url=f"ldap://127.0.0.1:{port}")
    with pytest.raises(ServiceUnavailable) as error:
        log_in(app, "zhangsan", PASSWORDS + "zhangsan", "10.0.0.1")
    assert error.value.status == 503 and error.value.code == "directory_unavailable"
    assert "目录服务" in error.value.message


def test_directory_disabled_keeps_unknown_names_out(world, directory):
    app = _with(world.app, directory, enabled=False)
    with pytest.raises(NotAuthenticated):
        log_in(app, "zhangsan", PASSWORDS + "zhangsan", "10.0.0.1")


@pytest.mark.parametrize("ou", ["jwc", "xsc"])
def test_a_reused_username_does_not_open_the_old_account(world, directory, ou):
    """zhangsan left (entry deleted) and a newcomer got the uid before the nightly sync ran — in a flat OU
    (``xsc``) at the very DN the leaver's account is linked to; only the 工号 tells them apart."""
    first = log_in(world.app, "zhangsan", PASSWORDS + "zhangsan", "10.0.0.1").actor.id
    directory.delete(directory.person_dn("zhangsan", "xsc"))
    directory.add_person("zhangsan", ou, "3001", "张三丰")
    with pytest.raises(NotAuthenticated):
        log_in(world.app, "zhangsan", PASSWORDS + "zhangsan", "10.0.0.1")
    assert _user(world.app, "zhangsan").id == first


def test_a_moved_person_still_logs_in_before_the_sync(world, directory):
    first = log_in(world.app, "zhangsan", PASSWORDS + "zhangsan", "10.0.0.1").actor.id
    directory.move("zhangsan", "xsc", "jwc")
    assert log_in(world.app, "zhangsan", PASSWORDS + "zhangsan", "10.0.0.1").actor.id == first


@pytest.mark.parametrize(("employee_no", "opens"), [(None, False), ("9999", False), ("1001", True)])
def test_an_ldap_account_linked_to_no_entry_opens_only_for_its_employee_number(world, directory, employee_no, opens):
    """An ``ldap`` account without a directory link proves nothing about who holds the username."""
    with world.app.db.write() as session:
        session.add(User(username="zhangsan", display_name="张三", auth_source="ldap", employee_no=employee_no,
                         created_at=world.app.now(), active=True))
    if opens:
        assert log_in(world.app, "zhangsan", PASSWORDS + "zhangsan", "10.0.0.1").actor.username == "zhangsan"
    else:
        with pytest.raises(NotAuthenticated):
            log_in(world.app, "zhangsan", PASSWORDS + "zhangsan", "10.0.0.1")
