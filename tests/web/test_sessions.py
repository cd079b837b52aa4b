"""Issue 10: sessions end server-side; Secure cookies, HSTS and no-store by default."""
from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.web.ui_helpers import PASSWORD, login
from web.app import create_app

NEW_PASSWORD = "Another-Passphrase-42"


def _copy_of(client: FlaskClient, ui_app) -> FlaskClient:
    """A second browser holding a copy of the first one's session cookie (a stolen or left-behind cookie)."""
    thief = ui_app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _works(client: FlaskClient) -> bool:
    response = client.get("/inbox")  # a staff page
    return response.status_code == 200


def test_cookie_copied_before_logout_is_dead_after_logout(ui_app) -> None:
    client = login(ui_app.test_client(), "drafter")
    copy = _copy_of(client, ui_app)
    assert _works(copy)
    assert client.post("/logout").status_code == 302
    assert not _works(copy)
    assert copy.get("/inbox").headers["Location"].startswith("/login")
    assert not _works(client)


def test_password_change_ends_other_sessions_but_not_this_one(ui_app) -> None:
    laptop = login(ui_app.test_client(), "drafter")
    phone = login(ui_app.test_client(), "drafter")
    copy = _copy_of(laptop, ui_app)
    changed = laptop.post("/password", data={"old_password": PASSWORD, "new_password": NEW_PASSWORD,
                                             "confirm": NEW_PASSWORD})
    assert changed.status_code == 302, changed.get_data(as_text=True)[:300]
    assert _works(laptop)
    assert not _works(phone) and not _works(copy)
    assert ui_app.test_client().post("/login", data={"username": "drafter", "password": NEW_PASSWORD}).status_code == 302


def test_admin_password_reset_ends_every_session(ui_app, world) -> None:
    from workflow.services.users import set_password
    client = login(ui_app.test_client(), "reviewer")
    assert set_password(world.app, "reviewer", NEW_PASSWORD, actor=world.admin) == 1
    assert not _works(client)


def test_session_cookie_is_secure_by_default(ui_app) -> None:
    response = ui_app.test_client().post("/login", data={"username": "drafter", "password": PASSWORD})
    cookie = response.headers.get("Set-Cookie", "")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_secure_flag_can_be_switched_off_for_plain_http(world, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGKAI_SECURE_COOKIES", "0")
    app = create_app(world.app, {"TESTING": True, "WTF_CSRF_ENABLED": False})
    response = app.test_client().post("/login", data={"username": "drafter", "password": PASSWORD})
    assert "Secure" not in response.headers.get("Set-Cookie", "")
    assert "Strict-Transport-Security" not in response.headers
    # Over HTTPS (e.g. behind a TLS proxy) HSTS is still sent.
    assert "Strict-Transport-Security" in app.test_client().get("/login", base_url="https://localhost").headers


def test_staff_pages_and_api_are_not_stored_public_pages_may_be(as_user, api) -> None:
    drafter = as_user("drafter")
    for path in ("/", "/inbox", "/settings"):
        assert drafter.get(path).headers.get("Cache-Control") == "no-store", path
    assert api("drafter").get("/api/v1/me").headers.get("Cache-Control") == "no-store"
    assert api(None).get("/api/v1/items").headers.get("Cache-Control") == "no-store"  # the 401 too
    assert "no-store" not in (as_user(None).get("/public/").headers.get("Cache-Control") or "")
