"""audit chain keyed with HMAC: each event records the id of the key that signed it

Events written before this revision keep ``key_id`` NULL and stay verifiable with the
legacy plain SHA-256 form (docs/audit.md). Plain ADD/DROP COLUMN (no batch table copy),
so the append-only triggers of revision 0002 stay in place on SQLite.

Revision ID: 0014
Revises: 0013
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("key_id", sa.String(length=16), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_events", "key_id")
