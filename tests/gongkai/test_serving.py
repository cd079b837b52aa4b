"""Production serving, for real: gunicorn (2 workers, config/gunicorn_conf.py) and the CLI servers as
subprocesses on a free port, on both databases."""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db.migrate import head_revisions
from db.session import normalize_url
from tests.conftest import PG_ADMIN_URL, World
from tests.web.ui_helpers import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90  # a loaded CI machine imports matplotlib and friends slowly

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGKAI_")}
    env.update({"GONGKAI_DATABASE_URL": database_url, "GONGKAI_INSTANCE": str(tmp_path / "instance"),
                "GONGKAI_SECRET_KEY": "test-only-secret", "PYTHONPATH": str(ROOT),
                # plain HTTP: urllib's cookie jar (unlike a browser on localhost) withholds Secure cookies
                "GONGKAI_SECURE_COOKIES": "0"}, **extra)
    return env


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Http:
    """A tiny client with cookies that does not follow redirects."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect())

    def call(self, path: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()


def _wait_healthy(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.time() + START_TIMEOUT
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise AssertionError(f"server did not come up in {START_TIMEOUT}s:\n{log.read_text()}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _gunicorn(port: int, workers: int = 2) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn_conf", "-b", f"127.0.0.1:{port}",
            "-w", str(workers)]


@pytest.fixture
def gunicorn_json(world: World, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """gunicorn with 2 workers on the test database, JSON logs into a file."""
    port, log = _free_port(), tmp_path / "gunicorn.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(_gunicorn(port), cwd=tmp_path, stdout=sink, stderr=subprocess.STDOUT,
                                env=_env(world.app.db.url, tmp_path, GONGKAI_LOG_FORMAT="json"))
    try:
        _wait_healthy(port, proc, log)
        yield port, log
    finally:
        _stop(proc)


def _json_lines(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def test_gunicorn_serves_probes_and_a_login_with_request_ids_in_json_logs(world: World,
                                                                         gunicorn_json: tuple[int, Path]) -> None:
    port, log = gunicorn_json
    client = Http(port)
    status, headers, body = client.call("/healthz")
    assert status == 200 and json.loads(body) == {"status": "alive"} and headers["X-Request-ID"]
    status, _, body = client.call("/readyz")
    assert status == 200 and json.loads(body)["schema"]["current"] == list(head_revisions())
    status, _, page = client.call("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    status, headers, _ = client.call("/login?next=/", {"username": "drafter", "password": PASSWORD, "csrf_token": token},
                                     {"X-Request-ID": "it-login-1"})
    assert status == 302 and headers["X-Request-ID"] == "it-login-1"
    status, headers, _ = client.call("/")
    assert status == 200 and re.fullmatch(r"[0-9a-f]{16}", headers["X-Request-ID"])
    time.sleep(0.5)  # let the worker flush its log line
    lines = _json_lines(log)
    [login] = [line for line in lines if line.get("request_id") == "it-login-1"]
    assert (login["logger"], login["level"], login["method"], login["path"], login["status"], login["user_id"]) == \
        ("gongkai.request", "INFO", "POST", "/login", 302, world.drafter.id)
    assert login["duration_ms"] >= 0
    # gunicorn's own lines in the same JSON format; no gunicorn access log beside the app's request log.
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
    assert not any(line["logger"] == "gunicorn.access" for line in lines)
    assert len({line["pid"] for line in lines if line["logger"] == "gunicorn.error"
                and "Booting worker" in line["message"]}) == 2


def test_readyz_turns_503_when_the_schema_is_set_back_under_a_running_gunicorn(
        world: World, gunicorn_json: tuple[int, Path]) -> None:
    port, _ = gunicorn_json
    client = Http(port)
    heads = head_revisions()
    try:
        with world.app.db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0009'"))
        status, _, body = client.call("/readyz")
        assert status == 503 and json.loads(body)["reason"] == "schema_behind"
        assert client.call("/healthz")[0] == 200
    finally:
        with world.app.db.engine.begin() as conn:
            conn.execute(text("DELETE FROM alembic_version"))
            for head in heads:
                conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:r)"), {"r": head})
    assert client.call("/readyz")[0] == 200


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema: an empty SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    request.getfixturevalue("pg_database_url")  # skips (or fails in CI) without PostgreSQL
    name = f"gongkai_empty_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalize_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(normalize_url(PG_ADMIN_URL)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _assert_refusal(output: str, database_url: str) -> None:
    expected = head_revisions()[0]
    assert "gongkai init" in output, output
    assert "没有 Gongkai 的表结构" in output and "has no Gongkai schema" in output, output
    assert f"expected: {expected}" in output and f"需要版本：{expected}" in output, output
    shown = make_url(normalize_url(database_url))
    assert (shown.database or "") in output, output


@pytest.mark.parametrize("command", ["gunicorn", "gongkai web", "gongkai scheduler"])
def test_servers_refuse_an_unmigrated_database_with_a_clear_message(empty_database_url: str, tmp_path: Path,
                                                                   command: str) -> None:
    if command != "gunicorn" and not empty_database_url.startswith("sqlite"):
        pytest.skip("the same check as gunicorn's, which runs on both databases; saves two slow starts")
    port = _free_port()
    argv = {"gunicorn": _gunicorn(port),
            "gongkai web": [sys.executable, "-m", "gongkai", "web", "--port", str(port)],
            "gongkai scheduler": [sys.executable, "-m", "gongkai", "scheduler"]}[command]
    done = subprocess.run(argv, cwd=tmp_path, env=_env(empty_database_url, tmp_path), capture_output=True, text=True,
                          timeout=START_TIMEOUT)
    assert done.returncode != 0
    _assert_refusal(done.stdout + done.stderr, empty_database_url)
    if empty_database_url.startswith("sqlite"):
        # Nothing to serve, so nothing was created (no empty database file left behind to confuse).
        assert not (tmp_path / "empty.db").exists()


def test_gongkai_run_migrates_an_empty_database_first_and_serves(tmp_path: Path) -> None:
    """`gongkai run` (and `make run`) is the one-command start: it runs `gongkai init` itself."""
    port, log = _free_port(), tmp_path / "run.log"
    with log.open("w") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "gongkai", "run", "--port", str(port)], cwd=tmp_path,
                                stdout=sink, stderr=subprocess.STDOUT,
                                env=_env(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path))
    try:
        _wait_healthy(port, proc, log)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as response:
            assert response.status == 200
    finally:
        _stop(proc)
