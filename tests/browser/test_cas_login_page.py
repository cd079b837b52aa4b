"""统一身份认证 in a real browser: the login page's button (screenshot 55), the CAS server's form, and back in
Gongkai logged in on the page asked for."""
from __future__ import annotations

from tests.browser.conftest import LiveServer, shot
from tests.cas_server import fixture as cas_fixture
from tests.cas_server.fixture import PASSWORD, CasServer

MAPPINGS = [{"attribute": "memberOf", "value": "xxgk-reviewer", "roles": ["reviewer"], "departments": ["xsc"]}]

cas_server = cas_fixture.cas_server  # the test CAS server (django-mama-cas), one per test process


def test_cas_button_logs_in_through_the_cas_server(open_as, live_server: LiveServer, cas_server: CasServer) -> None:
    saved = live_server.app.settings
    live_server.app.settings = saved.with_overrides({
        "institution": {"base_url": live_server.url},
        "auth": {"cas": {"enabled": True, "server_url": cas_server.url, "role_mappings": MAPPINGS}}})
    try:
        page = open_as(None)
        page.goto(live_server.url + "/login?next=/inbox")
        button = page.locator("#cas-login")
        assert button.is_visible() and button.inner_text() == "统一身份认证登录"
        shot(page, "55-login-cas")
        button.click()
        page.wait_for_url(cas_server.url + "login*")
        page.fill("input[name=username]", "lisi")
        page.fill("input[name=password]", PASSWORD)
        page.click("[type=submit]")
        page.wait_for_url(live_server.url + "/inbox")
        assert "退出登录" in page.content()
    finally:
        live_server.app.settings = saved
