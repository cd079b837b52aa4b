"""我的待办 on review routes: ``queries.my_tasks`` and ``queries.holders_of`` at 1,000,000 items vs. 100,000.

    .venv/bin/python -m bench.route_tasks                              # PostgreSQL, 1M vs 100k
    .venv/bin/python -m bench.route_tasks --explain                    # also print the PostgreSQL plans
    .venv/bin/python -m bench.route_tasks --db sqlite                  # SQLite, 200k vs 20k
    .venv/bin/python -m bench.route_tasks --big 300000 --requests 50   # quicker

What is built, for each database and size (the small size is the big one ÷ 10, measured in the same
run): a scratch database, migrated, with the catalogue; 200 departments, each with an author, a
reviewer and an approver; a 保密办 (``bmb``) with two reviewers; a 校领导 department (``xld``) with
eight approvers who sign routed items by name (会签). Then the items are bulk-generated
(``bench.common.bulk_insert_items``: COPY on PostgreSQL; a few percent in secrecy review and in
approval, ``STATE_WEIGHTS``), each submitted item gets its revision and its author as contributor,
and 30% of the submitted items — open and closed alike, since a route's rows stay with the item
after it leaves review — were submitted on a stored four-step route, with everything the submission
and the votes write:

1. 部门审核 (secrecy review): a reviewer of the item's department;
2. 保密办复审 (secrecy review): a reviewer of the 保密办, for items of every department;
3. 会签 (approval): three of the eight 校领导, named, all three must agree;
4. 分管领导审批 (approval): an approver of the item's department.

That is ``item_route_snapshots`` (the snapshot JSON of the revision), ``item_route_steps`` (four rows)
and ``item_route_step_users`` (three named users on step 3), ``items.route_step`` on the open items
(secrecy review: step 1 or 2; approval: step 3 with 0–2 of its three votes, or step 4) and the
``step_votes`` of the steps already passed (all six votes on the closed items). Generation runs as
INSERT … SELECT in batches of item ids behind a progress bar. PostgreSQL then gets ``VACUUM ANALYZE``
(what autovacuum does after a bulk load); SQLite is measured as Gongkai leaves it (no ANALYZE).

Measured, ``--requests`` times for each person, the same random sequence for both sizes:

- ``queries.my_tasks`` (first page: the count, 20 items, their attachments) for a department's
  reviewer, a department's approver, the 保密办's reviewer (routed items of all departments, at step 2)
  and a named 会签 approver;
- ``queries.holders_of`` for the page of tasks just returned (who must act on each, with the step);
- the raw-SQL baseline: the same task query (count and page of item rows) written by hand and run on
  the DBAPI cursor — its results are checked to equal ``my_tasks``' own.

Printed: p50/p95 per size, the big/small ratio, and ORM/raw at each size (targets, DESIGN.md §8:
"my tasks" interactive at 1M items, p95 < 50 ms, big/small ratio < 2). Timings are wall-clock on a
possibly shared machine: the CPU count and load average are printed with them. ``--explain`` prints
``EXPLAIN (ANALYZE, BUFFERS)`` of the count and page statements ``my_tasks`` sends, with their
parameters bound as sent: the same SQL with literal values shows another plan (PostgreSQL then merges
the two stages' identical NOT EXISTS and runs them first, for every open item).

The open items are spread evenly over the ids (as in ``bench.item_list``), not gathered at the end of
the table as a college's recent items are: the pessimistic case for the page cache. The findings and
the indexes they led to (migration 0023) are in docs/routes.md, "Performance".
"""
from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

from sqlalchemy import select, text

from bench.common import (BulkSpec, bulk_insert_items, catalog_codes, database_kinds, machine_note, prepared_app,
                          scratch_database, summary_ms, utc_now)
from db.session import Database
from workflow.access import Actor
from workflow.context import Gongkai

DEPARTMENTS = 200
LEADERS = 8          # 校领导 who sign (会签) routed items by name
SIGNERS = 3          # of them on each routed item's step 3
ROUTED_PERCENT = 30  # of the submitted items
BATCH = 50_000       # item ids per generation transaction
PER_PAGE = 20
DEFAULT_BIG = {"postgresql": 1_000_000, "sqlite": 200_000}
ROUTE_NAME = "招生考试信息会签路线"

# position, stage, name, decider kind, role, named department?, needed, workdays
STEPS = ((1, "secrecy_review", "部门审核", "item_department", "reviewer", False, 1, 2),
         (2, "secrecy_review", "保密办复审", "department", "reviewer", True, 1, 1),
         (3, "approval", "会签", "users", "approver", False, SIGNERS, 1),
         (4, "approval", "分管领导审批", "item_department", "approver", False, 1, 1))
CLOSED = ("scheduled", "published", "archived")


@dataclass(frozen=True)
class World:
    """The people of one scratch database (ids)."""

    departments: list[int]
    authors: dict[int, int]
    reviewers: dict[int, int]
    approvers: dict[int, int]
    bmb: int
    bmb_reviewers: list[int]
    leaders: list[int]
    route_id: int


@dataclass
class Timings:
    """Seconds per measured call, and what the calls returned (task totals)."""

    orm: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    holders: list[float] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)


# ---------------------------------------------------------------- generation

def _people(app: Gongkai) -> World:
    from db.models import Department, User, UserRole
    from db.models.routes import ReviewRoute, ReviewRouteCategory, ReviewRouteStep, ReviewRouteStepUser
    now = app.now()
    with app.db.write() as session:
        departments = [Department(code=f"d{i:03d}", name=f"部门{i:03d}", active=True) for i in range(DEPARTMENTS)]
        bmb = Department(code="bmb", name="保密办公室", active=True)
        xld = Department(code="xld", name="校领导", active=True)
        session.add_all([*departments, bmb, xld])
        session.flush()

        def people(prefix: str, role: str, scopes: list[Department], label: str) -> list[User]:
            users = [User(username=f"{prefix}{i:03d}", display_name=f"{label}{i:03d}", created_at=now,
                          role_rows=[UserRole(role=role)], departments=[dept]) for i, dept in enumerate(scopes)]
            session.add_all(users)
            session.flush()
            return users

        authors = people("author", "drafter", departments, "起草人")
        reviewers = people("reviewer", "reviewer", departments, "审查员")
        approvers = people("approver", "approver", departments, "审批人")
        bmb_reviewers = people("bmb", "reviewer", [bmb, bmb], "保密办审查员")
        leaders = people("leader", "approver", [xld] * LEADERS, "校领导")
        # the stored route the snapshots come from (its scope: one category; the rows below do not depend on it)
        route = ReviewRoute(name=ROUTE_NAME, active=True, version=1, created_at=now, updated_at=now,
                            category_rows=[ReviewRouteCategory(category_code=session.scalar(
                                text("SELECT code FROM catalog_categories ORDER BY code LIMIT 1")))],
                            steps=[ReviewRouteStep(
                                position=n, stage=stage, name=name, deciders=kind, role=role,
                                department_id=bmb.id if named else None, quorum_kind="all" if kind == "users" else "any",
                                workdays=days,
                                user_rows=[ReviewRouteStepUser(user_id=u.id) for u in leaders[:SIGNERS]]
                                if kind == "users" else [])
                                for n, stage, name, kind, role, named, _needed, days in STEPS])
        session.add(route)
        session.flush()
        world = World([d.id for d in departments], {d.id: u.id for d, u in zip(departments, authors)},
                      {d.id: u.id for d, u in zip(departments, reviewers)},
                      {d.id: u.id for d, u in zip(departments, approvers)},
                      bmb.id, [u.id for u in bmb_reviewers], [u.id for u in leaders], route.id)
    # The INSERT … SELECTs below find a department's reviewer, approver and a routed item's leaders by
    # arithmetic on ids; the ids came from one flush each, so they are consecutive — but check.
    for mapping in (world.reviewers, world.approvers):
        offsets = {user - dept for dept, user in mapping.items()}
        assert len(offsets) == 1, "users of one kind must have consecutive ids"
    assert world.leaders == list(range(world.leaders[0], world.leaders[0] + LEADERS))
    assert world.bmb_reviewers == [world.bmb_reviewers[0], world.bmb_reviewers[0] + 1]
    return world


def _offset(mapping: dict[int, int]) -> int:
    return next(user - dept for dept, user in mapping.items())


def _batches(database: Database, label: str) -> Iterator[tuple[int, int]]:
    """(first, last) item ids per batch, with a progress bar over all items."""
    from tqdm import tqdm
    with database.engine.connect() as conn:
        low, high = conn.execute(text("SELECT min(id), max(id) FROM items")).one()
    with tqdm(total=high - low + 1, desc=f"{database.dialect}: {label}", unit="item", unit_scale=True) as bar:
        for first in range(low, high + 1, BATCH):
            last = min(first + BATCH - 1, high)
            yield first, last
            bar.update(last - first + 1)


def _execute(database: Database, statements: list[tuple[str, dict[str, Any]]]) -> None:
    """The statements in one transaction; PostgreSQL skips the per-row foreign-key triggers (the rows
    are valid by construction), as ``bench.common`` does for COPY."""
    with database.write() as session:
        if database.is_postgres:
            session.execute(text("SET LOCAL session_replication_role = replica"))
        for sql, params in statements:
            session.execute(text(sql), params)


# Which items are routed, at which step, with which signers and votes: independent pseudo-random draws
# from the item id (multiplicative hashing). Not ``id % n``: departments are assigned as ``id % 200``,
# and a draw on the same residues would route whole departments and leave the others without routes.
ROUTED_DRAW, STEP_DRAW, SIGNER_DRAW, VOTE_DRAW = 2654435761, 2246822519, 3266489917, 668265263


def _draw(salt: int, item: str = "i.id") -> str:
    """SQL: a pseudo-random number 0–65535 of the item id (the same on both databases: 64-bit integers)."""
    return f"((CAST({item} AS BIGINT) * {salt}) % 4294967296 / 65536)"


def _py_draw(salt: int, item_id: int) -> int:
    """``_draw`` in Python."""
    return (item_id * salt) % 4294967296 // 65536


ROUTED = f"i.revision >= 1 AND {_draw(ROUTED_DRAW)} % 100 < {ROUTED_PERCENT}"
REVISION = "JOIN revisions r ON r.item_id = i.id AND r.number = i.revision"


def _revisions(database: Database) -> None:
    """Each submitted item's revision; each item's author as its contributor."""
    content = json.dumps({"title": "批量生成", "body": "经研究，现将有关情况公布如下。"}, ensure_ascii=False)
    json_param = "CAST(:content AS JSON)" if database.is_postgres else ":content"
    for first, last in _batches(database, "revisions, contributors"):
        ids = {"a": first, "b": last}
        _execute(database, [
            ("INSERT INTO revisions (item_id, number, content, content_hash, submitted_by_id, submitted_at) "
             f"SELECT id, revision, {json_param}, content_hash, submitted_by_id, stage_entered_at FROM items "
             "WHERE id BETWEEN :a AND :b AND revision >= 1 ORDER BY id", {**ids, "content": content}),
            ("INSERT INTO item_contributors (item_id, user_id, first_at, first_action) "
             "SELECT id, author_id, created_at, 'create' FROM items WHERE id BETWEEN :a AND :b ORDER BY id", ids),
        ])


def _snapshot(world: World, leaders: list[int]) -> dict[str, Any]:
    """The snapshot JSON a submission stores (``route_votes.snapshot_json``'s shape)."""
    steps = []
    for _n, stage, name, kind, role, named, needed, days in STEPS:
        step: dict[str, Any] = {"stage": stage, "name": name, "role": role,
                                "quorum": "all" if kind == "users" else "any", "kind": kind, "needed": needed,
                                "workdays": days, "department_id": world.bmb if named else None,
                                "user_ids": leaders if kind == "users" else []}
        if named:
            step["department"] = "bmb"
        if kind == "users":
            step["users"] = [f"leader{u - world.leaders[0]:03d}" for u in leaders]
        steps.append(step)
    return {"id": world.route_id, "name": ROUTE_NAME, "catalog_codes": [], "departments": [], "steps": steps,
            "active": True, "version": 1}


def _leader(world: World, k: int, item: str = "i.id") -> str:
    """SQL: the id of the ``k``-th leader named on the item's 会签 step."""
    return f"({world.leaders[0]} + ({_draw(SIGNER_DRAW, item)} + {k}) % {LEADERS})"


def _py_leaders(world: World, item_id: int) -> list[int]:
    """``_leader`` in Python, for the snapshot JSON."""
    return [world.leaders[0] + (_py_draw(SIGNER_DRAW, item_id) + k) % LEADERS for k in range(SIGNERS)]


def _routes(database: Database, world: World) -> None:
    """Route rows of the routed items: snapshot, steps, named users, active step, votes."""
    from sqlalchemy import and_, insert

    from db.models import Item, Revision
    from db.models.routes import ItemRouteSnapshot
    reviewer, approver = _offset(world.reviewers), _offset(world.approvers)
    snapshots: dict[tuple[int, ...], dict[str, Any]] = {}
    for first, last in _batches(database, "routes, steps, votes"):
        ids = {"a": first, "b": last}
        in_batch = f"i.id BETWEEN :a AND :b AND {ROUTED}"
        with database.read() as session:  # typed columns: SQLite's stored datetimes come back as datetimes
            rows = session.execute(
                select(Item.id, Revision.id, Item.stage_entered_at)
                .join(Revision, and_(Revision.item_id == Item.id, Revision.number == Item.revision))
                .where(Item.id.between(first, last), text(ROUTED.replace("i.", "items.")))).all()
        snapshot_rows = []
        for item_id, revision_id, at in rows:
            signers = tuple(_py_leaders(world, item_id))
            route = snapshots.setdefault(signers, _snapshot(world, list(signers)))
            snapshot_rows.append({"item_id": item_id, "revision_id": revision_id, "route_id": world.route_id,
                                  "route": route, "taken_at": at})
        statements: list[tuple[str, dict[str, Any]]] = []
        for n, stage, name, kind, role, named, needed, days in STEPS:
            statements.append((
                "INSERT INTO item_route_steps (item_id, revision_id, revision, position, stage, name, kind, role, "
                "department_id, needed, workdays) "
                f"SELECT i.id, r.id, i.revision, {n}, '{stage}', '{name}', '{kind}', '{role}', "
                f"{world.bmb if named else 'NULL'}, {needed}, {days} FROM items i {REVISION} WHERE {in_batch} "
                "ORDER BY i.id", ids))
        for k in range(SIGNERS):
            statements.append((
                f"INSERT INTO item_route_step_users (step_id, user_id) SELECT s.id, {_leader(world, k, 's.item_id')} "
                "FROM item_route_steps s WHERE s.item_id BETWEEN :a AND :b AND s.position = 3", ids))
        # the active step of the open items: review at step 1 or 2; approval at 会签 (with 0–2 of its
        # votes) or, one in four, at the last step
        step = _draw(STEP_DRAW, "id")
        statements.append((
            f"UPDATE items SET route_step = CASE WHEN state = 'secrecy_review' THEN 1 + {step} % 2 "
            f"WHEN {step} % 4 = 0 THEN 4 ELSE 3 END "
            f"WHERE id BETWEEN :a AND :b AND state IN ('secrecy_review', 'approval') "
            f"AND {ROUTED.replace('i.', '')}", ids))
        closed = f"i.state IN ({', '.join(repr(s) for s in CLOSED)})"
        votes = [  # (position, voter, decision, on which items)
            (1, f"i.department_id + {reviewer}", "pass_review",
             f"({closed} OR i.state = 'approval' OR i.route_step = 2)"),
            (2, f"({world.bmb_reviewers[0]} + {_draw(VOTE_DRAW)} % 2)", "pass_review",
             f"({closed} OR i.state = 'approval')"),
            *((3, _leader(world, k), "approve",
               f"({closed} OR i.route_step = 4 OR (i.route_step = 3 AND {_draw(VOTE_DRAW)} / 2 % 3 > {k}))")
              for k in range(SIGNERS)),
            (4, f"i.department_id + {approver}", "approve", closed),
        ]
        for position, voter, decision, where in votes:
            statements.append((
                "INSERT INTO step_votes (item_id, revision_id, step_position, user_id, decision, at) "
                f"SELECT i.id, r.id, {position}, {voter}, '{decision}', i.stage_entered_at FROM items i {REVISION} "
                f"WHERE {in_batch} AND {where} ORDER BY i.id", ids))
        with database.write() as session:
            if database.is_postgres:
                session.execute(text("SET LOCAL session_replication_role = replica"))
            if snapshot_rows:
                session.execute(insert(ItemRouteSnapshot.__table__), snapshot_rows)
        _execute(database, statements)


def _analyze(database: Database) -> None:
    if database.is_postgres:
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def build(kind: str, database: Database, size: int) -> tuple[Gongkai, World]:
    """Migrate, create the people and the route, generate ``size`` items with their route rows."""
    app = prepared_app(database)
    world = _people(app)
    spec = BulkSpec(department_ids=world.departments, authors=world.authors, catalog_codes=catalog_codes(app),
                    now=utc_now())
    started = time.perf_counter()
    bulk_insert_items(database, spec, size, label=f"{size:,} items")
    _revisions(database)
    _routes(database, world)
    _analyze(database)
    with database.engine.connect() as conn:
        counts = {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                  for table in ("items", "item_route_steps", "step_votes")}
        open_routed = conn.execute(text("SELECT count(*) FROM items WHERE route_step IS NOT NULL")).scalar_one()
    print(f"  generated in {time.perf_counter() - started:.0f} s: {counts['items']:,} items "
          f"({open_routed:,} open on the route), {counts['item_route_steps']:,} step rows, "
          f"{counts['step_votes']:,} votes")
    return app, world


# ---------------------------------------------------------------- the raw-SQL baseline

def raw_task_sql(actor: Actor, postgres: bool) -> tuple[str, str, dict[str, Any]]:
    """我的待办 written by hand: (count SQL, page SQL, parameters) for a reviewer or an approver scoped to
    departments (the people measured here). The same conditions as ``task_filters.awaited_filter``: per
    review stage, on the default route the stage's role in the item's department, on a stored route a
    decider of the active step's row; not voted on the revision, not a contributor, (approval) not the
    reviewer, (secrecy review) no open referral on the revision.

    Each stage's branch binds the user id as a parameter of its own, as SQLAlchemy does: with one shared
    parameter PostgreSQL sees the two branches' NOT EXISTS (votes, contributors) as the same expression,
    factors them out of the OR and, costing them below the OR, runs them first — for every open item."""
    assert not actor.all_departments and not actor.is_admin and "drafter" not in actor.roles
    distinct = "IS DISTINCT FROM" if postgres else "IS NOT"
    depts = ", ".join(str(d) for d in sorted(actor.department_ids)) or "NULL"
    roles = ", ".join(f"'{r}'" for r in sorted(actor.roles & {"reviewer", "approver"})) or "NULL"
    branches = []
    for state, role, name in (("secrecy_review", "reviewer", "r"), ("approval", "approver", "a")):
        u = f"%({name})s" if postgres else f":{name}"
        decides = (f"EXISTS (SELECT 1 FROM item_route_steps s WHERE s.item_id = i.id AND s.revision = i.revision "
                   f"AND s.position = i.route_step AND s.role IN ({roles}) AND ("
                   f"(s.kind = 'item_department' AND i.department_id IN ({depts})) "
                   f"OR (s.kind = 'department' AND s.department_id IN ({depts})) "
                   f"OR (s.kind = 'users' AND EXISTS (SELECT 1 FROM item_route_step_users su "
                   f"WHERE su.step_id = s.id AND su.user_id = {u}))))")
        holds = f"i.department_id IN ({depts})" if role in actor.roles else "1 = 0"
        checks = [f"NOT EXISTS (SELECT 1 FROM step_votes v JOIN revisions r ON r.id = v.revision_id "
                  f"WHERE v.item_id = i.id AND v.user_id = {u} AND r.number = i.revision)",
                  f"i.author_id {distinct} {u}", f"i.submitted_by_id {distinct} {u}",
                  f"NOT EXISTS (SELECT 1 FROM item_contributors c WHERE c.item_id = i.id AND c.user_id = {u})"]
        if state == "secrecy_review":
            checks.append("NOT EXISTS (SELECT 1 FROM referrals f WHERE f.item_id = i.id AND f.answered_at IS NULL "
                          "AND f.revision_id = (SELECT r2.id FROM revisions r2 WHERE r2.item_id = i.id "
                          "AND r2.number = i.revision))")
        else:
            checks.append(f"i.reviewed_by_id {distinct} {u}")
        branches.append(f"(i.state = '{state}' AND ((i.route_step IS NULL AND {holds}) OR "
                        f"(i.route_step IS NOT NULL AND {decides})) AND {' AND '.join(checks)})")
    where = " OR ".join(branches)
    count = f"SELECT count(*) FROM items i WHERE {where}"
    page = (f"SELECT i.* FROM items i WHERE {where} ORDER BY i.stage_due ASC NULLS LAST, i.id "
            f"LIMIT {PER_PAGE}")
    return count, page, {"r": actor.id, "a": actor.id}


class RawTasks:
    """The baseline on one DBAPI connection kept open for the run (no pool, no ORM)."""

    def __init__(self, database: Database):
        self.postgres = database.is_postgres
        self.connection = database.engine.raw_connection()

    def __call__(self, actor: Actor) -> tuple[int, list[int]]:
        count_sql, page_sql, params = raw_task_sql(actor, self.postgres)
        cursor = self.connection.cursor()
        try:
            cursor.execute(count_sql, params)
            total = cursor.fetchone()[0]
            cursor.execute(page_sql, params)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        self.connection.commit()  # end the read transaction, as the ORM's session does
        return total, [row[0] for row in rows]

    def close(self) -> None:
        self.connection.close()


# ---------------------------------------------------------------- measurement

def personas(app: Gongkai, world: World) -> dict[str, list[Actor]]:
    """The people measured, by label (a random one of each list per request)."""
    from workflow.services.users import actor_for_user_id

    def actors(ids: list[int]) -> list[Actor]:
        return [a for a in (actor_for_user_id(app, i) for i in ids) if a is not None]
    return {"部门审查员": actors(list(world.reviewers.values())),
            "部门审批人": actors(list(world.approvers.values())),
            "保密办审查员": actors(world.bmb_reviewers[:1]),
            "会签校领导": actors(world.leaders)}


def measure(app: Gongkai, world: World, requests: int, seed: int) -> dict[str, Timings]:
    """Time ``my_tasks``, ``holders_of`` and the raw baseline ``requests`` times per person."""
    from workflow.services import queries
    people = personas(app, world)
    raw = RawTasks(app.db)
    from tqdm import tqdm
    rng = random.Random(seed)
    plan = [(label, rng.randrange(len(actors))) for _ in range(requests) for label, actors in people.items()]
    results = {label: Timings() for label in people}
    warm_up = plan[:10 * len(people)]
    try:
        for round_no, (label, index) in enumerate(tqdm(warm_up + plan, desc=f"{app.db.dialect}: measuring",
                                                       unit="request")):
            warm = round_no < len(warm_up)  # warm-up: compiled statements, pool, caches
            actor = people[label][index]
            started = time.perf_counter()
            page = queries.my_tasks(app, actor)
            orm_done = time.perf_counter()
            queries.holders_of(app, page.items)
            holders_done = time.perf_counter()
            total, ids = raw(actor)
            raw_done = time.perf_counter()
            if (total, ids) != (page.total, [item.id for item in page.items]):
                raise SystemExit(f"raw baseline differs from my_tasks for {actor.username}: "
                                 f"{total} {ids} vs {page.total} {[item.id for item in page.items]}")
            if warm:
                continue
            timing = results[label]
            timing.orm.append(orm_done - started)
            timing.holders.append(holders_done - orm_done)
            timing.raw.append(raw_done - holders_done)
            timing.totals.append(page.total)
    finally:
        raw.close()
    return results


def explain(app: Gongkai, world: World) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the statements ``my_tasks`` sends (count, page, attachments), per
    person, with their parameters bound as sent (PostgreSQL): literal values in their place would let the
    planner merge expressions the real statement keeps apart, and show another plan."""
    from sqlalchemy import event

    from workflow.services import queries
    for label, actors in personas(app, world).items():
        actor = actors[0]
        sent: list[tuple[str, Any]] = []

        def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
            sent.append((statement, parameters))

        event.listen(app.db.engine, "before_cursor_execute", capture)
        try:
            queries.my_tasks(app, actor)
        finally:
            event.remove(app.db.engine, "before_cursor_execute", capture)
        connection = app.db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            for part, (statement, parameters) in zip(("count", "page"), sent):
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                               {k: getattr(v, "value", v) for k, v in parameters.items()})
                print(f"  -- {label} ({actor.username}), {part}:")
                for (line,) in cursor.fetchall():
                    print(f"     {line}")
            connection.rollback()
        finally:
            connection.close()


def run_size(kind: str, size: int, requests: int, seed: int, show_plans: bool) -> dict[str, Timings]:
    """Build a scratch database of ``size`` items and measure it."""
    with scratch_database(kind) as database:
        app, world = build(kind, database, size)
        results = measure(app, world, requests, seed)
        if show_plans and database.is_postgres:
            explain(app, world)
        return results


def _row(label: str, small: list[float], big: list[float]) -> str:
    a, b = summary_ms(small), summary_ms(big)
    return (f"  {label:<24}{a['p50']:>10.1f}{a['p95']:>10.1f}{b['p50']:>10.1f}{b['p95']:>10.1f}"
            f"{b['p50'] / a['p50']:>11.2f}×{b['p95'] / a['p95']:>9.2f}×")


def report(kind: str, small_size: int, big_size: int, small: dict[str, Timings], big: dict[str, Timings],
           requests: int) -> None:
    """The table of one database: per person, ORM, raw and holders, both sizes, ratios."""
    print(f"\n{kind}: {small_size:,} (small) vs {big_size:,} (big) items, {requests} requests per person, "
          f"page size {PER_PAGE}; {machine_note()}")
    print(f"  {'ms':<24}{'small p50':>10}{'p95':>10}{'big p50':>10}{'p95':>10}{'big/small p50':>15}{'p95':>7}")

    def ratio(a: list[float], b: list[float]) -> float:
        return summary_ms(a)["p50"] / summary_ms(b)["p50"]
    for label in big:
        s, b = small[label], big[label]
        tasks = f"{sum(s.totals) / len(s.totals):,.0f} / {sum(b.totals) / len(b.totals):,.0f}"
        print(f"  {label}: tasks (mean) {tasks}; ORM/raw p50 small {ratio(s.orm, s.raw):.2f}×, "
              f"big {ratio(b.orm, b.raw):.2f}×")
        print(_row("my_tasks (ORM)", s.orm, b.orm))
        print(_row("raw SQL baseline", s.raw, b.raw))
        print(_row("holders_of (the page)", s.holders, b.holders))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=None,
                        help="items in the big database (default 1,000,000 on PostgreSQL, 200,000 on SQLite)")
    parser.add_argument("--requests", type=int, default=100, help="measured requests per person and size")
    parser.add_argument("--db", type=database_kinds, default=["postgresql"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="print the PostgreSQL plans of my_tasks")
    args = parser.parse_args(argv)
    results = {}
    for kind in args.db:
        big = args.big or DEFAULT_BIG[kind]
        small = max(big // 10, 1000)
        print(f"== {kind} ({machine_note()})")
        results[kind] = (small, big, run_size(kind, small, args.requests, args.seed, args.explain),
                         run_size(kind, big, args.requests, args.seed, args.explain))
    print("\n我的待办 on review routes (targets: p95 < 50 ms at 1M items, big/small < 2)")
    for kind, (small, big, small_results, big_results) in results.items():
        report(kind, small, big, small_results, big_results, args.requests)


if __name__ == "__main__":
    main()
