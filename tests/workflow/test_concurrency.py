"""Optimistic locking under real concurrency: 16 reviewers race to pass one item."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import func, select

from db.models import AuditEvent, Decision
from tests.conftest import CLEAR, World, item_payload
from workflow import audit
from workflow.context import Gongkai
from workflow.errors import Conflict
from workflow.services import items as svc
from workflow.services.users import add_user

RACERS = 16


def _item_in_review(world: World) -> int:
    item = svc.create_item(world.app, world.drafter, item_payload())
    svc.submit(world.app, world.drafter, item.id)
    return item.id


def _reviewers(world: World) -> list:
    for n in range(RACERS):
        add_user(world.app, f"racer{n}", roles=["reviewer"], departments=["xsc"])
    return [world.actor(f"racer{n}") for n in range(RACERS)]


def _assert_exactly_one_pass(app: Gongkai, item_id: int, outcomes: list[str]) -> None:
    assert outcomes.count("ok") == 1, outcomes
    assert outcomes.count("conflict") == RACERS - 1, outcomes
    with app.db.read() as session:
        passes = session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.item_id == item_id, AuditEvent.action == "pass_review"))
        decisions = session.scalar(select(func.count(Decision.id)).where(Decision.item_id == item_id))
        assert (passes, decisions) == (1, 1)
        assert audit.verify(session).ok


def test_sixteen_threads_one_winner(world: World) -> None:
    item_id = _item_in_review(world)
    reviewers = _reviewers(world)
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(actor) -> None:
        barrier.wait()
        try:
            svc.pass_review(world.app, actor, item_id, checklist=CLEAR)
            result = "ok"
        except Conflict:
            result = "conflict"
        except Exception as error:  # anything else is a bug worth seeing
            result = f"error: {error!r}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=race, args=(actor,)) for actor in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    _assert_exactly_one_pass(world.app, item_id, outcomes)


RACER_SCRIPT = r"""
import json, sys
from sqlalchemy import select
from db.models import User
from tests.conftest import CLEAR
from workflow.access import actor_from_user
from workflow.wiring import create_gongkai
from workflow.errors import Conflict
from workflow.services import items as svc
url, item_id, username, go_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
app = create_gongkai(url)
with app.db.read() as s:
    actor = actor_from_user(s.scalar(select(User).where(User.username == username)))
import os, time
while not os.path.exists(go_file):
    time.sleep(0.005)
try:
    svc.pass_review(app, actor, item_id, checklist=CLEAR)
    print("ok")
except Conflict:
    print("conflict")
"""


def test_sixteen_processes_one_winner(world: World, tmp_path: Path) -> None:
    item_id = _item_in_review(world)
    _reviewers(world)
    go_file = tmp_path / "go"
    root = Path(__file__).resolve().parents[2]
    # Every process signs audit events with the same key (docs/audit.md: one key per deployment).
    env = {**os.environ, "GONGKAI_AUDIT_KEY_FILE": str(world.app.settings.instance_dir / "audit_keys")}
    procs = [subprocess.Popen([sys.executable, "-c", RACER_SCRIPT, world.app.db.url.replace("+psycopg", ""),
                               str(item_id), f"racer{n}", str(go_file)], cwd=root, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(RACERS)]
    import time
    time.sleep(3)  # let every process connect and wait at the start line
    go_file.write_text("go")
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        outcomes.append(out.strip() or f"error: {err[-300:]}")
    _assert_exactly_one_pass(world.app, item_id, outcomes)


def test_sixteen_threads_on_sixteen_items_all_win_and_the_chain_holds(world: World) -> None:
    """Different items do not conflict: every transition commits, and their audit events, appended
    concurrently under the chain lock, form one gap-free chain (PostgreSQL: all sixteen guessed the same
    head with their first query; ``gongkai_audit_append`` takes one, the others are signed again after
    the real head, migration 0016)."""
    item_ids = [_item_in_review(world) for _ in range(RACERS)]
    reviewers = _reviewers(world)
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(actor, item_id: int) -> None:  # noqa: ANN001
        barrier.wait()
        try:
            svc.pass_review(world.app, actor, item_id, checklist=CLEAR)
            result = "ok"
        except Exception as error:  # a conflict here would be a chain race: worth seeing
            result = f"error: {error!r}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=race, args=pair) for pair in zip(reviewers, item_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes == ["ok"] * RACERS, outcomes
    with world.app.db.read() as session:
        seqs = list(session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
        assert seqs == list(range(1, len(seqs) + 1))
        assert audit.verify(session).ok
