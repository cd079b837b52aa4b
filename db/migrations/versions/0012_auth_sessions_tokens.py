"""login throttling, server-side sessions, token expiry and revocation; drop the account lock-out

Revision ID: 0012
Revises: 0011
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Tokens issued before this migration never expired; they now expire 90 days after the upgrade
# (the default of auth.token_days), so integrations keep working while operators renew them.
LEGACY_TOKEN_DAYS = 90


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", UTCDateTime(), nullable=False),
        sa.Column("last_failure_at", UTCDateTime(), nullable=False),
        sa.Column("blocked_until", UTCDateTime(), nullable=True),
    )
    with op.batch_alter_table("login_throttle") as batch:
        batch.create_index(batch.f("ix_login_throttle_last_failure_at"), ["last_failure_at"])
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE",
                                                         name="fk_user_sessions_user_id_users"), nullable=False),
        sa.Column("sid_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.UniqueConstraint("sid_hash", name="uq_user_sessions_sid_hash"),
    )
    with op.batch_alter_table("user_sessions") as batch:
        batch.create_index("ix_user_sessions_user_ended", ["user_id", "ended_at"])
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("revoked_at", UTCDateTime(), nullable=True))
    expires = datetime.now(timezone.utc) + timedelta(days=LEGACY_TOKEN_DAYS)
    tokens = sa.table("api_tokens", sa.column("expires_at", UTCDateTime()))
    op.execute(tokens.update().values(expires_at=expires))
    # The per-account lock-out let anyone lock anyone out; throttling replaces it. Plain ALTER TABLE
    # … DROP COLUMN (SQLite ≥ 3.35): a batch copy would drop and re-create ``users``, cascading deletes.
    op.drop_column("users", "failed_logins")
    op.drop_column("users", "locked_until")


def downgrade() -> None:
    op.add_column("users", sa.Column("locked_until", UTCDateTime(), nullable=True))
    op.add_column("users", sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("expires_at")
    op.drop_table("user_sessions")
    op.drop_table("login_throttle")
