"""review routes: indexes for 我的待办 at 1,000,000 items (issue 13)

Measured by ``bench/route_tasks.py`` (docs/routes.md, "Performance"): the task list asks, for each item
on a stored route, whether the actor decides its active step. Before this migration PostgreSQL asked it
of every open item of every department and read each step row from the table; SQLite found "has this
person voted on the item" by walking all of the person's votes.

- ``ix_items_routed_state_due`` (partial: ``route_step IS NOT NULL``): the items on a stored route's
  active step, so that the routed half of the task query reads those rows only;
- ``ix_item_route_steps_item_revision_position`` on PostgreSQL also carries ``kind, role,
  department_id, id`` (INCLUDE): the probe of the active step is an index-only scan;
- ``ix_step_votes_item_user`` (item, user) replaces ``ix_step_votes_item_id`` (its prefix).

Revision ID: 0023
Revises: 0022
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

ROUTED = sa.text("route_step IS NOT NULL")
STEP_COLUMNS = ["item_id", "revision", "position"]


def upgrade() -> None:
    op.create_index("ix_items_routed_state_due", "items", ["state", "stage_due", "id"], sqlite_where=ROUTED,
                    postgresql_where=ROUTED)
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_item_route_steps_item_revision_position", table_name="item_route_steps")
        op.create_index("ix_item_route_steps_item_revision_position", "item_route_steps", STEP_COLUMNS,
                        postgresql_include=["kind", "role", "department_id", "id"])
    op.create_index("ix_step_votes_item_user", "step_votes", ["item_id", "user_id"])
    op.drop_index("ix_step_votes_item_id", table_name="step_votes")


def downgrade() -> None:
    op.create_index("ix_step_votes_item_id", "step_votes", ["item_id"])
    op.drop_index("ix_step_votes_item_user", table_name="step_votes")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_item_route_steps_item_revision_position", table_name="item_route_steps")
        op.create_index("ix_item_route_steps_item_revision_position", "item_route_steps", STEP_COLUMNS)
    op.drop_index("ix_items_routed_state_due", table_name="items")
