"""scheduler liveness: one heartbeat row per scheduler process

Revision ID: 0015
Revises: 0014
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_heartbeats",
        sa.Column("instance_id", sa.String(100), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("last_beat_at", UTCDateTime(), nullable=False),
        sa.Column("stopped_at", UTCDateTime(), nullable=True),
        sa.Column("last_job", sa.String(32), nullable=True),
        sa.Column("last_job_ok", sa.Boolean(), nullable=True),
        sa.Column("last_job_result", sa.String(500), nullable=True),
        sa.Column("last_job_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("instance_id", name="pk_scheduler_heartbeats"),
    )
    op.create_index("ix_scheduler_heartbeats_last_beat_at", "scheduler_heartbeats", ["last_beat_at"])


def downgrade() -> None:
    op.drop_index("ix_scheduler_heartbeats_last_beat_at", table_name="scheduler_heartbeats")
    op.drop_table("scheduler_heartbeats")
