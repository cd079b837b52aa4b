"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``GONGKAI_TEST_DATABASE_URL`` (an admin URL; default the local
server). Each pytest worker gets its own database, migrated once; each test starts from
empty tables. SQLite tests get a copy of a migrated template file. In CI a missing
PostgreSQL is an error, never a silent skip.
"""
from __future__ import annotations

import os
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import create_engine, text

from db.migrate import upgrade
from db.scratch import scratch_postgres
from db.session import Database, normalize_url
from workflow.access import Actor, actor_from_user
from workflow.clock import SHANGHAI, FixedClock
from workflow.context import Gongkai
from workflow.settings import load_settings
from workflow.wiring import build_gongkai
from workflow.spec import WorkflowSpec

PG_ADMIN_URL = os.environ.get("GONGKAI_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DEFAULT_NOW = datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI)


def _pg_reachable() -> bool:
    try:
        engine = create_engine(normalize_url(PG_ADMIN_URL), connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


PG_AVAILABLE = _pg_reachable()


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the catalogue loaded, copied for each test."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    database = Database(f"sqlite:///{path}")
    _prepare(database)
    database.dispose()
    return path


def _prepare(database: Database) -> None:
    from workflow.setup import sync_catalog
    upgrade(database)
    app = build_gongkai(db=database, settings=load_settings(database_url=database.url), clock=FixedClock(DEFAULT_NOW))
    sync_catalog(app)


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A per-worker PostgreSQL database, migrated once."""
    if not PG_AVAILABLE:
        if IN_CI:
            pytest.fail(f"PostgreSQL not reachable at {PG_ADMIN_URL} (required in CI)")
        pytest.skip("PostgreSQL not reachable; set GONGKAI_TEST_DATABASE_URL")
    with scratch_postgres(PG_ADMIN_URL, f"gongkai_test_{_worker()}") as database:
        _prepare(database)
        database.dispose()  # each test opens its own engine on the URL
        yield database.url


@contextmanager
def schemaless_database(kind: str, tmp_path: Path) -> Iterator[Database]:
    """A brand-new database of ``kind`` ("sqlite" or "postgresql") with no schema at all, dropped afterwards."""
    if kind == "sqlite":
        database = Database(f"sqlite:///{tmp_path / f'schemaless-{uuid.uuid4().hex[:6]}' / 'gongkai.db'}")
        try:
            yield database
        finally:
            database.dispose()
        return
    if not PG_AVAILABLE:
        pytest.skip("PostgreSQL not reachable")
    with scratch_postgres(PG_ADMIN_URL, "gongkai_empty") as database:
        yield database


def _truncate_pg(database: Database) -> None:
    keep = {"alembic_version", "catalog_categories", "catalog_entries"}
    with database.engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) if r[0] not in keep]
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        # the catalogue is kept, but an entry marked 「不适用」 by an earlier test applies again
        conn.execute(text("UPDATE catalog_entries SET not_applicable = false, not_applicable_reason = '' "
                          "WHERE not_applicable"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "gongkai.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        database = Database(f"sqlite:///{path}")
    else:
        database = Database(request.getfixturevalue("pg_database_url"))
        _truncate_pg(database)
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def default_locale() -> Iterator[None]:
    """Each test starts in Chinese and leaves the locale as it found it (``gongkai --lang en`` sets it
    for the rest of the process, as a command should; in one pytest worker that would leak)."""
    from workflow.i18n import DEFAULT_LOCALE, set_locale
    set_locale(DEFAULT_LOCALE)
    yield
    set_locale(DEFAULT_LOCALE)


@pytest.fixture
def clock() -> FixedClock:
    """The injectable clock, at 2025-09-26 10:00 Asia/Shanghai unless a test moves it."""
    return FixedClock(DEFAULT_NOW)


@pytest.fixture
def settings(tmp_path: Path):
    # A cheap password hash keeps user-heavy fixtures fast; production keeps scrypt.
    settings = load_settings(overrides={"security": {"password_hash_method": "pbkdf2:sha256:1000"}})
    return settings.__class__(settings.data, settings.database_url, tmp_path / "instance")


@pytest.fixture
def item_spec() -> WorkflowSpec[Any] | None:
    """The item workflow the instance runs: None is ``ITEM_SPEC``; a test module overrides this fixture to
    run a variant (``ITEM_SPEC.with_trigger(...)``, tests/web/test_spec_extension.py)."""
    return None


@pytest.fixture
def app(database: Database, settings, clock: FixedClock, item_spec: WorkflowSpec[Any] | None) -> Gongkai:
    """A Gongkai instance on the parametrised database with the injectable clock."""
    return build_gongkai(db=database, settings=settings, clock=clock, item_spec=item_spec)


@dataclass
class World:
    """Two departments and the people who work on them."""

    app: Gongkai
    drafter: Actor
    drafter2: Actor
    reviewer: Actor
    approver: Actor
    admin: Actor
    all_rounder: Actor
    other_drafter: Actor
    other_reviewer: Actor

    def actor(self, username: str) -> Actor:
        from sqlalchemy import select

        from db.models import User
        with self.app.db.read() as session:
            return actor_from_user(session.scalar(select(User).where(User.username == username)))


CLEAR = {"state_secret": False, "work_secret": False, "commercial_secret": False, "personal_info": False,
         "sensitive": False, "undecided": False}


@pytest.fixture
def world(app: Gongkai) -> World:
    """Departments xsc (学生处) and jwc (教务处); users for each role."""
    from workflow.services.users import add_department, add_user
    add_department(app, "xsc", "学生处")
    add_department(app, "jwc", "教务处")
    specs = {
        "drafter": (["drafter"], ["xsc"]), "drafter2": (["drafter"], ["xsc"]), "reviewer": (["reviewer"], ["xsc"]),
        "approver": (["approver"], ["xsc"]), "admin": (["admin"], ["*"]),
        "all_rounder": (["drafter", "reviewer", "approver"], ["xsc"]),
        "other_drafter": (["drafter"], ["jwc"]), "other_reviewer": (["reviewer"], ["jwc"]),
    }
    for name, (roles, scope) in specs.items():
        add_user(app, name, roles=roles, departments=scope, password="password-123", email=f"{name}@example.edu.cn",
                 department_head=name == "reviewer")
    probe = World(app, *([None] * 8))  # type: ignore[arg-type]
    return World(app, **{name: probe.actor(name) for name in specs})


def item_payload(**overrides: object) -> dict[str, object]:
    """A complete, valid draft for department xsc."""
    payload: dict[str, object] = {"title": "2025年国家奖学金评审结果", "body": "经评审，现将结果公布如下。",
                                  "department": "xsc", "catalog_code": "1", "channels": ["website", "wechat"],
                                  "formed_on": "2025-09-26"}
    payload.update(overrides)
    return payload


def published_item(world: World, **fields: object) -> int:
    """A draft of 学生处 (``item_payload(**fields)``) taken through a clear review and approval: its id."""
    from workflow.services import items as svc
    item = svc.create_item(world.app, world.drafter, item_payload(**fields))
    svc.submit(world.app, world.drafter, item.id)
    svc.pass_review(world.app, world.reviewer, item.id, CLEAR)
    svc.approve(world.app, world.approver, item.id)
    return item.id

