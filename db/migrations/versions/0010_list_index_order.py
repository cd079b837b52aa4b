"""department task lists: index (department, state, stage_due, id) returns pages in order

Revision ID: 0010
Revises: 0009
"""
from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_index("ix_items_dept_state_due")
        batch.create_index("ix_items_dept_state_due", ["department_id", "state", "stage_due", "id"])


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_index("ix_items_dept_state_due")
        batch.create_index("ix_items_dept_state_due", ["department_id", "state", "stage_due"])
