"""Granting roles to a person who arrived by 统一身份认证 or the directory with none (issue 16): the office
sees them waiting, an admin grants roles and scope on the person's page, the change is audited, bad input
changes nothing, and an admin cannot lock themselves out."""
from __future__ import annotations

from sqlalchemy import select

from db.models import AuditEvent, User
from tests.conftest import World
from workflow.services import users


def _newcomer(world: World) -> None:
    with world.app.db.write() as session:
        session.add(User(username="zhangsan", display_name="张三", employee_no="20250001", auth_source="cas",
                         created_at=world.app.now()))


def _person(world: World, username: str) -> User:
    with world.app.db.read() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        user.departments  # noqa: B018 - loaded while the session is open
        return user


def test_office_sees_the_newcomer_and_grants_roles(as_user, world: World) -> None:
    _newcomer(world)
    admin = as_user("admin")
    tasks = admin.get("/").get_data(as_text=True)
    section = tasks[tasks.index('id="office-awaiting-roles"'):]
    assert "新账号待分配角色（1）" in tasks and "张三" in section and "统一身份认证" in section
    page = admin.get("/admin/users/zhangsan").get_data(as_text=True)
    assert "尚无任何角色" in page and "工号 20250001" in page
    saved = admin.post("/admin/users/zhangsan", data={"roles": ["reviewer"], "departments": ["xsc"], "active": "y"})
    assert saved.status_code == 302
    person = _person(world, "zhangsan")
    assert person.roles == {"reviewer"} and [d.code for d in person.departments] == ["xsc"] and person.active
    assert "新账号待分配角色" not in admin.get("/").get_data(as_text=True)
    with world.app.db.read() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user_access"))
    assert event is not None and event.subject == "user:zhangsan"
    assert event.data["before"]["roles"] == [] and event.data["after"]["roles"] == ["reviewer"]


def test_unknown_role_or_department_changes_nothing(as_user, world: World) -> None:
    _newcomer(world)
    admin = as_user("admin")
    for data, message in (({"roles": ["superuser"], "departments": ["xsc"]}, "未知的角色"),
                          ({"roles": ["drafter"], "departments": ["nope"]}, "未知的部门")):
        page = admin.post("/admin/users/zhangsan", data={**data, "active": "y"})
        assert page.status_code == 422 and message in page.get_data(as_text=True)
        person = _person(world, "zhangsan")
        assert person.roles == frozenset() and person.departments == []


def test_admin_cannot_lock_themselves_out(as_user, world: World) -> None:
    admin = as_user("admin")
    page = admin.post("/admin/users/admin", data={"roles": ["drafter"], "all_departments": "y", "active": "y"})
    assert page.status_code == 409 and "不能取消自己的管理员角色" in page.get_data(as_text=True)
    assert _person(world, "admin").roles == {"admin"}


def test_break_glass_and_last_admin_cannot_be_taken_away(world: World) -> None:
    import pytest

    from workflow.errors import Conflict
    users.add_user(world.app, "office2", roles=["admin"], departments=["*"], password="password-123")
    office2 = world.actor("office2")
    with pytest.raises(Conflict) as refused:   # 'admin' is the default break-glass account
        users.set_access(world.app, office2, "admin", roles=["admin"], departments=["*"], active=False)
    assert refused.value.code == "break_glass_account"
    world.app.settings = world.app.settings.with_overrides({"auth": {"break_glass_users": ["nobody"]}})
    users.set_access(world.app, office2, "admin", roles=["drafter"], departments=["*"])
    with pytest.raises(Conflict) as refused:   # the operator's CLI too: someone must stay able to grant roles
        users.set_access(world.app, None, "office2", roles=["drafter"], departments=["*"])
    assert refused.value.code == "last_admin"
    assert _person(world, "office2").roles == {"admin"}


def test_deactivating_ends_the_persons_sessions(as_user, world: World) -> None:
    reviewer = as_user("reviewer")
    assert reviewer.get("/").status_code == 200
    as_user("admin").post("/admin/users/reviewer", data={"roles": ["reviewer"], "departments": ["xsc"]})
    person = _person(world, "reviewer")
    assert not person.active and person.deactivated_at is not None
    assert reviewer.get("/").status_code == 302  # back to the login page


def test_only_admins_reach_the_page(as_user, world: World) -> None:
    assert as_user("reviewer").get("/admin/users/drafter").status_code == 403
    assert as_user("admin").get("/admin/users/nobody").status_code == 404


def test_cli_grant(world: World) -> None:
    _newcomer(world)
    users.set_access(world.app, None, "zhangsan", roles=["drafter", ""], departments=["*"], department_head=True)
    person = _person(world, "zhangsan")
    assert person.roles == {"drafter"} and person.all_departments and person.is_department_head
