"""统一身份认证 (CAS) login against a real CAS server: django-mama-cas in its own venv (tests/cas_server/).

Gongkai is served by waitress on a free port (the CAS server must reach it for single logout); a ``requests``
session plays the browser, following redirects between the two servers. Each test runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

import re
import threading
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from db.models import AuditEvent, Notification, User, UserSession
from tests.browser.conftest import _stop
from tests.cas_server import fixture as cas_fixture
from tests.cas_server.fixture import CasServer
from tests.conftest import World

ROLE_MAPPINGS = [{"attribute": "memberOf", "value": "xxgk-reviewer", "roles": ["reviewer"], "departments": ["xsc"]}]

cas_server = cas_fixture.cas_server  # the test CAS server (django-mama-cas), one per test process


class Live:
    """Gongkai served over HTTP, configured for the CAS server; ``http`` is the browser."""

    def __init__(self, url: str, world: World, cas: CasServer):
        self.url, self.world, self.cas = url, world, cas
        self.http = requests.Session()

    def configure(self, **cas_settings: Any) -> None:
        self.world.app.settings = self.world.app.settings.with_overrides({"auth": {"cas": cas_settings}})

    def cas_login(self, username: str, next_path: str | None = None) -> requests.Response:
        start = self.url + "/login/cas" + (f"?next={next_path}" if next_path else "")
        return self.cas.login(self.http, start, username)

    def users(self, username: str) -> list[User]:
        with self.world.app.db.read() as session:
            return list(session.scalars(select(User).where(User.username == username)))

    def open_sessions(self) -> int:
        with self.world.app.db.read() as session:
            return int(session.scalar(select(func.count()).select_from(UserSession)
                                      .where(UserSession.ended_at.is_(None))) or 0)


@pytest.fixture
def live(world: World, cas_server: CasServer) -> Iterator[Live]:
    from waitress.server import create_server

    from web.app import create_app
    world.app.settings = world.app.settings.with_overrides({"auth": {"secure_cookies": False}})  # plain http here
    server = create_server(create_app(world.app, {"TESTING": False}), host="127.0.0.1", port=0, threads=4)
    url = f"http://127.0.0.1:{server.effective_port}"
    world.app.settings = world.app.settings.with_overrides({
        "institution": {"base_url": url},
        "auth": {"cas": {"enabled": True, "server_url": cas_server.url, "version": 3, "timeout_seconds": 5,
                         "role_mappings": ROLE_MAPPINGS}}})
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield Live(url, world, cas_server)
    _stop(server, thread)


def test_login_page_offers_cas_button(live: Live) -> None:
    page = live.http.get(live.url + "/login?next=/inbox")
    assert "统一身份认证登录" in page.text
    assert 'href="/login/cas?next=/inbox"' in page.text
    live.configure(enabled=False)
    assert "统一身份认证登录" not in live.http.get(live.url + "/login").text
    assert live.http.get(live.url + "/login/cas").status_code == 404


def test_first_login_provisions_an_account_without_roles(live: Live) -> None:
    page = live.cas_login("zhangsan")
    assert page.url.startswith(live.url + "/login/cas/callback")
    assert page.status_code == 200 and "还没有任何角色" in page.text and "管理员" in page.text
    [user] = live.users("zhangsan")
    assert (user.auth_source, user.employee_no, user.display_name, user.email) == \
        ("cas", "20250001", "张三", "zhangsan@example.edu.cn")
    assert user.roles == frozenset() and user.password_hash is None
    assert [d.code for d in user.departments] == ["xsc"]  # the department attribute, matched by code
    assert live.open_sessions() == 0  # no role, no session: nothing to do here yet
    assert live.http.get(live.url + "/", allow_redirects=False).status_code == 302  # not logged in
    with live.world.app.db.read() as session:
        inbox = list(session.scalars(select(Notification).where(Notification.user_id == live.world.admin.id,
                                                                Notification.kind == "sso_provision")))
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "sso_provision")))
    assert [n.title for n in inbox] == ["新账号待分配角色：张三"]
    assert [e.subject for e in events] == ["user:zhangsan"]
    # Logging in again (still logged in at the CAS server: straight through) re-uses the account, tells no one again.
    again = live.cas_login("zhangsan")
    assert "还没有任何角色" in again.text and len(live.users("zhangsan")) == 1
    with live.world.app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Notification)
                              .where(Notification.kind == "sso_provision")) == 1


def test_a_login_without_roles_ends_whoever_was_logged_in_here(live: Live) -> None:
    form = live.http.get(live.url + "/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    assert token is not None
    live.http.post(live.url + "/login", data={"csrf_token": token.group(1), "username": "drafter",
                                              "password": "password-123"})
    assert live.open_sessions() == 1 and live.http.get(live.url + "/inbox").url == live.url + "/inbox"
    page = live.cas_login("zhangsan")     # someone else, at this browser, through 统一身份认证: no role yet
    assert "还没有任何角色" in page.text
    assert live.open_sessions() == 0      # the page speaks of 张三: the drafter is not left logged in behind it
    assert live.http.get(live.url + "/inbox", allow_redirects=False).status_code == 302


def test_mapped_roles_log_in_at_once_and_keep_next(live: Live) -> None:
    page = live.cas_login("lisi", next_path="/inbox")
    assert page.status_code == 200 and page.url == live.url + "/inbox"
    [user] = live.users("lisi")
    assert user.roles == {"reviewer"} and sorted(d.code for d in user.departments) == ["jwc", "xsc"]
    assert live.open_sessions() == 1
    with live.world.app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Notification)
                              .where(Notification.kind == "sso_provision")) == 0  # nothing left for an admin to do
    # A second browser, a second login: the same account (found by 工号), a second session.
    live.http = requests.Session()
    assert live.cas_login("lisi").url == live.url + "/"
    assert len(live.users("lisi")) == 1 and live.open_sessions() == 2


def test_next_leading_elsewhere_is_dropped(live: Live) -> None:
    page = live.cas_login("lisi", next_path="//evil.example/x")
    assert urlsplit(page.url).netloc == urlsplit(live.url).netloc


def _set_user(live: Live, user_id: int, **values: object) -> None:
    from sqlalchemy import update
    with live.world.app.db.write() as session:
        session.execute(update(User).where(User.id == user_id).values(**values))


def test_local_account_of_the_same_name_is_not_taken_over(live: Live) -> None:
    """A CAS user id equal to a local username proves nothing: the local account is not opened, nor changed."""
    page = live.cas_login("drafter")
    assert page.status_code == 403 and "同名的本地账号" in page.text
    [user] = live.users("drafter")
    assert (user.id, user.auth_source, user.employee_no) == (live.world.drafter.id, "local", None)
    assert live.open_sessions() == 0


def test_local_account_given_the_employee_number_is_matched_by_it(live: Live) -> None:
    _set_user(live, live.world.drafter.id, employee_no="20250009")
    page = live.cas_login("drafter")
    assert page.status_code == 200 and page.url == live.url + "/"
    [user] = live.users("drafter")
    assert user.id == live.world.drafter.id and user.auth_source == "local"
    with live.world.app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "sso_provision")) == 0


def test_directory_account_is_matched_by_username(live: Live) -> None:
    _set_user(live, live.world.drafter.id, auth_source="ldap")
    page = live.cas_login("drafter")
    assert page.status_code == 200 and page.url == live.url + "/"
    [user] = live.users("drafter")
    assert user.id == live.world.drafter.id and user.employee_no == "20250009"  # remembered for next time


def test_break_glass_account_never_opens_through_cas(live: Live) -> None:
    _set_user(live, live.world.admin.id, employee_no="20250010")
    page = live.cas_login("admin")
    assert page.status_code == 403 and "应急管理员" in page.text
    assert live.open_sessions() == 0


def test_single_logout_from_the_cas_server_ends_the_session(live: Live) -> None:
    live.cas_login("lisi")
    other = requests.Session()  # another person, another session: untouched
    _set_user(live, live.world.drafter.id, employee_no="20250009")
    live.cas.login(other, live.url + "/login/cas", "drafter")
    assert live.http.get(live.url + "/inbox").url == live.url + "/inbox"
    # Logging out at the CAS server: mama-cas POSTs a SAML LogoutRequest naming the ticket to our service URL.
    live.http.get(live.cas.url + "logout")
    page = live.http.get(live.url + "/inbox", allow_redirects=False)
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert live.open_sessions() == 1
    assert other.get(live.url + "/inbox").url == live.url + "/inbox"


def test_logging_out_of_gongkai_ends_the_cas_session_too(live: Live) -> None:
    page = live.cas_login("lisi")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    out = live.http.post(live.url + "/logout", data={"csrf_token": token.group(1)}, allow_redirects=False)
    assert out.status_code == 302
    location = urlsplit(out.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == live.cas.url + "logout"
    assert parse_qs(location.query)["service"] == [live.url + "/login"]
    assert live.open_sessions() == 0
    # Following it ends the CAS session: the next CAS login asks for the password again.
    live.http.get(out.headers["Location"])
    assert live.http.get(live.url + "/login/cas").url.startswith(live.cas.url + "login")


def _service(live: Live, http: requests.Session) -> str:
    """The service URL Gongkai sends ``http`` to the CAS server with (carrying this browser's state)."""
    start = http.get(live.url + "/login/cas", allow_redirects=False)
    return parse_qs(urlsplit(start.headers["Location"]).query)["service"][0]


def test_replayed_ticket_is_refused(live: Live) -> None:
    service = _service(live, live.http)
    ticket = live.cas.ticket_for(live.http, service, "lisi")
    as_it_set_off = live.http.cookies.copy()   # the browser's session with its state, before the callback
    assert live.http.get(service, params={"ticket": ticket}).url == live.url + "/"
    replay = requests.Session()
    replay.cookies.update(as_it_set_off)       # the same state comes back: the CAS server refuses the used ticket
    page = replay.get(service, params={"ticket": ticket})
    assert page.status_code == 401 and "已经用过" in page.text
    assert live.open_sessions() == 1


def test_unknown_ticket_is_refused(live: Live) -> None:
    page = live.http.get(_service(live, live.http), params={"ticket": "ST-1-notarealticket"})
    assert page.status_code == 401 and "登录票据无效" in page.text
    assert live.open_sessions() == 0


def test_ticket_for_another_service_is_refused(live: Live) -> None:
    ticket = live.cas.ticket_for(live.http, live.url + "/elsewhere", "zhangsan")
    page = live.http.get(_service(live, live.http), params={"ticket": ticket})
    assert page.status_code == 401 and "不是发给本系统的" in page.text
    assert live.users("zhangsan") == [] and live.open_sessions() == 0


def test_missing_employee_number_creates_nothing(live: Live) -> None:
    page = live.cas_login("wangwu")
    assert page.status_code == 403 and "没有提供工号" in page.text and "employeeNumber" in page.text
    assert live.users("wangwu") == [] and live.open_sessions() == 0


def test_cas_version_2_validates_too(live: Live) -> None:
    live.configure(version=2)
    page = live.cas_login("lisi")
    assert page.url == live.url + "/" and live.users("lisi")[0].roles == {"reviewer"}


def test_gongkai_builds_the_service_url_from_base_url_not_host(live: Live) -> None:
    start = live.http.get(live.url + "/login/cas", headers={"Host": "evil.example"}, allow_redirects=False)
    service = parse_qs(urlsplit(start.headers["Location"]).query)["service"]
    assert len(service) == 1 and service[0].startswith(live.url + "/login/cas/callback?state=")


@pytest.mark.parametrize(("change", "message"), [({"active": False}, "账号已停用"),
                                                 ({"employee_no": "19990001"}, "工号不一致")])
def test_local_account_that_cannot_be_this_person_is_refused(live: Live, change: dict[str, object],
                                                             message: str) -> None:
    _set_user(live, live.world.drafter.id, auth_source="ldap", **change)
    page = live.cas_login("drafter")
    assert page.status_code == 403 and message in page.text
    assert live.open_sessions() == 0 and len(live.users("drafter")) == 1
