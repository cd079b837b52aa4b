"""Full item lifecycles per second through the service layer, against raw SQL doing the same writes.

    .venv/bin/python -m bench.transitions                 # 200 lifecycles per database
    .venv/bin/python -m bench.transitions --n 500 --db sqlite
    .venv/bin/python -m bench.transitions --profile       # cProfile hot spots of the Gongkai run

A lifecycle is create → submit → pass_review → approve: four transactions.

- Gongkai: ``workflow.services.items`` verbs with real actors (drafter, reviewer, approver of
  one department), guards, deadlines, revision snapshot + secrecy scan, decisions, the audit
  hash chain and every registered after_transition hook.
- Raw SQL: the same engine and connection settings (SQLite WAL + ``synchronous=NORMAL`` +
  ``BEGIN IMMEDIATE``; PostgreSQL READ COMMITTED), one transaction per step: the item
  INSERT/UPDATE with version check, the revision (submit) or decision (pass_review, approve)
  row, and the chained audit event (read last seq/hash, HMAC-SHA256, INSERT; PostgreSQL takes the
  same advisory lock) — no ORM, no validation, no scan.

Both run in the same process against the same scratch database, interleaved in rounds so
that warm-up and file growth hit both alike. The ratio Gongkai/raw is the figure to watch
(targets: PostgreSQL ≤ 3×, SQLite ≤ 10×).

Beside the ratio it prints the statements each step sends (one untimed lifecycle per path, counted
by ``bench.common.StatementCounter``; target ≤ 6 per transition): unlike timings, counts are
deterministic, and tests/workflow/test_statement_counts.py guards them.
"""
from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import pstats
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

from bench.common import StatementCounter, database_kinds, machine_note, prepared_app, scratch_database, today
from db.session import Database
from workflow.access import Actor, actor_from_user
from workflow.audit import keyed_hash
from workflow.audit_keys import keys_of
from workflow.checklist import ALL_CLEAR
from workflow.context import Gongkai

CLEAR = dict(ALL_CLEAR)
AUDIT_LOCK_KEY = 0x6E6B_0A0D
STEPS = ("create", "submit", "pass_review", "approve")


def _setup_people(app: Gongkai) -> tuple[Actor, Actor, Actor]:
    from sqlalchemy import select

    from db.models import User
    from workflow.services.users import add_department, add_user
    add_department(app, "bench", "基准测试处")
    for name, role in (("b_drafter", "drafter"), ("b_reviewer", "reviewer"), ("b_approver", "approver")):
        add_user(app, name, roles=[role], departments=["bench"], department_head=role == "reviewer")
    with app.db.read() as session:
        return tuple(actor_from_user(session.scalar(select(User).where(User.username == n)))  # type: ignore
                     for n in ("b_drafter", "b_reviewer", "b_approver"))


def _payload(serial: int) -> dict[str, Any]:
    return {"title": f"2025年国家奖学金评审结果（第{serial}批）", "body": "经评审，现将结果公布如下。" * 20,
            "department": "bench", "catalog_code": "1", "channels": ["website", "wechat"],
            "formed_on": today().isoformat()}


def gongkai_lifecycles(app: Gongkai, people: tuple[Actor, Actor, Actor], n: int, start: int,
                       counter: StatementCounter | None = None) -> None:
    """``n`` full lifecycles through the service layer (each step counted under its name by ``counter``)."""
    from workflow.services import items
    drafter, reviewer, approver = people
    step = counter.step if counter is not None else _uncounted
    for i in range(n):
        with step("create"):
            item = items.create_item(app, drafter, _payload(start + i))
        with step("submit"):
            items.submit(app, drafter, item.id)
        with step("pass_review"):
            items.pass_review(app, reviewer, item.id, CLEAR)
        with step("approve"):
            items.approve(app, approver, item.id)


@contextmanager
def _uncounted(_label: str) -> Iterator[None]:
    yield


class RawLifecycle:
    """The same writes as the service layer, with the DBAPI connection and hand-written SQL."""

    def __init__(self, database: Database, people: tuple[Actor, Actor, Actor], department_id: int):
        self.database = database
        self.people = people
        self.department_id = department_id
        self.conn = database.engine.raw_connection()  # same connect-time PRAGMAs as Gongkai's engine
        self.pg = database.is_postgres
        self.p = "%s" if self.pg else "?"
        self.counter: StatementCounter | None = None
        with database.read() as session:  # the instance's audit key, as the service layer signs with
            self.key_id, self.key = keys_of(session).current()

    def close(self) -> None:
        self.conn.close()

    def _sql(self, statement: str) -> str:
        return statement.replace("?", self.p)

    def _execute(self, cur: Any, statement: str, params: Any = ()) -> None:
        if self.counter is not None:
            self.counter.record(statement)
        cur.execute(self._sql(statement), params)

    def _begin(self, cur: Any) -> None:
        if not self.pg:
            self._execute(cur, "BEGIN IMMEDIATE")  # psycopg opens its transaction implicitly

    def _now(self) -> tuple[Any, datetime]:
        """(the value to bind, the aware datetime hashed into the audit event)."""
        at = datetime.now(timezone.utc)
        return (at if self.pg else at.replace(tzinfo=None).isoformat(sep=" ")), at

    def _audit(self, cur: Any, now: Any, at: datetime, actor: Actor, item_id: int, action: str, from_state: str | None,
               to_state: str, revision_hash: str | None, data: dict[str, Any]) -> None:
        if self.pg:
            self._execute(cur, "SELECT pg_advisory_xact_lock(?)", (AUDIT_LOCK_KEY,))
        self._execute(cur, "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
        last = cur.fetchone()
        seq, prev = (last[0] + 1, last[1]) if last else (1, "0" * 64)
        digest = keyed_hash(self.key, {
            "key_id": self.key_id, "seq": seq, "at": at, "actor_id": actor.id, "actor_name": actor.username,
            "subject": f"item:{item_id}", "item_id": item_id, "action": action, "from_state": from_state,
            "to_state": to_state, "reason": None, "revision_hash": revision_hash, "data": data, "prev_hash": prev})
        self._execute(cur,
                      "INSERT INTO audit_events (seq, at, actor_id, actor_name, subject, item_id, action, from_state, "
                      "to_state, reason, revision_hash, data, prev_hash, hash, key_id) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                      (seq, now, actor.id, actor.username, f"item:{item_id}", item_id, action, from_state, to_state,
                       None, revision_hash, json.dumps(data), prev, digest, self.key_id))

    def lifecycle(self, serial: int, counter: StatementCounter | None = None) -> None:
        """create, submit, pass_review, approve: four transactions (each counted by ``counter``)."""
        self.counter = counter
        step = counter.step if counter is not None else _uncounted
        cur = self.conn.cursor()
        try:
            with step("create"):
                item_id, payload = self.create(cur, serial)
            with step("submit"):
                revision_id, content_hash = self.submit(cur, item_id, payload)
            with step("pass_review"):
                self.pass_review(cur, item_id, revision_id, content_hash)
            with step("approve"):
                self.approve(cur, item_id, revision_id, content_hash)
        finally:
            cur.close()
            self.counter = None

    def create(self, cur: Any, serial: int) -> tuple[int, dict[str, Any]]:
        """The item row and its audit event."""
        drafter = self.people[0]
        payload = _payload(serial)
        self._begin(cur)
        now, at = self._now()
        self._execute(cur,
                      "INSERT INTO items (title, body, department_id, catalog_code, channels, formed_on, "
                      "publish_deadline, deadline_estimated, state, stage_entered_at, stage_due, stage_entry, version, "
                      "revision, author_id, is_list, created_at, updated_at) "
                      "VALUES (?,?,?,?,?,?,?,?,'draft',?,?,1,1,0,?,?,?,?) RETURNING id",
                      (payload["title"], payload["body"], self.department_id, payload["catalog_code"],
                       json.dumps(payload["channels"]), payload["formed_on"], payload["formed_on"], False, now, now,
                       drafter.id, False, now, now))
        item_id = cur.fetchone()[0]
        self._audit(cur, now, at, drafter, item_id, "create", None, "draft", None, {"title": payload["title"]})
        self.conn.commit()
        return item_id, payload

    def submit(self, cur: Any, item_id: int, payload: dict[str, Any]) -> tuple[int, str]:
        """State + revision snapshot + audit."""
        drafter = self.people[0]
        self._begin(cur)
        now, at = self._now()
        content = json.dumps({k: payload[k] for k in ("title", "body", "catalog_code", "channels")},
                             ensure_ascii=False, sort_keys=True)
        content_hash = hashlib.sha256(content.encode()).hexdigest()
        self._execute(cur, "UPDATE items SET state='secrecy_review', revision=1, content_hash=?, submitted_by_id=?, "
                           "stage_entered_at=?, stage_due=?, stage_entry=2, updated_at=?, version=version+1 "
                           "WHERE id=? AND version=1",
                      (content_hash, drafter.id, now, now, now, item_id))
        self._execute(cur, "INSERT INTO revisions (item_id, number, content, content_hash, submitted_by_id, "
                           "submitted_at) VALUES (?,1,?,?,?,?) RETURNING id",
                      (item_id, content, content_hash, drafter.id, now))
        revision_id = cur.fetchone()[0]
        self._audit(cur, now, at, drafter, item_id, "submit", "draft", "secrecy_review", content_hash, {"revision": 1})
        self.conn.commit()
        return revision_id, content_hash

    def pass_review(self, cur: Any, item_id: int, revision_id: int, content_hash: str) -> None:
        """State + decision (checklist) + audit."""
        reviewer = self.people[1]
        self._begin(cur)
        now, at = self._now()
        self._execute(cur, "UPDATE items SET state='approval', reviewed_by_id=?, stage_entered_at=?, stage_due=?, "
                           "stage_entry=3, updated_at=?, version=version+1 WHERE id=? AND version=2",
                      (reviewer.id, now, now, now, item_id))
        self._execute(cur, "INSERT INTO decisions (item_id, revision_id, kind, actor_id, at, checklist) "
                           "VALUES (?,?,'pass_review',?,?,?)",
                      (item_id, revision_id, reviewer.id, now, json.dumps(CLEAR)))
        self._audit(cur, now, at, reviewer, item_id, "pass_review", "secrecy_review", "approval", content_hash,
                    {"revision": 1})
        self.conn.commit()

    def approve(self, cur: Any, item_id: int, revision_id: int, content_hash: str) -> None:
        """State + decision + audit."""
        approver = self.people[2]
        self._begin(cur)
        now, at = self._now()
        self._execute(cur, "UPDATE items SET state='published', approved_by_id=?, published_at=?, stage_entered_at=?, "
                           "stage_due=NULL, stage_entry=4, updated_at=?, version=version+1 WHERE id=? AND version=3",
                      (approver.id, now, now, now, item_id))
        self._execute(cur, "INSERT INTO decisions (item_id, revision_id, kind, actor_id, at) "
                           "VALUES (?,?,'approve',?,?)", (item_id, revision_id, approver.id, now))
        self._audit(cur, now, at, approver, item_id, "approve", "approval", "published", content_hash, {"revision": 1})
        self.conn.commit()


def _timed(fn: Callable[[], None]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def count_statements(app: Gongkai, people: tuple[Actor, Actor, Actor], raw: RawLifecycle,
                     serial: int) -> dict[str, StatementCounter]:
    """One lifecycle per path with every statement counted per step (untimed)."""
    _ = app.calendar  # its periodic freshness check is a statement of its own: not inside the count
    gongkai, baseline = StatementCounter(), StatementCounter()
    with gongkai.listening(app.db.engine):
        gongkai_lifecycles(app, people, 1, serial, gongkai)
    raw.lifecycle(serial + 1, baseline)
    return {"gongkai": gongkai, "raw": baseline}


def run_one(kind: str, n: int, rounds: int, profile: bool, show_sql: bool = False) -> dict[str, Any]:
    """Measure both paths on a scratch database of ``kind``; return lifecycles per second and statement counts."""
    from sqlalchemy import select

    from db.models import Department
    with scratch_database(kind) as database:
        app = prepared_app(database)
        people = _setup_people(app)
        with app.db.read() as session:
            dept_id = session.scalar(select(Department.id).where(Department.code == "bench"))
        raw = RawLifecycle(database, people, dept_id)
        # Warm-up: caches (calendar, compiled statements, scanner patterns) on both sides.
        gongkai_lifecycles(app, people, 5, 0)
        for i in range(5):
            raw.lifecycle(i)
        counts = count_statements(app, people, raw, 900)
        per_round = max(1, n // rounds)
        gk_time = raw_time = 0.0
        serial = 1000
        profiler = cProfile.Profile() if profile else None
        for _ in range(rounds):
            if profiler:
                profiler.enable()
            gk_time += _timed(lambda s=serial: gongkai_lifecycles(app, people, per_round, s))
            if profiler:
                profiler.disable()
            raw_time += _timed(lambda s=serial: [raw.lifecycle(s + i) for i in range(per_round)])
            serial += per_round
        raw.close()
        done = per_round * rounds
        _verify_chain(app)
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
            print(f"\n--- cProfile ({kind}, Gongkai path, cumulative) ---\n{out.getvalue()}")
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
            print(f"--- cProfile ({kind}, Gongkai path, own time) ---\n{out.getvalue()}")
        if show_sql:
            for path, counter in counts.items():
                for step in STEPS:
                    print(f"\n--- {kind} {path} {step} ---")
                    print("\n".join(counter.statements.get(step, [])))
        return {"n": done, "gongkai": done / gk_time, "raw": done / raw_time, "counts": counts}


def _verify_chain(app: Gongkai) -> None:
    """The raw path writes chained events too; check the interleaved chain still verifies."""
    from workflow import audit
    with app.db.read() as session:
        result = audit.verify(session)
    if not result.ok:  # not a timing assertion: a broken baseline would make the comparison meaningless
        print(f"  warning: audit chain does not verify at seq {result.bad_seq}: {result.problem}")


def _step_count(counter: StatementCounter, step: str) -> str:
    outside = counter.outside.get(step, 0)
    return f"{counter.counts.get(step, 0)}" + (f" (+{outside})" if outside else "")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="lifecycles per database and path (default 200)")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds (default 4)")
    parser.add_argument("--db", type=database_kinds, default=["sqlite", "postgresql"])
    parser.add_argument("--profile", action="store_true", help="print cProfile hot spots of the Gongkai path")
    parser.add_argument("--sql", action="store_true", help="print the statements each step sends")
    args = parser.parse_args(argv)
    print(f"lifecycles (create → submit → pass_review → approve), n={args.n} per path, {args.rounds} rounds; "
          f"{machine_note()}")
    results = {}
    for kind in args.db:
        results[kind] = run_one(kind, args.n, args.rounds, args.profile, args.sql)
    print(f"\n{'database':<12}{'n':>6}{'Gongkai/s':>12}{'raw SQL/s':>12}{'ratio':>9}  "
          "(targets: PostgreSQL ≤ 3×, SQLite ≤ 10×)")
    for kind, r in results.items():
        ratio = r["raw"] / r["gongkai"]
        print(f"{kind:<12}{r['n']:>6}{r['gongkai']:>12.1f}{r['raw']:>12.1f}{ratio:>8.2f}×")
    print("\nstatements per step (BEGIN/COMMIT not counted; (+n): read before the write transaction, "
          "submit's attachment scan)")
    print(f"{'database':<12}{'path':<9}" + "".join(f"{step:>13}" for step in STEPS) + f"{'lifecycle':>11}")
    for kind, r in results.items():
        for path, counter in r["counts"].items():
            total = sum(counter.counts.values()) + sum(counter.outside.values())
            print(f"{kind:<12}{path:<9}" + "".join(f"{_step_count(counter, step):>13}" for step in STEPS)
                  + f"{total:>11}")
    print(f"({machine_note()})")


if __name__ == "__main__":
    main()
