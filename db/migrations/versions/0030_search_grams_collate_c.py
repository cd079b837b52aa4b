"""search: the bigrams compared byte-wise (COLLATE "C") on PostgreSQL (issue 14, docs/search.md)

``item_search.grams`` was ``text[]`` in the database's default collation: every comparison of two bigrams
in the GIN index (its build, each insertion, each lookup) went through the locale's collation function
(``strcoll`` / ICU), which is many times slower than comparing bytes and buys nothing — the bigrams are
only ever tested for equality, never shown in order. With ``COLLATE "C"`` the GIN entries are compared
with ``memcmp``. What the index finds is the same: equality under a deterministic collation is byte
equality.

PostgreSQL rebuilds the GIN index (the column is not rewritten: the type stays ``text[]``). On a large
database this takes a few minutes; raise ``maintenance_work_mem`` first (docs/search.md, "Migration
0024"). SQLite compares text byte-wise already (and its index is FTS5): nothing to do.

Revision ID: 0030
Revises: 0029
"""
from __future__ import annotations

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE item_search ALTER COLUMN grams TYPE text[] COLLATE "C"')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE item_search ALTER COLUMN grams TYPE text[] COLLATE \"default\"")
