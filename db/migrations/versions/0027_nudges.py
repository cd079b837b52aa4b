"""催办 (nudges): one row per item, person nudged and working day (issue 14)

Revision ID: 0027
Revises: 0026
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nudges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("workday", sa.Date(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE", name="fk_nudges_item_id_items"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_nudges_user_id_users"),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name="fk_nudges_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_nudges"),
        sa.UniqueConstraint("item_id", "user_id", "workday", name="uq_nudges_item_user_workday"),
    )
    op.create_index("ix_nudges_user_id", "nudges", ["user_id"])
    op.create_index("ix_nudges_by_id_at", "nudges", ["by_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_nudges_by_id_at", table_name="nudges")
    op.drop_index("ix_nudges_user_id", table_name="nudges")
    op.drop_table("nudges")
