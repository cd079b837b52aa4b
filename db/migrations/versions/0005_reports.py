"""report narratives per academic year and section

Revision ID: 0005
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_narratives",
        sa.Column("year", sa.String(length=16), nullable=False),
        sa.Column("section", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_report_narratives_updated_by_id_users")),
        sa.PrimaryKeyConstraint("year", "section", name=op.f("pk_report_narratives")),
    )


def downgrade() -> None:
    op.drop_table("report_narratives")
