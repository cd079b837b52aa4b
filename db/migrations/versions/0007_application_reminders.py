"""reminder ledger rows for requests for disclosure (applications)

Revision ID: 0007
Revises: 0006

``reminders.item_id`` becomes nullable, ``reminders.application_id`` (FK, ON DELETE CASCADE)
is added, a CHECK keeps exactly one of the two set, and (application_id, stage_entry, rung)
is unique like (item_id, stage_entry, rung). SQLite rebuilds the table (batch mode).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminders", recreate="auto") as batch:
        batch.alter_column("item_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("application_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_reminders_application_id_applications", "applications",
                                 ["application_id"], ["id"], ondelete="CASCADE")
        batch.create_unique_constraint("uq_reminders_application_entry_rung",
                                       ["application_id", "stage_entry", "rung"])
        batch.create_check_constraint(op.f("ck_reminders_one_subject"), "(item_id IS NULL) <> (application_id IS NULL)")
        batch.create_index("ix_reminders_application_id", ["application_id"])


def downgrade() -> None:
    op.execute("DELETE FROM reminders WHERE item_id IS NULL")
    with op.batch_alter_table("reminders", recreate="auto") as batch:
        batch.drop_index("ix_reminders_application_id")
        batch.drop_constraint(op.f("ck_reminders_one_subject"), type_="check")
        batch.drop_constraint("uq_reminders_application_entry_rung", type_="unique")
        batch.drop_constraint("fk_reminders_application_id_applications", type_="foreignkey")
        batch.drop_column("application_id")
        batch.alter_column("item_id", existing_type=sa.Integer(), nullable=False)
