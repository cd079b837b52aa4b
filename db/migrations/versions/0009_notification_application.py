"""notifications may point at an application (依申请公开) as well as an item

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("application_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_notifications_application_id"), ["application_id"])
        batch.create_foreign_key(batch.f("fk_notifications_application_id_applications"), "applications",
                                 ["application_id"], ["id"], ondelete="CASCADE")


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint(batch.f("fk_notifications_application_id_applications"), type_="foreignkey")
        batch.drop_index(batch.f("ix_notifications_application_id"))
        batch.drop_column("application_id")
