"""Shared benchmark helpers: scratch databases, bulk data, percentiles.

Benchmarks are not tests: they print figures and ratios against a baseline measured in the
same run and never assert on timing.

Scratch databases:

- SQLite: a file in a temporary directory, opened through ``db.session.Database`` (WAL,
  ``synchronous=NORMAL``, foreign keys, ``BEGIN IMMEDIATE`` for writes — exactly what
  Gongkai runs with);
- PostgreSQL: a database ``gongkai_bench_<random>`` created on ``GONGKAI_BENCH_PG_URL``
  (default ``postgresql://postgres@127.0.0.1:5432/postgres``) and dropped afterwards.
"""
from __future__ import annotations

import argparse
import atexit
import os
import shutil
import random
import statistics
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator, Sequence

from sqlalchemy import insert, select

from db.scratch import scratch_postgres
from db.session import Database
from workflow.clock import Clock, SystemClock
from workflow.context import Gongkai
from workflow.settings import load_settings
from workflow.wiring import build_gongkai

PG_ADMIN_URL = os.environ.get("GONGKAI_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
KINDS = ("sqlite", "postgresql")


def database_kinds(value: str) -> list[str]:
    """``--db sqlite,postgresql`` → the list (argparse type)."""
    kinds = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(f"--db takes a comma-separated subset of {','.join(KINDS)}")
    return kinds


@contextmanager
def scratch_database(kind: str) -> Iterator[Database]:
    """An empty database of ``kind`` that disappears afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="gongkai-bench-") as tmp:
            database = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
            try:
                yield database
            finally:
                database.dispose()
        return
    with scratch_postgres(PG_ADMIN_URL, "gongkai_bench") as database:
        yield database


def prepared_app(database: Database, clock: Clock | None = None) -> Gongkai:
    """Migrate ``database``, load the catalogue (``workflow.setup.init`` without departments)."""
    from workflow.setup import init
    settings = load_settings(database_url=database.url)
    tmp_instance = Path(tempfile.mkdtemp(prefix="gongkai-bench-instance-"))  # secret key file
    atexit.register(shutil.rmtree, tmp_instance, True)
    settings = settings.__class__(settings.data, settings.database_url, tmp_instance)
    app = build_gongkai(db=database, settings=settings, clock=clock or SystemClock())
    init(app, load_departments=False)
    return app


def catalog_codes(app: Gongkai) -> list[str]:
    """Codes of the active catalogue entries (loaded by ``init``)."""
    from db.models import CatalogEntry
    with app.db.read() as session:
        return list(session.scalars(select(CatalogEntry.code).where(CatalogEntry.active.is_(True))))


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile (0–100) by linear interpolation; ``nan`` for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/mean of durations given in seconds, in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {"p50": percentile(ms, 50), "p95": percentile(ms, 95), "p99": percentile(ms, 99),
            "mean": statistics.fmean(ms) if ms else float("nan")}


# ---------------------------------------------------------------- bulk data

# Share of each state in the generated items: a college's archive is mostly published and
# archived items; a few percent are in flight.
STATE_WEIGHTS = {"draft": 5, "secrecy_review": 3, "approval": 2, "scheduled": 1, "published": 60, "archived": 29}
ITEM_COLUMNS = ("title", "body", "department_id", "catalog_code", "channels", "formed_on", "publish_deadline",
                "deadline_estimated", "state", "stage_entered_at", "stage_due", "stage_entry", "version",
                "revision", "content_hash", "author_id", "submitted_by_id", "publish_at", "published_at",
                "is_list", "archived_at", "archive_reason", "created_at", "updated_at")


@dataclass(frozen=True)
class BulkSpec:
    """What to generate: department ids, author ids per department, catalogue codes."""

    department_ids: Sequence[int]
    authors: dict[int, int]
    catalog_codes: Sequence[str]
    now: datetime


def _item_row(rng: random.Random, spec: BulkSpec, states: Sequence[str], weights: Sequence[int],
              serial: int) -> dict[str, Any]:
    dept = spec.department_ids[serial % len(spec.department_ids)]
    state = rng.choices(states, weights)[0]
    formed = (spec.now - timedelta(days=rng.randint(0, 720))).date()
    entered = spec.now - timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 1440))
    open_stage = state in ("draft", "secrecy_review", "approval")
    due = entered + timedelta(days=rng.randint(1, 10)) if open_stage else None
    submitted = state != "draft"
    published = state in ("published", "archived")
    return {
        "title": f"批量生成的公开事项 #{serial}", "body": "经研究，现将有关情况公布如下。",
        "department_id": dept, "catalog_code": spec.catalog_codes[serial % len(spec.catalog_codes)],
        "channels": ["website"], "formed_on": formed, "publish_deadline": formed + timedelta(days=28),
        "deadline_estimated": False, "state": state, "stage_entered_at": entered, "stage_due": due,
        "stage_entry": 1, "version": 1, "revision": 1 if submitted else 0,
        "content_hash": f"{serial:064x}" if submitted else None, "author_id": spec.authors[dept],
        "submitted_by_id": spec.authors[dept] if submitted else None,
        "publish_at": entered if state == "scheduled" else None, "published_at": entered if published else None,
        "is_list": False, "archived_at": entered if state == "archived" else None,
        "archive_reason": "archived" if state == "archived" else None, "created_at": entered, "updated_at": entered,
    }


def bulk_insert_items(database: Database, spec: BulkSpec, count: int, *, batch: int = 10_000, seed: int = 1,
                      label: str = "items") -> None:
    """Insert ``count`` items with raw INSERTs in batches (one transaction per batch), with a progress bar.

    PostgreSQL uses ``COPY`` (the fastest raw path); SQLite an ``executemany`` INSERT.
    """
    from tqdm import tqdm
    rng = random.Random(seed)
    states, weights = list(STATE_WEIGHTS), list(STATE_WEIGHTS.values())
    with tqdm(total=count, desc=f"{database.dialect}: {label}", unit="item", unit_scale=True) as bar:
        done = 0
        while done < count:
            size = min(batch, count - done)
            rows = [_item_row(rng, spec, states, weights, done + i) for i in range(size)]
            if database.is_postgres:
                _copy_items(database, rows)
            else:
                _sqlite_items(database, rows)
            done += size
            bar.update(size)


def _copy_items(database: Database, rows: list[dict[str, Any]]) -> None:
    import json
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        # The rows are valid by construction (existing departments, users, catalogue codes); skip the
        # per-row foreign-key triggers during the load, as pg_restore does. Needs a superuser.
        cursor.execute("SET LOCAL session_replication_role = replica")
        lines = ["\t".join(_copy_text(json.dumps(row[c]) if c == "channels" else row[c]) for c in ITEM_COLUMNS)
                 for row in rows]
        with cursor.copy(f"COPY items ({', '.join(ITEM_COLUMNS)}) FROM STDIN") as copy:
            copy.write("\n".join(lines) + "\n")
        raw.commit()
    finally:
        raw.close()


def _copy_text(value: Any) -> str:
    """One value in COPY's text format (preformatted: much faster than per-row adaptation)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text_value = str(value)
    return text_value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _sqlite_items(database: Database, rows: list[dict[str, Any]]) -> None:
    from db.models import Item
    # Core insert through the UTCDateTime type (stores naive UTC, as the ORM does).
    with database.write() as session:
        session.execute(insert(Item.__table__), rows)


def machine_note() -> str:
    """CPU count and load average, printed with the figures (the machine may be shared)."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load average {load}"


def utc_now() -> datetime:
    """Wall-clock now, aware (benchmarks only: the domain code uses the injected clock)."""
    return datetime.now(timezone.utc)


def today() -> date:
    """Today in Asia/Shanghai."""
    from workflow.clock import local_date
    return local_date(utc_now())


# ---------------------------------------------------------------- statement counts

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class StatementCounter:
    """Counts the SQL statements sent to the database, per step label (deterministic, unlike timings).

    Gongkai's statements are seen through SQLAlchemy's ``before_cursor_execute`` engine event
    (``listening``); a raw DBAPI path reports its own through ``record``. An ``executemany`` counts
    as one statement; transaction control (BEGIN, COMMIT …) is not counted: SQLite sends it as
    statements, PostgreSQL's driver implicitly, so counting it would compare unlike with unlike.
    Statements outside a write transaction (the read before ``submit`` that scans attachments)
    are counted apart, under ``outside``.
    """

    def __init__(self) -> None:
        self.label: str | None = None
        self.counts: dict[str, int] = {}
        self.outside: dict[str, int] = {}
        self.statements: dict[str, list[str]] = {}

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Count what runs inside the block under ``label``."""
        self.label = label
        self.counts.setdefault(label, 0)
        self.outside.setdefault(label, 0)
        try:
            yield
        finally:
            self.label = None

    def record(self, statement: str, in_write_transaction: bool = True) -> None:
        """Count one statement under the current label (ignored outside ``step``)."""
        if self.label is None or statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            return
        counts = self.counts if in_write_transaction else self.outside
        counts[self.label] = counts.get(self.label, 0) + 1
        self.statements.setdefault(self.label, []).append(" ".join(statement.split())[:160])

    @contextmanager
    def listening(self, engine: Any) -> Iterator["StatementCounter"]:
        """Count every statement ``engine`` executes while the block runs."""
        from sqlalchemy import event

        from db.session import is_write_connection

        def before(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            self.record(statement, is_write_connection(conn))

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield self
        finally:
            event.remove(engine, "before_cursor_execute", before)
