"""Every request logged with an id the response repeats; 500s logged with method, path and id; trusted proxies."""
from __future__ import annotations

import logging
import re

import pytest
from flask import Flask

from tests.applications_helpers import id_file
from tests.conftest import World
from tests.web.test_applications import FORM
from tests.web.ui_helpers import PASSWORD
from web.app import create_app


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "gongkai.request"]


def test_each_request_is_logged_with_its_id_method_path_status_duration_and_user(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    client = create_app(world.app, {"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()
    caplog.set_level(logging.INFO, logger="gongkai.request")
    login = client.post("/login?next=/&secret=hunter2", data={"username": "drafter", "password": PASSWORD},
                        headers={"X-Request-ID": "lb-7f3a.42"})
    assert login.status_code == 302 and login.headers["X-Request-ID"] == "lb-7f3a.42"
    [line] = _request_lines(caplog)
    assert line.levelno == logging.INFO
    assert (line.method, line.path, line.status, line.user_id) == ("POST", "/login", 302, world.drafter.id)
    assert isinstance(line.duration_ms, float) and line.duration_ms >= 0
    assert "hunter2" not in line.getMessage() and "secret" not in line.getMessage()
    caplog.clear()
    page = client.get("/")
    assert page.status_code == 200 and re.fullmatch(r"[0-9a-f]{16}", page.headers["X-Request-ID"])
    [line] = _request_lines(caplog)
    assert line.user_id == world.drafter.id and line.path == "/"


@pytest.mark.parametrize("offered", ["two words", "x" * 200, "<script>", "a\tb", ""])
def test_an_unsafe_incoming_request_id_is_replaced(world: World, offered: str) -> None:
    client = create_app(world.app, {"TESTING": True}).test_client()
    response = client.get("/public/", headers={"X-Request-ID": offered} if offered else {})
    assert re.fullmatch(r"[0-9a-f]{16}", response.headers["X-Request-ID"])


def test_a_control_character_in_the_path_cannot_forge_a_log_line(world: World, caplog: pytest.LogCaptureFixture) -> None:
    client = create_app(world.app, {"TESTING": True}).test_client()
    caplog.set_level(logging.INFO, logger="gongkai.request")
    client.get("/public/items/1%0A2026-01-01 INFO forged")
    [line] = _request_lines(caplog)
    assert "\n" not in line.getMessage() and "\\x0a" in line.path


def test_probes_are_logged_at_debug_only(world: World, caplog: pytest.LogCaptureFixture) -> None:
    client = create_app(world.app, {"TESTING": True}).test_client()
    caplog.set_level(logging.INFO, logger="gongkai.request")
    assert client.get("/healthz").status_code == 200 and client.get("/readyz").status_code == 200
    assert _request_lines(caplog) == []


@pytest.fixture
def failing_app(world: World) -> Flask:
    flask_app = create_app(world.app, {"TESTING": True})

    def boom() -> str:
        raise RuntimeError("the disk is on fire")

    flask_app.add_url_rule("/boom", "boom", boom)
    return flask_app


def test_a_500_is_logged_with_method_path_request_id_and_traceback_and_the_page_shows_the_id(
        failing_app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    response = failing_app.test_client().get("/boom?token=abc", headers={"X-Request-ID": "req-500-a"})
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert 'id="request-id">req-500-a<' in html and "请求编号" in html
    assert "the disk is on fire" not in html
    [error] = [r for r in caplog.records if r.name == "gongkai.web"]
    assert error.levelno == logging.ERROR and error.exc_info and "the disk is on fire" in str(error.exc_info[1])
    assert "GET /boom" in error.getMessage() and "req-500-a" in error.getMessage() and "abc" not in error.getMessage()
    [line] = _request_lines(caplog)
    assert line.status == 500 and line.path == "/boom"


# --- trusted proxies (GONGKAI_TRUSTED_PROXIES / [web] trusted_proxies) ------------------------------

def _public_form_statuses(flask_app: Flask, forwarded_for: list[str]) -> list[int]:
    """Post the public application form once per X-Forwarded-For value, all from one proxy address."""
    client = flask_app.test_client()
    return [client.post("/public/apply", data={**FORM, "identity_document": id_file()},
                        environ_base={"REMOTE_ADDR": "10.0.0.2"},
                        headers={"X-Forwarded-For": address}).status_code for address in forwarded_for]


def test_behind_a_trusted_proxy_each_applicant_has_their_own_rate_limit(world: World) -> None:
    world.app.settings = world.app.settings.with_overrides({"web": {"trusted_proxies": 1}})
    flask_app = create_app(world.app, {"TESTING": True, "WTF_CSRF_ENABLED": False})
    # Seven applicants behind one nginx: none is refused, and one of them is still limited on their own.
    assert _public_form_statuses(flask_app, [f"203.0.113.{n}" for n in range(1, 8)]) == [201] * 7
    assert _public_form_statuses(flask_app, ["198.51.100.9"] * 6) == [201] * 5 + [429]
    # With one trusted hop, only the address nginx appended counts: a client's own prefix is ignored.
    assert _public_form_statuses(flask_app, ["1.2.3.4, 198.51.100.9"]) == [429]


def test_without_trusted_proxies_a_spoofed_forwarded_for_is_ignored(world: World) -> None:
    flask_app = create_app(world.app, {"TESTING": True, "WTF_CSRF_ENABLED": False})
    assert _public_form_statuses(flask_app, [f"203.0.113.{n}" for n in range(1, 7)]) == [201] * 5 + [429]


def test_trusted_proxies_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from workflow.settings import SettingsError, load_settings
    monkeypatch.setenv("GONGKAI_TRUSTED_PROXIES", "2")
    assert load_settings()["web.trusted_proxies"] == 2
    monkeypatch.setenv("GONGKAI_TRUSTED_PROXIES", "nginx")
    with pytest.raises(SettingsError, match="GONGKAI_TRUSTED_PROXIES"):
        load_settings()
