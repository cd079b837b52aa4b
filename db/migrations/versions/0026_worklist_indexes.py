"""已办 and 我发起的 (issue 14): indexes on who decided and who submitted

``GET /api/v1/me/done`` asks "which items did this person decide on" of ``decisions`` and
``GET /api/v1/me/submitted`` "which items did this person submit" of ``revisions``. Neither column was
indexed, so at a million items each page would read the whole table; (person, item) answers both from
the index alone. ``step_votes.user_id`` and ``items.author_id`` are indexed already.

Revision ID: 0026
Revises: 0025
"""
from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_decisions_actor_item", "decisions", ["actor_id", "item_id"])
    op.create_index("ix_revisions_submitter_item", "revisions", ["submitted_by_id", "item_id"])


def downgrade() -> None:
    op.drop_index("ix_revisions_submitter_item", table_name="revisions")
    op.drop_index("ix_decisions_actor_item", table_name="decisions")
