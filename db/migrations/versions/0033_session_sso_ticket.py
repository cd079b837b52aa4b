"""Single logout: the SHA-256 of the CAS service ticket a session was opened with (issue 16)

``user_sessions.sso_ticket_hash``: set when a session was opened by a CAS login (``workflow/services/sso.py``).
The CAS server's single-logout request names the service ticket (``<samlp:SessionIndex>``); its hash finds the
session to end. Only the hash is kept: a stored ticket is of no use to anyone reading the database, and a
consumed ticket is refused by the CAS server anyway. NULL for password logins.

Revision ID: 0033
Revises: 0032
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


# Added in place (no batch copy): user_sessions is referred to by nothing, but a plain ADD COLUMN is enough and
# keeps the sessions open during the upgrade.
def upgrade() -> None:
    op.add_column("user_sessions", sa.Column("sso_ticket_hash", sa.String(64), nullable=True))
    op.create_index("ix_user_sessions_sso_ticket_hash", "user_sessions", ["sso_ticket_hash"])


def downgrade() -> None:
    op.drop_index("ix_user_sessions_sso_ticket_hash", table_name="user_sessions")
    op.drop_column("user_sessions", "sso_ticket_hash")
