"""A real OpenLDAP for the identity tests (tests/identity/slapd.py) and a directory tree per test.

``slapd_server`` runs once per pytest worker; ``directory`` writes a fresh subtree for each test
(departments 学生处 xsc and 教务处 jwc as OUs under ou=people, eight staff, a disabled leaver, a
service account) and ``settings`` points ``[auth.ldap]`` at it, so ``app`` and ``world`` talk to it.
Without slapd the tests skip locally and FAIL in CI (CI=true) with the install hint.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest
from ldap3 import MODIFY_REPLACE, Connection

from tests.conftest import IN_CI
from tests.identity.slapd import INSTALL_HINT, SUFFIX, Slapd, slapd_binary, start

SERVICE_PASSWORD = "svc-password-for-tests"
PASSWORDS = "pw-"  # each person's password: "pw-" + uid
DISABLED = "(!(employeeType=disabled))"
STAFF = [  # uid, ou, 工号, display name
    ("zhangsan", "xsc", "1001", "张三"), ("lisi", "jwc", "1002", "李四"), ("zhaoliu", "xsc", "1004", "赵六"),
    ("sunqi", "jwc", "1005", "孙七"), ("zhouba", "xsc", "1006", "周八"), ("wujiu", "jwc", "1007", "吴九"),
    ("zhengshi", "xsc", "1008", "郑十"), ("chenyi", "jwc", "1009", "陈一"),
]
DEPARTMENTS = {"xsc": "学生处", "jwc": "教务处"}


@pytest.fixture(scope="session")
def slapd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    """slapd on a free port for this pytest worker; stopped at the end of the session."""
    if slapd_binary() is None:
        if IN_CI:
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    server = start(tmp_path_factory.mktemp("slapd"))
    yield server
    server.stop()


@dataclass
class DirectoryTree:
    """One test's subtree in the shared slapd, with helpers that change it like a directory admin would."""

    server: Slapd
    base: str
    admin: Connection
    created: list[str] = field(default_factory=list)

    @property
    def people(self) -> str:
        return f"ou=people,{self.base}"

    @property
    def service_dn(self) -> str:
        return f"cn=gongkai-svc,{self.base}"

    def person_dn(self, uid: str, ou: str) -> str:
        return f"uid={uid},ou={ou},{self.people}"

    def add(self, dn: str, classes: list[str], attributes: dict[str, Any]) -> None:
        assert self.admin.add(dn, classes, attributes), self.admin.result
        self.created.append(dn)

    def add_department(self, ou: str, name: str) -> None:
        self.add(f"ou={ou},{self.people}", ["organizationalUnit"], {"ou": ou, "description": name})

    def add_person(self, uid: str, ou: str, employee_no: str, name: str, **extra: Any) -> str:
        dn = self.person_dn(uid, ou)
        self.add(dn, ["inetOrgPerson"], {"uid": uid, "cn": name, "sn": name[:1], "displayName": name,
                                          "mail": f"{uid}@example.edu.cn", "employeeNumber": employee_no,
                                          "userPassword": PASSWORDS + uid, **extra})
        return dn

    def modify(self, dn: str, **values: Any) -> None:
        assert self.admin.modify(dn, {name: [(MODIFY_REPLACE, [value])] for name, value in values.items()}), \
            self.admin.result

    def move(self, uid: str, old_ou: str, new_ou: str) -> None:
        """Move a person to another department OU (their DN changes, as in AD)."""
        assert self.admin.modify_dn(self.person_dn(uid, old_ou), f"uid={uid}", new_superior=f"ou={new_ou},{self.people}"), \
            self.admin.result
        self.created.append(self.person_dn(uid, new_ou))

    def delete(self, dn: str) -> None:
        assert self.admin.delete(dn), self.admin.result


def build_tree(server: Slapd) -> DirectoryTree:
    """A fresh subtree: service account, ou=people with an OU per department, eight staff and a disabled leaver."""
    admin = server.admin()
    base = f"ou=t{uuid.uuid4().hex[:10]},{SUFFIX}"
    tree = DirectoryTree(server, base, admin)
    tree.add(base, ["organizationalUnit"], {"ou": base.split(",")[0][3:]})
    tree.add(tree.service_dn, ["organizationalRole", "simpleSecurityObject"],
             {"cn": "gongkai-svc", "userPassword": SERVICE_PASSWORD})
    tree.add(tree.people, ["organizationalUnit"], {"ou": "people"})
    for ou, name in DEPARTMENTS.items():
        tree.add_department(ou, name)
    for uid, ou, number, name in STAFF:
        tree.add_person(uid, ou, number, name)
    tree.add_person("wangwu", "xsc", "1003", "王五", employeeType="disabled")  # left before Gongkai came
    return tree


@pytest.fixture
def directory(slapd_server: Slapd) -> Iterator[DirectoryTree]:
    """This test's directory tree (removed afterwards)."""
    tree = build_tree(slapd_server)
    yield tree
    for dn in reversed(tree.created):
        tree.admin.delete(dn)  # best effort: entries a test deleted or moved are simply gone
    tree.admin.unbind()


def ldap_overrides(tree: DirectoryTree, **changes: Any) -> dict[str, Any]:
    """``[auth.ldap]`` settings for ``tree`` (``changes`` override top-level keys of auth.ldap)."""
    ldap: dict[str, Any] = {
        "enabled": True, "url": tree.server.url, "timeout_seconds": 3, "bind_dn": tree.service_dn,
        "bind_password_env": "GONGKAI_TEST_LDAP_PASSWORD", "user_base": tree.people,
        "user_filter": f"(&(objectClass=inetOrgPerson){DISABLED})", "page_size": 20,
        "departments": {"mode": "ou", "base": tree.people},
    }
    ldap.update(changes)
    return {"auth": {"ldap": ldap}}


@pytest.fixture
def settings(settings, directory: DirectoryTree, monkeypatch: pytest.MonkeyPatch):
    """The shared test settings with LDAP enabled against this test's tree."""
    monkeypatch.setenv("GONGKAI_TEST_LDAP_PASSWORD", SERVICE_PASSWORD)
    return settings.with_overrides(ldap_overrides(directory))
