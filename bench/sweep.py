"""Sweep cost against database size: 1,000 due reminders among N small vs. N big items.

    python -m bench.sweep [--items 10000] [--big 1000000] [--due 1000] [--backends sqlite,postgresql]

For each backend and size: bulk-generate the items (each in secrecy review, with a pending
ledger row not yet due) plus ``--due`` reminders that are due, then time one sweep. Prints
both times, the ratio big/small (target < 1.5: the sweep reads only what is due) and the
throughput in reminders per second. PostgreSQL comes from ``GONGKAI_BENCH_DATABASE_URL`` or
``GONGKAI_TEST_DATABASE_URL`` (an admin URL; a scratch database is created and dropped).
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from tqdm import tqdm

from db.migrate import upgrade
from db.models import Item, Reminder
from db.session import Database, normalize_url
from workflow.clock import SHANGHAI, FixedClock
from workflow.context import Gongkai
from workflow.settings import load_settings
from workflow.wiring import build_gongkai

NOW = datetime(2025, 12, 31, 9, 0, tzinfo=SHANGHAI)
CHUNK = 20_000


def _setup(database: Database) -> tuple[Gongkai, int, int]:
    from workflow.services.users import add_department, add_user
    from workflow.setup import sync_catalog
    upgrade(database)
    app = build_gongkai(db=database, settings=load_settings(database_url=database.url), clock=FixedClock(NOW))
    sync_catalog(app)
    department = add_department(app, "xsc", "学生处")
    author = add_user(app, "drafter", roles=["drafter"], departments=["xsc"])
    for name, role in (("reviewer", "reviewer"), ("approver", "approver"), ("admin", "admin")):
        add_user(app, name, roles=[role], departments=["*" if role == "admin" else "xsc"], email=f"{name}@x.cn",
                 department_head=name == "reviewer")
    return app, department.id, author.id


def _chunks(total: int) -> Iterator[range]:
    for start in range(0, total, CHUNK):
        yield range(start, min(total, start + CHUNK))


def _generate(app: Gongkai, department_id: int, author_id: int, items: int, due: int, label: str) -> None:
    entered = NOW - timedelta(days=30)
    later = NOW + timedelta(days=60)
    catalog = app.db.engine.connect().execute(text("SELECT code FROM catalog_entries LIMIT 1")).scalar()
    with tqdm(total=items, desc=f"{label}: items", unit="item", leave=False) as bar:
        for part in _chunks(items):
            rows = [{"title": f"事项 {n}", "body": "", "department_id": department_id, "catalog_code": catalog,
                     "channels": ["website"], "formed_on": date(2025, 11, 20), "publish_deadline": date(2025, 12, 18),
                     "deadline_estimated": False, "state": "secrecy_review", "stage_entered_at": entered,
                     "stage_due": NOW - timedelta(days=1) if n < due else later, "stage_entry": 2, "version": 1,
                     "revision": 1, "author_id": author_id, "submitted_by_id": author_id, "is_list": False,
                     "created_at": entered, "updated_at": entered} for n in part]
            with app.db.write() as session:
                session.execute(insert(Item), rows)
            bar.update(len(part))
    with app.db.write() as session:  # one ledger row per item; the first ``due`` items' rows are due
        first = session.execute(text("SELECT min(id) FROM items")).scalar()
    with tqdm(total=items, desc=f"{label}: ledger", unit="row", leave=False) as bar:
        for part in _chunks(items):
            rows = [{"item_id": first + n, "stage": "secrecy_review", "stage_entry": 2, "rung": "overdue",
                     "due_at": NOW - timedelta(hours=1) if n < due else later, "state": "pending"} for n in part]
            with app.db.write() as session:
                session.execute(insert(Reminder), rows)
            bar.update(len(part))
    if app.db.is_postgres:
        with app.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE items")); conn.execute(text("VACUUM ANALYZE reminders"))
    else:
        with app.db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def _measure(database: Database, items: int, due: int, label: str) -> float:
    from workflow.reminders import sweep
    app, department_id, author_id = _setup(database)
    _generate(app, department_id, author_id, items, due, label)
    started = time.perf_counter()
    result = sweep(app, NOW, queue_mail=False)
    elapsed = time.perf_counter() - started
    assert len(result.notices) == due, (len(result.notices), due)
    return elapsed


def _sqlite(items: int, due: int, label: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            return _measure(database, items, due, label)
        finally:
            database.dispose()


def _postgres(items: int, due: int, label: str) -> float:
    admin_url = normalize_url(os.environ.get("GONGKAI_BENCH_DATABASE_URL") or os.environ.get(
        "GONGKAI_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    name = f"gongkai_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(make_url(admin_url).set(database=name).render_as_string(hide_password=False))
    try:
        return _measure(database, items, due, label)
    finally:
        database.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000, help="small database size")
    parser.add_argument("--big", type=int, default=1_000_000, help="big database size")
    parser.add_argument("--due", type=int, default=1_000, help="due reminders in each run")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    runners = {"sqlite": _sqlite, "postgresql": _postgres}
    for backend in args.backends.split(","):
        small = runners[backend](args.items, args.due, f"{backend} {args.items:,}")
        big = runners[backend](args.big, args.due, f"{backend} {args.big:,}")
        print(f"{backend:10s} sweep of {args.due:,} due: {args.items:>9,} items {small:7.3f} s | "
              f"{args.big:>9,} items {big:7.3f} s | ratio {big / small:5.2f} (target < 1.5) | "
              f"{args.due / small:8.0f} / {args.due / big:8.0f} reminders/s")


if __name__ == "__main__":
    main()
