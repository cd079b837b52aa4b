"""Two real web worker processes on one database: concurrent HTTP transitions stay correct."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from db.models import ApiToken, AuditEvent
from tests.conftest import CLEAR, World, item_payload
from workflow import audit
from workflow.services import items as svc
from workflow.services.users import add_user, create_token

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2
RACERS = 12


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_up(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "worker died")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise TimeoutError(f"worker on {port} did not start")


def _post(port: int, path: str, token: str, body: dict) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def workers(world: World, tmp_path: Path):
    env = {**os.environ, "GONGKAI_DATABASE_URL": world.app.db.url, "GONGKAI_INSTANCE": str(tmp_path),
           "GONGKAI_SECRET_KEY": "test-only-secret",
           # one audit key for every process (docs/audit.md), else the test's verify cannot check theirs
           "GONGKAI_AUDIT_KEY_FILE": str(world.app.settings.instance_dir / "audit_keys")}
    ports = [_free_port() for _ in range(WORKERS)]
    procs = [subprocess.Popen([sys.executable, "-m", "gongkai", "web", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for port in ports]
    try:
        for port, proc in zip(ports, procs):
            _wait_up(port, proc)
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


def test_concurrent_pass_review_across_workers(world: World, workers: list[int]) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload())
    svc.submit(world.app, world.drafter, item.id)
    tokens = []
    for n in range(RACERS):
        add_user(world.app, f"http{n}", roles=["reviewer"], departments=["xsc"])
        tokens.append(create_token(world.app, f"http{n}"))
    # The workers run on the real clock, the test world on a fixed one in 2025: tokens issued "then" would
    # already have expired for the workers, so these never expire (NULL, as tokens from before migration 0012).
    with world.app.db.write() as session:
        session.execute(update(ApiToken).values(expires_at=None))
    path = f"/api/v1/items/{item.id}/transitions"
    with ThreadPoolExecutor(RACERS) as pool:
        statuses = list(pool.map(lambda n: _post(workers[n % WORKERS], path, tokens[n],
                                                 {"trigger": "pass_review", "checklist": CLEAR}), range(RACERS)))
    assert statuses.count(200) == 1, statuses
    assert statuses.count(409) == RACERS - 1, statuses
    with world.app.db.read() as session:
        assert session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.item_id == item.id, AuditEvent.action == "pass_review")) == 1
        assert audit.verify(session).ok
