"""The login page with LDAP on: a directory account logs in through the form; a directory that is down is a 503 page."""
from __future__ import annotations

import socket

from tests.identity.conftest import PASSWORDS, ldap_overrides
from web.app import create_app
from workflow.wiring import build_gongkai


def _client(app):
    return create_app(app, {"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()


def test_directory_account_logs_in_through_the_form(world, directory):
    client = _client(world.app)
    refused = client.post("/login", data={"username": "zhangsan", "password": "wrong"})
    assert refused.status_code == 401 and "用户名或密码错误" in refused.get_data(as_text=True)
    response = client.post("/login", data={"username": "zhangsan", "password": PASSWORDS + "zhangsan"})
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code in (200, 302)


def test_directory_down_is_a_503_page_not_a_500(world, directory):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = build_gongkai(db=world.app.db, clock=world.app.clock, settings=world.app.settings.with_overrides(
        ldap_overrides(directory, url=f"ldap://127.0.0.1:{port}")))
    client = _client(app)
    response = client.post("/login", data={"username": "zhangsan", "password": "whatever"})
    assert response.status_code == 503
    assert "目录服务（LDAP）暂时无法使用" in response.get_data(as_text=True)
    as_json = client.post("/login", data={"username": "zhangsan", "password": "x"}, headers={"Accept": "application/json"})
    assert as_json.status_code == 503 and as_json.get_json()["error"] == "directory_unavailable"
    # the local break-glass account is not held up by the directory
    assert client.post("/login", data={"username": "admin", "password": "password-123"}).status_code == 302
