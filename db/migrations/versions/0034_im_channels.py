"""企业微信 / 钉钉 messages through the outbox (issue 16)

``outbox.channel``: how a row is delivered — ``email`` (every row so far), ``wecom`` / ``dingtalk`` (an
application message to one person by their userid), ``wecom_robot`` / ``dingtalk_robot`` (a department's
group robot). ``outbox.link``: the deep link an IM card opens. ``notifications.im_status``: ``pending``
(still to be messaged), ``digest`` (held for the user's daily digest), ``queued`` (in an outbox row),
``none`` (not messaged); rows written before this migration are ``none`` (no backlog is sent when IM is
switched on). ``users.im_enabled``: the person wants IM messages. ``im_tokens``: access tokens shared by
every scheduler process until shortly before they expire.

Revision ID: 0034
Revises: 0033
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

CHANNELS = "channel IN ('email','wecom','wecom_robot','dingtalk','dingtalk_robot')"
IM_STATUSES = "im_status IN ('pending','digest','queued','none')"


# Columns are added in place (no batch copy of tables others refer to); on SQLite the CHECK goes with the column.
def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute(f"ALTER TABLE outbox ADD COLUMN channel VARCHAR(16) DEFAULT 'email' NOT NULL "
                   f"CONSTRAINT ck_outbox_channel_known CHECK ({CHANNELS})")
        op.execute(f"ALTER TABLE notifications ADD COLUMN im_status VARCHAR(16) DEFAULT 'pending' NOT NULL "
                   f"CONSTRAINT ck_notifications_im_status_known CHECK ({IM_STATUSES})")
    else:
        op.add_column("outbox", sa.Column("channel", sa.String(16), nullable=False, server_default="email"))
        op.create_check_constraint("ck_outbox_channel_known", "outbox", CHANNELS)
        op.add_column("notifications", sa.Column("im_status", sa.String(16), nullable=False,
                                                 server_default="pending"))
        op.create_check_constraint("ck_notifications_im_status_known", "notifications", IM_STATUSES)
    op.execute("UPDATE notifications SET im_status = 'none'")
    op.add_column("outbox", sa.Column("link", sa.String(1000), nullable=True))
    op.create_index("ix_notifications_im_status", "notifications", ["im_status", "user_id"])
    op.add_column("users", sa.Column("im_enabled", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "im_tokens",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("token", sa.String(1000), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("fetched_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("im_tokens")
    op.drop_column("users", "im_enabled")
    op.drop_index("ix_notifications_im_status", table_name="notifications")
    op.drop_column("outbox", "link")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("ck_notifications_im_status_known", "notifications", type_="check")
        op.drop_constraint("ck_outbox_channel_known", "outbox", type_="check")
    op.drop_column("notifications", "im_status")
    op.drop_column("outbox", "channel")
