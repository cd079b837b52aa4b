"""Latency of the item-list API at 1,000,000 items against the same at 10,000 items.

    .venv/bin/python -m bench.item_list                               # 1M vs 10k, SQLite and PostgreSQL
    .venv/bin/python -m bench.item_list --big 300000 --db postgresql  # quicker
    .venv/bin/python -m bench.item_list --explain                     # also print the query plans

For each database and size, a scratch database is migrated and the catalogue loaded
(``workflow.setup.init``); 200 departments, one author per department and a reviewer/drafter
``lister`` scoped to 10 of the departments are created; then the items are bulk-generated with
raw INSERTs (PostgreSQL: COPY) in batches behind a progress bar — mostly published and archived,
a few percent in each open stage (``bench.common.STATE_WEIGHTS``), spread evenly over the 200
departments. PostgreSQL gets ``VACUUM ANALYZE`` (what autovacuum does after a bulk load); SQLite
is measured as Gongkai leaves it (no ANALYZE).

Measured: ``GET /api/v1/items?department=D&state=S&page=P`` through the Flask test client
(``web.create_app``) with the lister's bearer token — authentication, scoping, the count for
pagination, one page of 20 items and the JSON — ``--requests`` times with random departments
of the lister's scope, states and pages among the first three (capped at what exists), the
same random sequence for both sizes. Printed: p50/p95 per size and the 1M/10k ratio
(targets: p95 < 50 ms, ratio < 2).
"""
from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text

from bench.common import (machine_note, BulkSpec, bulk_insert_items, catalog_codes, database_kinds, prepared_app, scratch_database,
                          summary_ms, utc_now)
from workflow.context import Gongkai

DEPARTMENTS = 200
SCOPE = 10                       # departments the lister covers
STATES = ("draft", "secrecy_review", "approval", "published")
PER_PAGE = 20                    # limits.page_size_default


@dataclass
class SizeResult:
    """Latencies of one dataset size."""

    size: int
    overall: dict[str, float]
    by_state: dict[str, dict[str, float]]
    empty_pages: int


def _departments_and_people(app: Gongkai) -> tuple[list[int], dict[int, int], list[str]]:
    """200 departments, one author each, and the lister; returns ids, authors, lister's codes."""
    from db.models import Department, User, UserRole
    from workflow.services.users import add_user
    now = app.now()
    with app.db.write() as session:
        departments = [Department(code=f"d{i:03d}", name=f"部门{i:03d}", active=True) for i in range(DEPARTMENTS)]
        session.add_all(departments)
        session.flush()
        authors = [User(username=f"author{i:03d}", display_name=f"起草人{i:03d}", created_at=now,
                        role_rows=[UserRole(role="drafter")], departments=[dept])
                   for i, dept in enumerate(departments)]
        session.add_all(authors)
        session.flush()
        ids = [d.id for d in departments]
        author_of = {d.id: u.id for d, u in zip(departments, authors)}
    scope = [f"d{i:03d}" for i in range(0, DEPARTMENTS, DEPARTMENTS // SCOPE)][:SCOPE]
    add_user(app, "lister", roles=["drafter", "reviewer"], departments=scope)
    return ids, author_of, scope


def _analyze(app: Gongkai) -> None:
    if app.db.is_postgres:
        with app.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE items"))


def _pages_available(app: Gongkai, scope: list[str]) -> dict[tuple[str, str], int]:
    from db.models import Department, Item
    with app.db.read() as session:
        rows = session.execute(select(Department.code, Item.state, func.count())
                               .join(Department, Department.id == Item.department_id)
                               .where(Department.code.in_(scope), Item.state.in_(STATES))
                               .group_by(Department.code, Item.state)).all()
    return {(code, state): max(1, -(-count // PER_PAGE)) for code, state, count in rows}


def _explain(app: Gongkai, code: str, state: str) -> None:
    """Print the plans of the two statements behind one list request."""
    from sqlalchemy.dialects import postgresql, sqlite

    from db.models import Department, Item
    from workflow.services.queries import scope_filter
    with app.db.read() as session:
        dept = session.scalar(select(Department.id).where(Department.code == code))
    from workflow.services.users import actor_for_user_id
    from db.models import User
    with app.db.read() as session:
        lister = session.scalar(select(User.id).where(User.username == "lister"))
    actor = actor_for_user_id(app, lister)
    query = (select(Item).where(scope_filter(actor)).where(Item.department_id == dept, Item.state == state)
             .order_by(Item.stage_due.asc().nulls_last(), Item.id))
    count = select(func.count()).select_from(query.order_by(None).subquery())
    dialect = postgresql.dialect() if app.db.is_postgres else sqlite.dialect()
    prefix = "EXPLAIN ANALYZE " if app.db.is_postgres else "EXPLAIN QUERY PLAN "
    with app.db.engine.connect() as conn:
        for label, stmt in (("count", count), ("page", query.limit(PER_PAGE))):
            sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            plan = conn.exec_driver_sql(prefix + sql).all()
            print(f"  [{state}] {label}: " + " | ".join(str(row[-1]) for row in plan))


def measure(app: Gongkai, scope: list[str], requests: int, seed: int, explain: bool) -> tuple[dict[str, Any], int]:
    """Time ``requests`` list calls; returns (latencies by state, empty pages)."""
    from web.app import create_app
    from workflow.services.users import create_token
    token = create_token(app, "lister", "bench")
    client = create_app(app, {"TESTING": True}).test_client()
    headers = {"Authorization": f"Bearer {token}"}
    pages = _pages_available(app, scope)
    rng = random.Random(seed)
    plan = []
    for _ in range(requests):
        code, state = rng.choice(scope), rng.choice(STATES)
        plan.append((code, state, min(rng.randint(1, 3), pages.get((code, state), 1))))
    for code, state, page in plan[:20]:  # warm-up: compiled statements, connection pool, imports
        client.get(f"/api/v1/items?department={code}&state={state}&page={page}", headers=headers)
    timings: dict[str, list[float]] = {state: [] for state in STATES}
    empty = 0
    for code, state, page in plan:
        started = time.perf_counter()
        response = client.get(f"/api/v1/items?department={code}&state={state}&page={page}", headers=headers)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"unexpected {response.status_code}: {response.get_data(as_text=True)[:300]}")
        empty += not response.get_json()["items"]
        timings[state].append(elapsed)
    if explain:
        for state in STATES:
            _explain(app, scope[0], state)
    return timings, empty


def run_size(kind: str, size: int, requests: int, seed: int, explain: bool) -> SizeResult:
    """Build a scratch database of ``size`` items and measure it."""
    with scratch_database(kind) as database:
        app = prepared_app(database)
        ids, authors, scope = _departments_and_people(app)
        spec = BulkSpec(department_ids=ids, authors=authors, catalog_codes=catalog_codes(app), now=utc_now())
        started = time.perf_counter()
        bulk_insert_items(database, spec, size, label=f"{size:,} items")
        _analyze(app)
        print(f"  generated {size:,} items in {time.perf_counter() - started:.0f} s")
        timings, empty = measure(app, scope, requests, seed, explain)
    everything = [t for values in timings.values() for t in values]
    return SizeResult(size, summary_ms(everything), {s: summary_ms(v) for s, v in timings.items()}, empty)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", type=database_kinds, default=["sqlite", "postgresql"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="print the query plans (count and page)")
    args = parser.parse_args(argv)
    results: dict[str, tuple[SizeResult, SizeResult]] = {}
    for kind in args.db:
        print(f"== {kind} ({machine_note()})")
        small = run_size(kind, args.small, args.requests, args.seed, args.explain)
        big = run_size(kind, args.big, args.requests, args.seed, args.explain)
        results[kind] = (small, big)
    print(f"\nGET /api/v1/items?department=&state=&page= ({args.requests} requests per size, "
          f"{DEPARTMENTS} departments, page size {PER_PAGE}); targets: p95 < 50 ms, ratio < 2; {machine_note()}")
    print(f"{'database':<12}{'state':<16}{'small p50':>10}{'p95':>8}{'big p50':>10}{'p95':>8}{'ratio p50':>11}"
          f"{'p95':>7}")
    for kind, (small, big) in results.items():
        rows = [("all", small.overall, big.overall)] + [(s, small.by_state[s], big.by_state[s]) for s in STATES]
        for label, a, b in rows:
            print(f"{kind:<12}{label:<16}{a['p50']:>9.1f}ms{a['p95']:>6.1f}ms{b['p50']:>8.1f}ms{b['p95']:>6.1f}ms"
                  f"{b['p50'] / a['p50']:>10.2f}×{b['p95'] / a['p95']:>6.2f}×")
        print(f"{kind:<12}sizes: small={small.size:,} big={big.size:,}; empty pages small={small.empty_pages} "
              f"big={big.empty_pages}")


if __name__ == "__main__":
    main()
