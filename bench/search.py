"""Latency of the full-text search (``GET /api/v1/items?q=``) at 1,000,000 items against 100,000 and 10,000.

    .venv/bin/python -m bench.search                                   # PostgreSQL and SQLite, 1M / 100k / 10k
    .venv/bin/python -m bench.search --db postgresql --keep            # keep the data for the next run
    .venv/bin/python -m bench.search --db postgresql --keep --explain  # reuse it, print the plans too
    .venv/bin/python -m bench.search --drop                            # remove the kept databases
    .venv/bin/python -m bench.search --sizes 200000,20000              # quicker

For each database and size, a database is migrated and the catalogue loaded (``workflow.setup.init``);
200 departments, one author each, and ``lister`` (a drafter/reviewer of 10 of the departments) are
created as in ``bench.item_list``. Then the items are generated behind a progress bar — the states,
departments and dates of ``bench.common`` — with Chinese-like titles (5–10 words) and bodies (40–120
words) drawn from a Zipf-distributed vocabulary of 60,000 words made of the 3,755 GB2312 level-1
characters (themselves Zipf-weighted), among which ~100 words of a college's notices (奖学金, 招生简章,
食堂 …) are placed at ranks 20–2,600. Each item's ``item_search`` row is computed with
``db.search_text`` (what ``workflow.search.index`` stores) and loaded with the item (PostgreSQL:
``COPY``); the bigram index (GIN / FTS5) is dropped for the load and built once afterwards (as
``pg_restore`` does); PostgreSQL then gets ``VACUUM ANALYZE``. Generating a million items takes minutes:
``--keep`` keeps each database (``gongkai_bench_search_<size>`` on PostgreSQL, ``<tmp>/gongkai_bench_search/
<size>.db`` for SQLite) and a later ``--keep`` run reuses it when it was made by the same generator,
seed and schema; ``--drop`` removes them.

Measured, through the Flask test client with bearer tokens (authentication, parsing, the search
query, the capped count, one page of 20, holders, the JSON): ``--requests`` searches for a
two-character word taken from ``QUERIES`` (common to rare), half as ``lister`` (10 departments) and
half as an admin (everything), on pages 1–2; the same random sequence for every size, 20 warm-up
requests not counted. The **raw-SQL baseline** runs hand-written statements of the same search (the
count capped at 1,000 and one page of ids with the item's title and state) through the driver on the
same database — the floor the database sets, without the ORM, the item rows or the JSON.
Printed per database: how many items each word matches, p50/p95 per size, per caller and per word,
the ratios of the biggest size to each smaller one, and Gongkai/raw (target: p95 < 200 ms at 1M on
PostgreSQL).
"""
from __future__ import annotations

import argparse
import bisect
import itertools
import random
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import text

from bench.common import (PG_ADMIN_URL, STATE_WEIGHTS, BulkSpec, ITEM_COLUMNS, _copy_text, _item_row, catalog_codes,
                          database_kinds, machine_note, prepared_app, summary_ms, utc_now)
from bench.item_list import DEPARTMENTS, _departments_and_people
from db.search_text import content_of, grams_of_content
from db.session import Database, normalize_url
from workflow.context import Gongkai
from workflow.services.queries import SEARCH_COUNT_CAP, SEARCH_PROBE

PER_PAGE = 20
# Two-character words of a college's notices, from frequent to rare in the generated text.
QUERIES = ("学校", "通知", "招生", "考试", "奖学", "食堂", "宿舍", "预算", "答辩", "贷款")
DOMAIN_WORDS = (
    "学校 通知 公示 关于 评选 结果 名单 工作 安排 教学 学生 教师 奖学金 助学金 国家奖学金 招生 录取 考试 学费 收费 标准 "
    "食堂 宿舍 图书馆 实验室 科研 项目 经费 预算 决算 采购 招标 中标 基建 工程 安全 卫生 会议 纪要 制度 办法 规定 "
    "实施细则 评审 答辩 毕业 就业 实习 课程 培训 讲座 竞赛 获奖 表彰 处分 党委 团委 工会 后勤 保卫 财务 人事 职称 聘任 "
    "岗位 考核 年度 季度 学期 校区 专业 学科 研究生 本科生 留学生 资助 贷款 勤工助学 心理健康 体育 艺术 志愿 服务 社会 "
    "实践 调研 报告 信息 公开 申请 答复 监督 举报 电话 网站 平台 系统 数据 统计 质量 评估 审核 检查 整改 落实 推进 加强 "
    "建设 管理 发展 规划 计划 方案 意见 决定 批复 招生简章 奖学金评审 学业奖学金").split()


def gb2312_level1() -> list[str]:
    """The 3,755 characters of GB2312 level 1 (the common ones), in code order."""
    chars = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


class Language:
    """Chinese-like text: Zipf-weighted characters make words, Zipf-weighted words make sentences."""

    def __init__(self, seed: int = 11, vocabulary: int = 60_000):
        rng = random.Random(seed)
        chars = gb2312_level1()
        rng.shuffle(chars)
        char_weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(chars))))
        words: set[str] = set()
        while len(words) < vocabulary:
            size = rng.choice((2, 2, 2, 3, 3, 4))
            words.add("".join(chars[bisect.bisect(char_weights, rng.random() * char_weights[-1])]
                              for _ in range(size)))
        ordered = sorted(words)
        rng.shuffle(ordered)
        for position, word in enumerate(DOMAIN_WORDS):   # the notices' own words, frequent to fairly rare
            ordered.insert(20 + position * 25, word)
        self.words = ordered
        self.cumulative = list(itertools.accumulate(1.0 / (rank + 1) ** 1.05 for rank in range(len(ordered))))

    def text(self, rng: random.Random, words: int) -> str:
        """``words`` words with a comma or full stop now and then."""
        out: list[str] = []
        total = self.cumulative[-1]
        for _ in range(words):
            out.append(self.words[bisect.bisect(self.cumulative, rng.random() * total)])
            roll = rng.random()
            if roll < 0.12:
                out.append("，")
            elif roll < 0.16:
                out.append("。")
        return "".join(out)


# ---------------------------------------------------------------- generation


@dataclass(frozen=True)
class Text:
    """A generated title or body with its search content and bigrams (computed once)."""

    text: str
    content: str
    grams: frozenset[str]


def text_pool(size: int, seed: int) -> tuple[list[Text], list[Text]]:
    """``size`` titles and ``size`` bodies. Items combine a random title with a random body: generating
    and normalising a million texts in Python would take longer than everything else."""
    from tqdm import tqdm
    language = Language()
    rng = random.Random(seed)
    suffixes = ("的通知", "公示", "的公告", "名单", "")

    def made(value: str) -> Text:
        content = content_of([value])
        return Text(value, content, frozenset(grams_of_content(content)))
    titles, bodies = [], []
    for _ in tqdm(range(size), desc="texts", unit="text", unit_scale=True):
        titles.append(made((language.text(rng, rng.randint(5, 10)) + rng.choice(suffixes))[:200]))
        bodies.append(made(language.text(rng, rng.randint(40, 120))))
    return titles, bodies


# ---------------------------------------------------------------- databases

# A kept database (``--keep``) carries this signature; it is reused only when the signature matches, so
# a change to the generator or the schema regenerates the data instead of measuring stale rows.
GENERATOR = "3"
KEPT_SQLITE_DIR = Path(tempfile.gettempdir()) / "gongkai_bench_search"


def _kept_name(size: int) -> str:
    return f"gongkai_bench_search_{size}"


def _signature(size: int, texts: int, seed: int) -> str:
    from db.migrate import head_revisions
    return f"generator {GENERATOR}; {size} items; {texts} texts; seed {seed}; schema {','.join(head_revisions())}"


def _admin_engine() -> Any:
    from sqlalchemy import create_engine
    return create_engine(normalize_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(normalize_url(PG_ADMIN_URL)).set(database=name).render_as_string(hide_password=False)


def _signature_of(database: Database) -> str | None:
    with database.engine.connect() as conn:
        try:
            return conn.execute(text("SELECT signature FROM bench_search_meta")).scalar()
        except Exception:          # no such table: not (completely) generated
            return None


def _mark(database: Database, signature: str) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_search_meta (signature TEXT NOT NULL)"))
        conn.execute(text("INSERT INTO bench_search_meta VALUES (:s)"), {"s": signature})


@contextmanager
def bench_database(kind: str, size: int, signature: str, keep: bool) -> Iterator[tuple[Database, bool]]:
    """``(database, ready)`` for ``size`` items. Without ``keep``: a scratch database, dropped afterwards.
    With ``keep``: ``gongkai_bench_search_<size>`` (PostgreSQL) or ``<tmp>/gongkai_bench_search/<size>.db``
    (SQLite), kept for the next run and ``ready`` when it already holds the data of ``signature``;
    otherwise it is recreated empty."""
    if kind == "postgresql":
        name = _kept_name(size) if keep else f"gongkai_bench_search_{uuid.uuid4().hex[:8]}"
        admin = _admin_engine()
        ready = False
        if keep:
            with admin.connect() as conn:
                exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
            if exists:
                probe = Database(_pg_url(name))
                ready = _signature_of(probe) == signature
                probe.dispose()
        if not ready:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        database = Database(_pg_url(name))
        try:
            yield database, ready
        finally:
            database.dispose()
            if not keep:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        return
    with tempfile.TemporaryDirectory(prefix="gongkai-bench-search-") as scratch:
        folder = KEPT_SQLITE_DIR if keep else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{size}.db"
        ready = False
        if path.exists():
            probe = Database(f"sqlite:///{path}")
            ready = _signature_of(probe) == signature
            probe.dispose()
        if not ready:
            for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)
        database = Database(f"sqlite:///{path}")
        try:
            yield database, ready
        finally:
            database.dispose()


def drop_kept(sizes: list[int]) -> None:
    """Remove the kept databases of ``sizes`` (``--drop``)."""
    admin = _admin_engine()
    with admin.connect() as conn:
        for size in sizes:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{_kept_name(size)}" WITH (FORCE)'))
            print(f"dropped PostgreSQL database {_kept_name(size)}")
    admin.dispose()
    for size in sizes:
        for suffix in ("", "-wal", "-shm"):
            (KEPT_SQLITE_DIR / f"{size}.db{suffix}").unlink(missing_ok=True)
    print(f"removed SQLite files of those sizes in {KEPT_SQLITE_DIR}")


# ---------------------------------------------------------------- generation


def load(app: Gongkai, spec: BulkSpec, count: int, pool: tuple[list[Text], list[Text]], *, batch: int = 10_000,
         seed: int = 1) -> None:
    """Insert ``count`` items and their ``item_search`` rows behind a progress bar; the bigram index
    (PostgreSQL: GIN, SQLite: FTS5) is built once afterwards, as ``pg_restore`` does."""
    from tqdm import tqdm
    rng = random.Random(seed)
    titles, bodies = pool
    states, weights = list(STATE_WEIGHTS), list(STATE_WEIGHTS.values())
    postgres = app.db.is_postgres
    fts_triggers = _drop_index(app)
    with tqdm(total=count, desc=f"{app.db.dialect}: {count:,} items + search rows", unit="item",
              unit_scale=True) as bar:
        done = 0
        while done < count:
            size = min(batch, count - done)
            rows = []
            for offset in range(size):
                row = _item_row(rng, spec, states, weights, done + offset)
                row["title"], row["body"] = rng.choice(titles), rng.choice(bodies)
                row["id"] = done + offset + 1
                rows.append(row)
            (_copy if postgres else _insert_sqlite)(app, rows)
            done += size
            bar.update(size)
    started = time.perf_counter()
    _build_index(app, fts_triggers)
    print(f"  bigram index built in {time.perf_counter() - started:.0f} s", flush=True)


def _drop_index(app: Gongkai) -> list[str]:
    """Drop the bigram index for the load; returns SQLite's FTS triggers (recreated afterwards)."""
    if app.db.is_postgres:
        with app.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("DROP INDEX IF EXISTS ix_item_search_grams"))
        return []
    with app.db.engine.begin() as conn:
        triggers = list(conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'item_search_fts_%'")))
        for name, _sql in triggers:
            conn.execute(text(f"DROP TRIGGER {name}"))
        return [sql for _name, sql in triggers]


def _build_index(app: Gongkai, fts_triggers: list[str]) -> None:
    if app.db.is_postgres:
        with app.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # the serial continues after the ids given by hand
            conn.execute(text("SELECT setval(pg_get_serial_sequence('items', 'id'), (SELECT max(id) FROM items))"))
            conn.execute(text("SET maintenance_work_mem = '512MB'"))
            conn.execute(text("CREATE INDEX ix_item_search_grams ON item_search USING gin (grams)"))
            conn.execute(text("VACUUM ANALYZE items"))
            conn.execute(text("VACUUM ANALYZE item_search"))
        return
    with app.db.engine.begin() as conn:
        # FTS5 reads item_search (external content) once; then the triggers keep it in step again
        conn.execute(text("INSERT INTO item_search_fts(item_search_fts) VALUES ('rebuild')"))
        for sql in fts_triggers:
            conn.execute(text(sql))


def _search_values(row: dict[str, Any]) -> tuple[Text, Text, str]:
    """The item's title and body texts, and its content as ``workflow.search.index`` stores it."""
    title, body = row["title"], row["body"]
    row["title"], row["body"] = title.text, body.text
    return title, body, f"{title.content} {body.content}".strip()


def _copy(app: Gongkai, rows: list[dict[str, Any]]) -> None:
    import json
    raw = app.db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET LOCAL session_replication_role = replica")   # valid by construction (bench.common)
        columns = ("id", *ITEM_COLUMNS)
        lines = []
        search = []
        for row in rows:
            title, body, content = _search_values(row)
            lines.append("\t".join(_copy_text(json.dumps(row[c]) if c == "channels" else row[c]) for c in columns))
            grams = "{" + ",".join(f'"{gram}"' for gram in sorted(title.grams | body.grams)) + "}"
            search.append("\t".join(_copy_text(value) for value in (row["id"], row["department_id"], content, grams, 0)))
        with cursor.copy(f"COPY items ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write("\n".join(lines) + "\n")
        with cursor.copy("COPY item_search (item_id, department_id, content, grams, pending) FROM STDIN") as copy:
            copy.write("\n".join(search) + "\n")
        raw.commit()
    finally:
        raw.close()


def _insert_sqlite(app: Gongkai, rows: list[dict[str, Any]]) -> None:
    from sqlalchemy import insert

    from db.models import Item
    from db.models.search import ItemSearch
    search = []
    for row in rows:
        title, body, content = _search_values(row)
        search.append({"item_id": row["id"], "department_id": row["department_id"], "content": content,
                       "grams": sorted(title.grams | body.grams), "pending": 0})
    with app.db.write() as session:     # Core inserts through the column types (UTC datetimes, the grams)
        session.execute(insert(Item.__table__), rows)
        session.execute(insert(ItemSearch.__table__), search)


# ---------------------------------------------------------------- measuring


@dataclass
class SizeResult:
    """Latencies of one database and size."""

    kind: str
    size: int
    matches: dict[str, int]
    gongkai: dict[str, list[float]]          # by caller
    by_word: dict[str, list[float]]
    raw: list[float]

    @property
    def everything(self) -> list[float]:
        return [t for values in self.gongkai.values() for t in values]


def _plan(requests: int, seed: int) -> list[tuple[str, str, int]]:
    rng = random.Random(seed)
    return [(rng.choice(("lister", "admin")), rng.choice(QUERIES), rng.randint(1, 2)) for _ in range(requests)]


def raw_statements(postgres: bool, admin: bool, depts: list[int]) -> dict[str, str]:
    """The hand-written statements of one search, as Gongkai runs it (``queries._search_page``): the floor
    the database sets. Parameters: ``word``, ``limit`` (page size), ``offset``; ``probe`` and ``cap``."""
    scope = "" if admin else f" AND s.department_id IN ({', '.join(str(d) for d in depts)})"
    if postgres:
        found = f"SELECT s.item_id FROM item_search s WHERE s.grams @> ARRAY[%(word)s]::text[]{scope}"
        return {
            # the matches through the GIN index, counted up to the probe, with the page when that is all
            "probe": (f"WITH found AS MATERIALIZED ({found}), first AS (SELECT item_id FROM found LIMIT %(probe)s) "
                      "SELECT (SELECT count(*) FROM first), (SELECT array_agg(item_id) FROM (SELECT item_id FROM "
                      "first ORDER BY item_id DESC LIMIT %(limit)s OFFSET %(offset)s) p)"),
            # more matches than the probe: newest first along the primary key
            "walk": f"{found} ORDER BY s.item_id DESC LIMIT %(limit)s OFFSET %(offset)s",
            "rows": "SELECT i.id, i.title, i.state FROM items i WHERE i.id = ANY(%(ids)s) ORDER BY i.id DESC",
        }
    match = "item_search_fts MATCH :word"
    found = (f"SELECT f.rowid AS item_id FROM item_search_fts f JOIN item_search s ON s.item_id = f.rowid "
             f"WHERE {match}{scope}")
    return {
        "count": f"SELECT count(*) FROM ({found} LIMIT :cap) m",
        "page": (f"SELECT i.id, i.title, i.state FROM items i WHERE i.id IN ({found} ORDER BY f.rowid DESC "
                 f"LIMIT :limit OFFSET :offset) ORDER BY i.id DESC"),
    }


def raw_search(cursor: Any, postgres: bool, statements: dict[str, str], word: str, page: int) -> None:
    """One search by hand: count (capped) and the page's rows."""
    offset = (page - 1) * PER_PAGE
    cap = max(CAP, page * PER_PAGE) + 1
    if postgres:
        probe = max(PROBE, cap)
        params: dict[str, Any] = {"word": word, "limit": PER_PAGE, "offset": offset, "probe": probe}
        cursor.execute(statements["probe"], params)
        counted, ids = cursor.fetchone()
        if counted >= probe:
            cursor.execute(statements["walk"], params)
            ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(statements["rows"], {"ids": ids or []})
        cursor.fetchall()
        return
    params = {"word": f'"{word}"', "limit": PER_PAGE, "offset": offset, "cap": cap}
    cursor.execute(statements["count"], params)
    cursor.fetchone()
    cursor.execute(statements["page"], params)
    cursor.fetchall()


CAP = SEARCH_COUNT_CAP
PROBE = SEARCH_PROBE + 1


def measure(app: Gongkai, scope: list[str], requests: int, seed: int, explain: bool) -> tuple[
        dict[str, list[float]], dict[str, list[float]], list[float], dict[str, int]]:
    """Time the searches through the API, then the raw-SQL baseline; count the matches per word."""
    from sqlalchemy import select

    from db.models import Department, User
    from web.app import create_app
    from workflow.services.users import add_user, create_token
    with app.db.read() as session:
        has_admin = session.scalar(select(User.id).where(User.username == "searcher")) is not None
    if not has_admin:
        add_user(app, "searcher", roles=["admin"], departments=["*"])
    tokens = {"lister": create_token(app, "lister", "bench"), "admin": create_token(app, "searcher", "bench")}
    client = create_app(app, {"TESTING": True}).test_client()
    plan = _plan(requests, seed)
    for who, word, page in plan[:20]:      # warm-up
        client.get(f"/api/v1/items?q={word}&page={page}", headers={"Authorization": f"Bearer {tokens[who]}"})
    timings: dict[str, list[float]] = {"lister": [], "admin": []}
    by_word: dict[str, list[float]] = {word: [] for word in QUERIES}
    for who, word, page in plan:
        started = time.perf_counter()
        response = client.get(f"/api/v1/items?q={word}&page={page}",
                              headers={"Authorization": f"Bearer {tokens[who]}"})
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"unexpected {response.status_code}: {response.get_data(as_text=True)[:300]}")
        timings[who].append(elapsed)
        by_word[word].append(elapsed)
    with app.db.read() as session:
        depts = list(session.scalars(select(Department.id).where(Department.code.in_(scope))))
    postgres = app.db.is_postgres
    statements = {who: raw_statements(postgres, who == "admin", depts) for who in ("lister", "admin")}
    raw_times: list[float] = []
    raw = app.db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for who, word, page in plan[:20] + plan:          # the same warm-up, not counted
            started = time.perf_counter()
            raw_search(cursor, postgres, statements[who], word, page)
            raw_times.append(time.perf_counter() - started)
            raw.rollback()
        raw_times = raw_times[20:]
        matches = {}
        for word in QUERIES:
            if postgres:
                cursor.execute("SELECT count(*) FROM item_search WHERE grams @> ARRAY[%(w)s]::text[]", {"w": word})
            else:
                cursor.execute("SELECT count(*) FROM item_search_fts WHERE item_search_fts MATCH :w", {"w": f'"{word}"'})
            matches[word] = cursor.fetchone()[0]
        raw.rollback()
        if explain:
            _explain(app, cursor, statements)
        raw.rollback()
    finally:
        raw.close()
    return timings, by_word, raw_times, matches


def _explain(app: Gongkai, cursor: Any, statements: dict[str, dict[str, str]]) -> None:
    """The plans of the raw statements for a frequent, a middling and a rare word."""
    postgres = app.db.is_postgres
    for who, named in statements.items():
        for word in (QUERIES[0], QUERIES[2], QUERIES[-1]):
            for label, sql in named.items():
                if label == "rows":
                    continue
                params: dict[str, Any] = {"word": word if postgres else f'"{word}"', "limit": PER_PAGE, "offset": 0,
                                          "probe": PROBE, "cap": CAP + 1}
                if postgres:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    lines = [r[0] for r in cursor.fetchall()]
                else:
                    cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                    lines = [str(r[-1]) for r in cursor.fetchall()]
                print(f"  [{who} 「{word}」 {label}]\n    " + "\n    ".join(lines))
                cursor.connection.rollback()


def run_size(kind: str, size: int, args: argparse.Namespace, pool: Any) -> SizeResult:
    """The database of ``size`` items (generated, or kept from an earlier run), measured."""
    with bench_database(kind, size, _signature(size, args.texts, args.seed), args.keep) as (database, ready):
        app = prepared_app(database)
        if ready:
            print(f"  {kind}: reusing the kept database of {size:,} items")
            scope = _lister_scope(app)
        else:
            ids, authors, scope = _departments_and_people(app)
            spec = BulkSpec(department_ids=ids, authors=authors, catalog_codes=catalog_codes(app), now=utc_now())
            started = time.perf_counter()
            load(app, spec, size, pool())
            print(f"  generated and indexed {size:,} items in {time.perf_counter() - started:.0f} s", flush=True)
            _mark(database, _signature(size, args.texts, args.seed))
        if kind == "postgresql":
            with app.db.engine.connect() as conn:
                sizes = conn.execute(text(
                    "SELECT pg_size_pretty(pg_total_relation_size('items')), pg_size_pretty(pg_relation_size('item_search')),"
                    " pg_size_pretty(pg_total_relation_size('item_search')),"
                    " pg_size_pretty(pg_relation_size('ix_item_search_grams'))")).one()
            print(f"  sizes: items {sizes[0]}, item_search heap {sizes[1]} (total {sizes[2]}), GIN {sizes[3]}")
        if args.load_only:
            return SizeResult(kind, size, {}, {}, {}, [])
        timings, by_word, raw, matches = measure(app, scope, args.requests, args.seed, args.explain)
    return SizeResult(kind, size, matches, timings, by_word, raw)


def _lister_scope(app: Gongkai) -> list[str]:
    from sqlalchemy import select

    from db.models import Department, User
    with app.db.read() as session:
        lister = session.scalar(select(User).where(User.username == "lister"))
        return sorted(session.scalars(select(Department.code).where(Department.id.in_(
            [d.id for d in lister.departments]))))


def _cell(values: list[float]) -> str:
    s = summary_ms(values)
    return f"{s['p50']:>8.1f}{s['p95']:>8.1f}"


def report(kind: str, results: list[SizeResult], requests: int) -> None:
    """The figures of one database: per size, p50/p95 ms; ratios of the biggest to each smaller size."""
    big = results[0]
    print(f"\n{kind}: GET /api/v1/items?q=<two characters>&page=1|2 ({requests} requests per size, {DEPARTMENTS} "
          f"departments, lister scoped to 10, page size {PER_PAGE}); target: p95 < 200 ms at 1,000,000 on "
          f"PostgreSQL; {machine_note()}")
    print("items matching each word: " + "; ".join(
        f"{word} " + "/".join(f"{r.matches[word]:,}" for r in results) + f" ({100 * big.matches[word] / big.size:.1f}%)"
        for word in QUERIES))
    print(f"{'p50 / p95 ms':<24}" + "".join(f"{r.size:>16,}" for r in results))
    rows: list[tuple[str, list[list[float]]]] = [("Gongkai, all", [r.everything for r in results])]
    rows += [(f"  as {who}", [r.gongkai[who] for r in results]) for who in ("lister", "admin")]
    rows += [(f"  「{word}」", [r.by_word[word] for r in results]) for word in QUERIES]
    rows += [("raw SQL (count+page)", [r.raw for r in results])]
    for label, columns in rows:
        wide = sum(1 for ch in label if ord(ch) > 0x2E80)     # CJK characters take two columns
        print(label + " " * max(1, 22 - len(label) - wide) + "".join(_cell(values) for values in columns))
    b = summary_ms(big.everything)
    for other in results[1:]:
        o = summary_ms(other.everything)
        print(f"ratio {big.size:,}/{other.size:,}: p50 {b['p50'] / o['p50']:.2f}×, p95 {b['p95'] / o['p95']:.2f}×")
    for r in results:
        g, w = summary_ms(r.everything), summary_ms(r.raw)
        print(f"Gongkai/raw at {r.size:,}: p50 {g['p50'] / w['p50']:.2f}×, p95 {g['p95'] / w['p95']:.2f}×")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,100000,10000",
                        help="item counts, the biggest first (default 1,000,000, 100,000, 10,000)")
    parser.add_argument("--db", type=database_kinds, default=["postgresql", "sqlite"])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--texts", type=int, default=50_000, help="distinct titles and bodies generated")
    parser.add_argument("--explain", action="store_true", help="print the plans of the raw statements")
    parser.add_argument("--keep", action="store_true",
                        help="keep the generated databases and reuse them in the next run with --keep")
    parser.add_argument("--load-only", action="store_true", help="generate (with --keep) and measure nothing")
    parser.add_argument("--drop", action="store_true", help="remove the kept databases of --sizes and stop")
    args = parser.parse_args(argv)
    sizes = sorted({int(size) for size in args.sizes.split(",")}, reverse=True)
    if args.drop:
        drop_kept(sizes)
        return
    cached: list[Any] = []

    def pool() -> tuple[list[Text], list[Text]]:      # generated once, only when some data set needs it
        if not cached:
            cached.append(text_pool(args.texts, args.seed))
        return cached[0]
    results = {}
    for kind in args.db:
        print(f"== {kind} ({machine_note()})", flush=True)
        results[kind] = [run_size(kind, size, args, pool) for size in sizes]
    if not args.load_only:
        for kind, measured in results.items():
            report(kind, measured, args.requests)


if __name__ == "__main__":
    main()
