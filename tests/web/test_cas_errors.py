"""统一身份认证 (CAS) refusals: a clear page (Chinese, English on request), the right status, and nothing created —
no user row, no session. The CAS server here is down, stalled or not CAS at all (servers started by the tests);
refusals of a real CAS server (replayed ticket, other service, missing 工号) are in test_cas_login.py."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import time
from typing import Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from db.models import LoginThrottle, User, UserSession
from tests.cas_server import fixture as cas_fixture
from tests.conftest import World
from workflow.services import sessions

CALLBACK = "/login/cas/callback"
LOGOUT_REQUEST = ('<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
                  'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="a1b2c3" Version="2.0" '
                  'IssueInstant="2025-09-26T02:00:00Z"><saml:NameID>@NOT_USED@</saml:NameID>'
                  '<samlp:SessionIndex>{ticket}</samlp:SessionIndex></samlp:LogoutRequest>')


def _use_cas(world: World, server_url: str, **more: object) -> None:
    world.app.settings = world.app.settings.with_overrides(
        {"auth": {"cas": {"enabled": True, "server_url": server_url, "timeout_seconds": 1, **more}}})


def _callback(client: FlaskClient, ticket: str = "ST-1-abc", **headers: str):  # type: ignore[no-untyped-def]
    """The callback as the CAS server sends the browser back: after /login/cas, with the state it was given."""
    start = client.get("/login/cas")
    service = parse_qs(urlsplit(start.headers["Location"]).query)["service"][0]
    state = parse_qs(urlsplit(service).query)["state"][0]
    return client.get(CALLBACK, query_string={"ticket": ticket, "state": state}, headers=headers)


def _counts(world: World) -> tuple[int, int]:
    with world.app.db.read() as session:
        return (int(session.scalar(select(func.count()).select_from(User)) or 0),
                int(session.scalar(select(func.count()).select_from(UserSession)) or 0))


@pytest.fixture
def stalled() -> Iterator[str]:
    yield from cas_fixture.stalled_server()


@pytest.fixture
def html() -> Iterator[str]:
    yield from cas_fixture.html_server()


def test_missing_ticket_is_a_clear_400(world: World, client: FlaskClient) -> None:
    _use_cas(world, f"http://127.0.0.1:{cas_fixture.free_port()}/cas/")
    page = client.get(CALLBACK)
    assert page.status_code == 400 and "缺少登录票据" in page.get_data(as_text=True)
    english = client.get(CALLBACK + "?lang=en")
    assert english.status_code == 400 and "The sign-in ticket is missing" in english.get_data(as_text=True)
    assert client.get(CALLBACK + "?ticket=PT-1-proxy").status_code == 400  # only service tickets log in


def test_a_ticket_this_browser_did_not_ask_for_is_refused_unvalidated(world: World, client: FlaskClient,
                                                                      html: str) -> None:
    """Login CSRF: an attacker's unused ticket, handed to a victim's browser, must not log the victim into the
    attacker's account — without the state this browser was given at /login/cas, nothing is validated."""
    _use_cas(world, html)   # a validation would be a 502 here: a 403 shows it never happened
    before = _counts(world)
    for query in ("?ticket=ST-1-abc", "?ticket=ST-1-abc&state=guessed"):
        page = client.get(CALLBACK + query)
        assert page.status_code == 403 and "不是从本浏览器发起的" in page.get_data(as_text=True)
    client.get("/login/cas")
    assert client.get(CALLBACK + "?ticket=ST-1-abc&state=guessed").status_code == 403
    assert _counts(world) == before


def test_cas_server_down_is_502_and_creates_nothing(world: World, client: FlaskClient) -> None:
    _use_cas(world, f"http://127.0.0.1:{cas_fixture.free_port()}/cas/")
    before = _counts(world)
    page = _callback(client)
    assert page.status_code == 502 and "无法连接统一身份认证服务器" in page.get_data(as_text=True)
    assert _counts(world) == before


def test_slow_cas_server_is_504_within_the_timeout(world: World, client: FlaskClient, stalled: str) -> None:
    _use_cas(world, stalled)
    before = _counts(world)
    page = _callback(client)
    assert page.status_code == 504 and "1 秒内没有应答" in page.get_data(as_text=True)
    assert _counts(world) == before


@pytest.mark.parametrize("server", [cas_fixture.dripping_server, cas_fixture.stalling_server])
def test_answer_slow_in_its_body_is_504_too(world: World, client: FlaskClient, server) -> None:  # type: ignore[no-untyped-def]
    for url in server():
        _use_cas(world, url)
        started = time.monotonic()
        page = _callback(client)
        assert page.status_code == 504 and time.monotonic() - started < 3


def test_answer_that_is_not_cas_is_502(world: World, client: FlaskClient, html: str) -> None:
    _use_cas(world, html)
    before = _counts(world)
    page = _callback(client)
    assert page.status_code == 502 and "不是有效的 CAS 应答" in page.get_data(as_text=True)
    assert _counts(world) == before
    assert _callback(client, Accept="application/json").get_json()["error"] \
        == "cas_bad_response"


def test_oversized_answer_is_502_unread(world: World, client: FlaskClient) -> None:
    for url in cas_fixture.huge_server():
        _use_cas(world, url)
        page = _callback(client)
        assert page.status_code == 502 and "应答过长" in page.get_data(as_text=True)


def test_single_logout_ends_only_the_session_of_its_ticket(world: World, client: FlaskClient) -> None:
    _use_cas(world, "https://cas.example.edu.cn/cas/")
    app = world.app
    with app.db.write() as session:
        sessions.start(session, app, world.reviewer.id, app.now(), sso_ticket="ST-42-reviewer")
        sessions.start(session, app, world.drafter.id, app.now(), sso_ticket="ST-43-drafter")
        sessions.start(session, app, world.admin.id, app.now())
    # No CSRF token: the CAS server posts this itself (the route is exempt; the flask app keeps CSRF on).
    page = client.post(CALLBACK, data={"logoutRequest": LOGOUT_REQUEST.format(ticket="ST-42-reviewer")})
    assert page.status_code == 200
    with app.db.read() as session:
        open_users = set(session.scalars(select(UserSession.user_id).where(UserSession.ended_at.is_(None))))
    assert open_users == {world.drafter.id, world.admin.id}
    assert client.post(CALLBACK, data={"logoutRequest": LOGOUT_REQUEST.format(ticket="ST-99-nobody")}).status_code == 200


@pytest.mark.parametrize("body", [
    "", "not xml", "<a/>",
    LOGOUT_REQUEST.replace('ID="a1b2c3" ', ""),  # no ID
    LOGOUT_REQUEST.replace("samlp:SessionIndex", "samlp:Other"),
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY t "ST-42-reviewer">]>' + LOGOUT_REQUEST.format(ticket="&t;"),
    LOGOUT_REQUEST.format(ticket="ST-" + "x" * 9000),
])
def test_single_logout_accepts_only_well_formed_requests(world: World, client: FlaskClient, body: str) -> None:
    _use_cas(world, "https://cas.example.edu.cn/cas/")
    app = world.app
    with app.db.write() as session:
        sessions.start(session, app, world.reviewer.id, app.now(), sso_ticket="ST-42-reviewer")
    assert client.post(CALLBACK, data={"logoutRequest": body}).status_code == 400
    with app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(UserSession).where(UserSession.ended_at.is_(None))) == 1


def _break_glass(world: World) -> None:
    world.app.settings = world.app.settings.with_overrides(
        {"auth": {"local_login": "break_glass", "break_glass_users": ["admin"]}})


def test_break_glass_lets_only_its_accounts_use_a_password(world: World, ui_app, api) -> None:  # type: ignore[no-untyped-def]
    _break_glass(world)
    browser = ui_app.test_client()
    refused = browser.post("/login", data={"username": "drafter", "password": "password-123"},
                           headers={"Accept": "application/json"})
    assert refused.status_code == 401 and refused.get_json()["error"] == "local_login_disabled"
    assert "统一身份认证" in refused.get_json()["message"]
    # An unknown name gets the very same answer: the refusal tells nothing about which accounts exist.
    unknown = browser.post("/login", data={"username": "nobody", "password": "password-123"},
                           headers={"Accept": "application/json"})
    assert (unknown.status_code, unknown.get_json()) == (refused.status_code, refused.get_json())
    # Counted like a wrong password: under the same throttle keys.
    with world.app.db.read() as session:
        keys = set(session.scalars(select(LoginThrottle.key)))
    assert any("drafter" in key for key in keys) and any("nobody" in key for key in keys)
    # A wrong password for the break-glass account itself gets that same answer too: the list is not revealed.
    wrong = browser.post("/login", data={"username": "admin", "password": "wrong-password-1"},
                         headers={"Accept": "application/json"})
    assert (wrong.status_code, wrong.get_json()) == (refused.status_code, refused.get_json())
    # API tokens are not affected; the break-glass account still logs in with its password.
    assert api("drafter").get("/api/v1/me").status_code == 200
    assert browser.post("/login", data={"username": "admin", "password": "password-123"}).status_code == 302


def test_break_glass_refusal_is_a_page_naming_the_other_way_in(world: World, ui_app) -> None:  # type: ignore[no-untyped-def]
    _break_glass(world)
    _use_cas(world, "https://cas.example.edu.cn/cas/")
    page = ui_app.test_client().post("/login", data={"username": "drafter", "password": "password-123"})
    text = page.get_data(as_text=True)
    assert page.status_code == 401 and "请点击「统一身份认证登录」" in text and 'id="cas-login"' in text


@pytest.mark.parametrize("auth", [{"local_login": "breakglass"}, {"local_login": "break_glass", "break_glass_users": []}])
def test_a_local_login_setting_that_would_lock_everyone_out_or_in_is_refused_at_start(auth: dict[str, object]) -> None:
    from workflow.identity import local_login
    from workflow.settings import SettingsError, load_settings
    with pytest.raises(SettingsError, match="local_login|break_glass_users"):
        local_login.check(load_settings().with_overrides({"auth": auth}))


def test_local_login_all_is_the_default(world: World, ui_app) -> None:  # type: ignore[no-untyped-def]
    page = ui_app.test_client().post("/login", data={"username": "drafter", "password": "password-123"})
    assert page.status_code == 302
