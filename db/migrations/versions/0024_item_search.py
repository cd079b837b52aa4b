"""full-text search: item_search (bigrams of title, body and attachment text) and attachment_texts (issue 14)

``item_search`` holds one row per item: its normalised content and the content's character bigrams
(``db.search_text``, docs/search.md). PostgreSQL indexes the bigrams (``text[]``) with GIN; SQLite with
an FTS5 table over them (external content, kept in step by triggers). ``attachment_texts`` keeps the
text the bounded scanner extracts from each attachment content.

Existing items are back-filled here from their title, body and attachment names, in batches with a
progress line. Their attachments' *text* is not: extracting it means parsing the files in the bounded
scan worker, which a migration does not run; each such item is marked ``pending`` and the scheduler's
``scan`` job extracts the texts a batch at a time and indexes the items again
(``workflow.search.index.extract_pending``).

Revision ID: 0024
Revises: 0023
"""
from __future__ import annotations

import sys
import time

import sqlalchemy as sa
from alembic import op

import db.types
from db.models.search import Grams
from db.search_text import content_of, grams_of_content

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

BATCH = 5000

_SQLITE_FTS = (
    # external content: the bigrams are stored once, in item_search.grams; FTS5 keeps only its index
    "CREATE VIRTUAL TABLE item_search_fts USING fts5(grams, content='item_search', content_rowid='item_id', "
    "tokenize='ascii', detail='none')",
    "CREATE TRIGGER item_search_fts_insert AFTER INSERT ON item_search BEGIN "
    "INSERT INTO item_search_fts(rowid, grams) VALUES (new.item_id, new.grams); END",
    "CREATE TRIGGER item_search_fts_delete AFTER DELETE ON item_search BEGIN "
    "INSERT INTO item_search_fts(item_search_fts, rowid, grams) VALUES ('delete', old.item_id, old.grams); END",
    "CREATE TRIGGER item_search_fts_update AFTER UPDATE ON item_search BEGIN "
    "INSERT INTO item_search_fts(item_search_fts, rowid, grams) VALUES ('delete', old.item_id, old.grams); "
    "INSERT INTO item_search_fts(rowid, grams) VALUES (new.item_id, new.grams); END",
)


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.create_table(
        "attachment_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("extension", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("extracted_at", db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment_texts")),
        sa.UniqueConstraint("sha256", "extension", name="attachment_text_key"),
    )
    op.create_table(
        "item_search",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("grams", Grams(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE",
                                name=op.f("fk_item_search_item_id_items")),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_search")),
    )
    op.create_index("ix_item_search_department_id", "item_search", ["department_id"])
    if postgres:
        # the bigrams and the content go to TOAST: the main row stays ~60 bytes, so that a bitmap over a
        # frequent bigram's matches stays exact (work_mem) and touches few pages
        op.execute("ALTER TABLE item_search SET (toast_tuple_target = 128)")
    else:
        for statement in _SQLITE_FTS:
            op.execute(statement)
    _backfill(bind)
    if postgres:
        # built after the back-fill: one GIN build is much faster than a million insertions
        op.execute("CREATE INDEX ix_item_search_grams ON item_search USING gin (grams)")


def _backfill(bind: sa.engine.Connection) -> None:
    """Index every existing item from its title, body and attachment names, a batch at a time."""
    total = bind.execute(sa.text("SELECT count(*) FROM items")).scalar_one()
    if not total:
        return
    table = sa.table("item_search", sa.column("item_id"), sa.column("department_id"), sa.column("content"),
                     sa.column("grams", Grams()), sa.column("pending"))
    done, last_id, started = 0, 0, time.monotonic()
    while True:
        rows = bind.execute(sa.text(
            "SELECT id, department_id, title, body FROM items WHERE id > :last ORDER BY id LIMIT :batch"),
            {"last": last_id, "batch": BATCH}).all()
        if not rows:
            break
        ids = [row.id for row in rows]
        files: dict[int, list[str]] = {}
        for item_id, filename in bind.execute(sa.text(
                "SELECT item_id, filename FROM attachments WHERE item_id >= :low AND item_id <= :high "
                "ORDER BY id"), {"low": ids[0], "high": ids[-1]}):
            files.setdefault(item_id, []).append(filename)
        values = []
        for row in rows:
            names = files.get(row.id, [])
            content = content_of([row.title or "", row.body or "", *names])
            values.append({"item_id": row.id, "department_id": row.department_id, "content": content,
                           "grams": grams_of_content(content), "pending": len(names)})
        bind.execute(table.insert(), values)
        done += len(rows)
        last_id = ids[-1]
        elapsed = time.monotonic() - started
        print(f"  item_search: {done:,}/{total:,} items indexed ({elapsed:.0f} s)", file=sys.stderr, flush=True)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS item_search_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS item_search_fts")
    op.drop_table("item_search")
    op.drop_table("attachment_texts")
