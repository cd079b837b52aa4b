"""清单 entries marked 「不适用」 for this institution, with the reason (issue 12)

A 高职 college has no 研究生/学位 items: an admin marks such an entry not applicable, and coverage says so
instead of reporting it as missing. Two columns on catalog_entries; every existing entry stays applicable.

Revision ID: 0020
Revises: 0019
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("catalog_entries", sa.Column("not_applicable", sa.Boolean(), nullable=False,
                                               server_default=sa.false()))
    op.add_column("catalog_entries", sa.Column("not_applicable_reason", sa.Text(), nullable=False,
                                               server_default=""))


def downgrade() -> None:
    # SQLite ≥ 3.35 drops a column in place (no table copy, which the items' foreign key would refuse)
    op.drop_column("catalog_entries", "not_applicable_reason")
    op.drop_column("catalog_entries", "not_applicable")
