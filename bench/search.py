"""Latency of the full-text search (``GET /api/v1/items?q=``) on PostgreSQL at 1,000,000 items against 100,000.

    .venv/bin/python -m bench.search                                  # 1M vs 100k, PostgreSQL
    .venv/bin/python -m bench.search --big 200000 --small 20000       # quicker
    .venv/bin/python -m bench.search --explain                        # also print the query plans

For each size a scratch database ``gongkai_bench_search_<random>`` is migrated and the catalogue loaded
(``workflow.setup.init``); 200 departments, one author each, and ``lister`` (a drafter/reviewer of 10 of
the departments) are created as in ``bench.item_list``. Then the items are generated behind a progress
bar — the states, departments and dates of ``bench.common`` — with Chinese-like titles (5–10 words)
and bodies (40–120 words) drawn from a Zipf-distributed vocabulary of 60,000 words made of the 3,755
GB2312 level-1 characters (themselves Zipf-weighted), among which ~100 words of a college's notices
(奖学金, 招生简章, 食堂 …) are placed at ranks 20–2,600. Each item's ``item_search`` row is computed with
``db.search_text`` (what ``workflow.search.index`` stores) and loaded with the item by ``COPY``; the GIN
index is dropped for the load and built afterwards (as ``pg_restore`` does), then ``VACUUM ANALYZE``.

Measured, through the Flask test client with bearer tokens (authentication, parsing, the search
query, the pagination count, one page of 20, the JSON): ``--requests`` searches for a two-character
word taken from ``QUERIES`` (common to rare), half as ``lister`` (10 departments) and half as an admin
(everything), on pages 1–2; the same random sequence for both sizes, 20 warm-up requests not counted.
The **raw-SQL baseline** runs the same two statements (count and page of ids) by hand on the same
database through psycopg — the floor the database sets, without the ORM, the item rows or the JSON.
Printed: how many items each word matches, p50/p95 per size, per caller and per word, and the
ratios 1M/100k and Gongkai/raw (target: p95 < 200 ms at 1M).
"""
from __future__ import annotations

import argparse
import bisect
import itertools
import random
import time
from dataclasses import dataclass
from typing import Any, Iterator

from sqlalchemy import text

from bench.common import (PG_ADMIN_URL, STATE_WEIGHTS, BulkSpec, ITEM_COLUMNS, _copy_text, _item_row, catalog_codes,
                          machine_note, prepared_app, summary_ms, utc_now)
from bench.item_list import DEPARTMENTS, _departments_and_people
from db.scratch import scratch_postgres
from db.search_text import content_of, grams_of_content
from workflow.context import Gongkai

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


def load(app: Gongkai, spec: BulkSpec, count: int, pool: tuple[list[Text], list[Text]], *, batch: int = 10_000,
         seed: int = 1) -> None:
    """COPY ``count`` items and their ``item_search`` rows, the GIN index built afterwards."""
    from tqdm import tqdm
    rng = random.Random(seed)
    titles, bodies = pool
    states, weights = list(STATE_WEIGHTS), list(STATE_WEIGHTS.values())
    with app.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("DROP INDEX IF EXISTS ix_item_search_grams"))
    with tqdm(total=count, desc=f"{count:,} items + search rows", unit="item", unit_scale=True) as bar:
        done = 0
        while done < count:
            size = min(batch, count - done)
            rows = []
            for offset in range(size):
                row = _item_row(rng, spec, states, weights, done + offset)
                row["title"], row["body"] = rng.choice(titles), rng.choice(bodies)
                rows.append(row)
            _copy(app, rows, first_id=done + 1)
            done += size
            bar.update(size)
    started = time.perf_counter()
    with app.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # the serial continues after the ids given by hand
        conn.execute(text("SELECT setval(pg_get_serial_sequence('items', 'id'), (SELECT max(id) FROM items))"))
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        conn.execute(text("CREATE INDEX ix_item_search_grams ON item_search USING gin (grams)"))
        print(f"  GIN index built in {time.perf_counter() - started:.0f} s", flush=True)
        conn.execute(text("VACUUM ANALYZE items"))
        conn.execute(text("VACUUM ANALYZE item_search"))


def _copy(app: Gongkai, rows: list[dict[str, Any]], first_id: int) -> None:
    import json
    raw = app.db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET LOCAL session_replication_role = replica")   # valid by construction (bench.common)
        columns = ("id", *ITEM_COLUMNS)
        lines = []
        search = []
        for index, row in enumerate(rows):
            title, body = row["title"], row["body"]
            row["id"], row["title"], row["body"] = first_id + index, title.text, body.text
            lines.append("\t".join(_copy_text(json.dumps(row[c]) if c == "channels" else row[c]) for c in columns))
            # what workflow.search.index stores: content_of([title, body]) and its bigrams
            content = f"{title.content} {body.content}".strip()
            grams = "{" + ",".join(f'"{gram}"' for gram in sorted(title.grams | body.grams)) + "}"
            search.append("\t".join(_copy_text(value) for value in (row["id"], row["department_id"], content, grams, 0)))
        with cursor.copy(f"COPY items ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write("\n".join(lines) + "\n")
        with cursor.copy("COPY item_search (item_id, department_id, content, grams, pending) FROM STDIN") as copy:
            copy.write("\n".join(search) + "\n")
        raw.commit()
    finally:
        raw.close()


# ---------------------------------------------------------------- measuring


@dataclass
class SizeResult:
    """Latencies of one dataset size."""

    size: int
    matches: dict[str, int]
    gongkai: dict[str, list[float]]          # by caller
    by_word: dict[str, list[float]]
    raw: list[float]


def _plan(requests: int, seed: int) -> list[tuple[str, str, int]]:
    rng = random.Random(seed)
    return [(rng.choice(("lister", "admin")), rng.choice(QUERIES), rng.randint(1, 2)) for _ in range(requests)]


RAW_COUNT = ("SELECT count(*) FROM item_search s WHERE s.grams @> %(grams)s "
             "AND (%(all)s OR s.department_id = ANY(%(depts)s))")
RAW_PAGE = ("SELECT i.id, i.title, i.state FROM items i JOIN item_search s ON s.item_id = i.id "
            "WHERE s.grams @> %(grams)s AND (%(all)s OR (i.department_id = ANY(%(depts)s) "
            "AND s.department_id = ANY(%(depts)s))) ORDER BY s.item_id DESC LIMIT 20 OFFSET %(offset)s")


def measure(app: Gongkai, scope: list[str], requests: int, seed: int, explain: bool) -> tuple[
        dict[str, list[float]], dict[str, list[float]], list[float], dict[str, int]]:
    """Time the searches through the API, then the raw-SQL baseline; count the matches per word."""
    from sqlalchemy import select

    from db.models import Department
    from web.app import create_app
    from workflow.services.users import add_user, create_token
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
    raw_times: list[float] = []
    raw = app.db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for who, word, page in plan:
            params = {"grams": [word], "all": who == "admin", "depts": depts, "offset": (page - 1) * PER_PAGE}
            started = time.perf_counter()
            cursor.execute(RAW_COUNT, params)
            cursor.fetchone()
            cursor.execute(RAW_PAGE, params)
            cursor.fetchall()
            raw_times.append(time.perf_counter() - started)
            raw.rollback()
        matches = {}
        for word in QUERIES:
            cursor.execute("SELECT count(*) FROM item_search WHERE grams @> %(grams)s", {"grams": [word]})
            matches[word] = cursor.fetchone()[0]
        if explain:
            for who in ("lister", "admin"):
                params = {"grams": [QUERIES[2]], "all": who == "admin", "depts": depts, "offset": 0}
                for label, sql in (("count", RAW_COUNT), ("page", RAW_PAGE)):
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    print(f"  [{who} {QUERIES[2]} {label}]\n    " + "\n    ".join(r[0] for r in cursor.fetchall()))
        raw.rollback()
    finally:
        raw.close()
    return timings, by_word, raw_times, matches


def _scratch() -> Iterator[Any]:
    return scratch_postgres(PG_ADMIN_URL, "gongkai_bench_search")


def run_size(size: int, requests: int, seed: int, explain: bool, pool: tuple[list[Text], list[Text]]) -> SizeResult:
    """Build a scratch database of ``size`` items and measure it."""
    with _scratch() as database:
        app = prepared_app(database)
        ids, authors, scope = _departments_and_people(app)
        spec = BulkSpec(department_ids=ids, authors=authors, catalog_codes=catalog_codes(app), now=utc_now())
        started = time.perf_counter()
        load(app, spec, size, pool)
        print(f"  generated and indexed {size:,} items in {time.perf_counter() - started:.0f} s", flush=True)
        with app.db.engine.connect() as conn:
            sizes = conn.execute(text(
                "SELECT pg_size_pretty(pg_total_relation_size('items')), pg_size_pretty(pg_relation_size('item_search')),"
                " pg_size_pretty(pg_total_relation_size('item_search')),"
                " pg_size_pretty(pg_relation_size('ix_item_search_grams'))")).one()
        print(f"  sizes: items {sizes[0]}, item_search heap {sizes[1]} (total {sizes[2]}), GIN {sizes[3]}")
        timings, by_word, raw, matches = measure(app, scope, requests, seed, explain)
    return SizeResult(size, matches, timings, by_word, raw)


def _row(label: str, small: list[float], big: list[float]) -> str:
    a, b = summary_ms(small), summary_ms(big)
    return (f"{label:<22}{a['p50']:>9.1f}ms{a['p95']:>8.1f}ms{b['p50']:>10.1f}ms{b['p95']:>8.1f}ms"
            f"{b['p50'] / a['p50']:>10.2f}×{b['p95'] / a['p95']:>7.2f}×")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="print the plans of the raw statements")
    parser.add_argument("--texts", type=int, default=50_000, help="distinct titles and bodies generated")
    args = parser.parse_args(argv)
    print(f"== postgresql ({machine_note()})")
    pool = text_pool(args.texts, args.seed)
    small = run_size(args.small, args.requests, args.seed, args.explain, pool)
    big = run_size(args.big, args.requests, args.seed, args.explain, pool)
    print(f"\nGET /api/v1/items?q=<two characters>&page=1|2 ({args.requests} requests per size, {DEPARTMENTS} "
          f"departments, lister scoped to 10, page size {PER_PAGE}); target: p95 < 200 ms at the big size; "
          f"{machine_note()}")
    print("items matching each word: " + ", ".join(
        f"{word} {small.matches[word]:,}/{big.matches[word]:,} ({100 * big.matches[word] / big.size:.1f}%)"
        for word in QUERIES))
    print(f"{'':<22}{'small p50':>11}{'p95':>10}{'big p50':>12}{'p95':>10}{'ratio p50':>11}{'p95':>8}")
    everything_small = [t for values in small.gongkai.values() for t in values]
    everything_big = [t for values in big.gongkai.values() for t in values]
    print(_row("Gongkai, all", everything_small, everything_big))
    for who in ("lister", "admin"):
        print(_row(f"  as {who}", small.gongkai[who], big.gongkai[who]))
    for word in QUERIES:
        print(_row(f"  「{word}」", small.by_word[word], big.by_word[word]))
    print(_row("raw SQL (count+page)", small.raw, big.raw))
    for label, result in (("small", small), ("big", big)):
        everything = [t for values in result.gongkai.values() for t in values]
        print(f"Gongkai/raw at {label} ({result.size:,}): p50 {summary_ms(everything)['p50'] / summary_ms(result.raw)['p50']:.2f}×,"
              f" p95 {summary_ms(everything)['p95'] / summary_ms(result.raw)['p95']:.2f}×")


if __name__ == "__main__":
    main()
