"""Security basics a reviewer would check: headers, cookies, open redirects (more: test_login_*.py, test_sessions.py)."""
from __future__ import annotations



def test_headers_forbid_framing_and_inline_script(client) -> None:
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_session_cookie_is_http_only(ui_app) -> None:
    client = ui_app.test_client()
    response = client.post("/login", data={"username": "drafter", "password": "password-123"})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# Login throttling (which replaced the account lock-out): tests/web/test_login_throttle.py.


def test_login_never_redirects_off_site(ui_app) -> None:
    client = ui_app.test_client()
    response = client.post("/login?next=//evil.example/x", data={"username": "drafter", "password": "password-123"})
    assert response.status_code == 302 and "evil.example" not in response.headers["Location"]
