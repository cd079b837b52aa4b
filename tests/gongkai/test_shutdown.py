"""SIGTERM to ``gongkai run`` and ``gongkai scheduler`` (real processes): exit 0, a complete SQLite file, claims handed back."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

import pytest
from sqlalchemy import insert, select

from db.models import CalendarOverride, OutboxMail
from db.session import Database
from tests.workflow.test_mailer import Inbox, smtp  # noqa: F401  (fixture)
from workflow.clock import SHANGHAI, FixedClock, local_date
from workflow.mailer import deliver
from workflow.settings import load_settings
from workflow.wiring import build_gongkai

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _gongkai(url: str, *args: str, config: Path | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "GONGKAI_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    if config is not None:
        env["GONGKAI_CONFIG"] = str(config)
    return subprocess.Popen([sys.executable, "-m", "gongkai", *args], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"process ended early: {process.stdout.read() if process.stdout else ''}")
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting for the process")


def _sqlite_rows(path: Path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        connection.close()


def _http_ok(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/public/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def sqlite_file(sqlite_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "live" / "gongkai.db"
    path.parent.mkdir()
    shutil.copy(sqlite_template, path)
    return path


@pytest.mark.parametrize("command", ["run", "scheduler"])
def test_sigterm_leaves_a_complete_sqlite_file(command: str, sqlite_file: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{sqlite_file}"
    port = _free_port()
    process = _gongkai(url, *(["run", "--port", str(port)] if command == "run" else ["scheduler"]))
    try:
        _wait_for(lambda: bool(_sqlite_rows(sqlite_file, "SELECT 1 FROM scheduler_heartbeats")), process)
        if command == "run":
            _wait_for(lambda: _http_ok(port), process)
        else:
            time.sleep(1)  # the handler is installed right after the first beat
        # data written while the server runs (it stays in the WAL while connections are open)
        added = _gongkai(url, "department", "add", "zsc", "测试处")  # not among the departments `gongkai init` loads
        assert added.wait(timeout=60) == 0, added.stdout.read() if added.stdout else ""
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, process.stdout.read() if process.stdout else ""
    finally:
        if process.poll() is None:
            process.kill()
    output = process.stdout.read() if process.stdout else ""
    copy = tmp_path / "copy" / "gongkai.db"
    copy.parent.mkdir()
    shutil.copy(sqlite_file, copy)  # ONLY the main file, as a careless backup would
    assert _sqlite_rows(copy, "PRAGMA integrity_check") == [("ok",)], output
    assert _sqlite_rows(copy, "SELECT code, name FROM departments WHERE code = 'zsc'") == [("zsc", "测试处")]
    stopped = _sqlite_rows(copy, "SELECT stopped_at FROM scheduler_heartbeats")
    assert len(stopped) == 1 and stopped[0][0] is not None  # the heartbeat says it stopped cleanly
    assert not Path(f"{sqlite_file}-wal").exists() or Path(f"{sqlite_file}-wal").stat().st_size == 0


class _SilentSmtp:
    """Accepts connections and never answers: a hung mail server keeps the delivery job busy."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.clients: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.clients.append(client)

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.sock.close()


@pytest.fixture
def silent_smtp() -> Iterator[_SilentSmtp]:
    server = _SilentSmtp()
    yield server
    server.close()


def test_sigterm_hands_mail_claims_to_the_next_scheduler_at_once(database: Database, silent_smtp: _SilentSmtp,
                                                                 smtp, tmp_path: Path) -> None:  # noqa: F811
    """A scheduler stuck sending mail is stopped: its mail goes back to the queue, another sends it now."""
    now = datetime.now(timezone.utc)
    with database.engine.begin() as conn:  # today is a working day, whatever the real calendar says
        conn.execute(insert(CalendarOverride).values(day=local_date(now), kind="work", reason="test",
                                                     created_at=now))
        conn.execute(insert(OutboxMail), [
            {"idempotency_key": f"sig:{i}", "to_addr": f"u{i}@example.edu.cn", "subject": "提醒", "body": "正文",
             "kind": "instant", "state": "queued", "attempts": 0, "next_attempt_at": now - timedelta(minutes=1),
             "created_at": now - timedelta(minutes=1)} for i in range(3)])
    config = tmp_path / "gongkai.toml"
    config.write_text(f"[mail]\nport = {silent_smtp.port}\ntimeout_seconds = 120\n"
                      "[liveness]\nshutdown_grace_seconds = 2\n", encoding="utf-8")
    process = _gongkai(database.url, "scheduler", config=config)

    def sending() -> bool:
        with database.engine.connect() as conn:
            return conn.scalar(select(OutboxMail.id).where(OutboxMail.state == "sending").limit(1)) is not None
    try:
        _wait_for(sending, process)
        _wait_for(lambda: bool(silent_smtp.clients), process)  # blocked waiting for the SMTP greeting
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, process.stdout.read() if process.stdout else ""
        assert time.monotonic() - started < 30  # bounded: not the 120 s SMTP timeout
    finally:
        if process.poll() is None:
            process.kill()
    output = process.stdout.read() if process.stdout else ""
    with database.engine.connect() as conn:
        rows = conn.execute(select(OutboxMail.state, OutboxMail.claimed_at)).all()
    assert rows == [("queued", None)] * 3, output
    # a second scheduler, a minute later (well inside the 5-minute lease), sends all three at once
    inbox, port = smtp
    settings = load_settings(database_url=database.url).with_overrides({"mail": {"port": port}})
    other = build_gongkai(db=database, settings=settings, clock=FixedClock((now + timedelta(minutes=1)).astimezone(SHANGHAI)))
    result = deliver(other)
    assert result.sent == 3 and len(inbox.messages) == 3
