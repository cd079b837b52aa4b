"""opinions on every decision and each user's 常用意见 (issue 14)

``decisions.opinion``: the 审查意见 / 审批意见 written with the decision (a return's or a rejection's is its
reason: existing returns and rejections get their reason as their opinion, so that every reader asks one
column). ``user_phrases``: one user's own phrases for one decision, replacing the built-in ones.

Revision ID: 0025
Revises: 0024
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("decisions", sa.Column("opinion", sa.Text(), nullable=True))
    op.execute("UPDATE decisions SET opinion = reason WHERE kind IN ('return', 'reject') AND reason IS NOT NULL")
    op.create_table(
        "user_phrases",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("phrases", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE", name="fk_user_phrases_user_id_users"),
        sa.PrimaryKeyConstraint("user_id", "decision", name="pk_user_phrases"),
    )


def downgrade() -> None:
    op.drop_table("user_phrases")
    # SQLite ≥ 3.35 drops a column in place (no table copy, which the foreign keys would refuse)
    op.drop_column("decisions", "opinion")
