"""委托 (delegation) and 转办 (reassign), issue 14

``delegations``: who represents whom over which calendar dates (rows are never deleted; ``ended_at`` ends
one). ``decisions.acted_by_id`` and ``step_votes.acted_by_id``: the delegate who acted for the decider of
record (乙 代 甲). ``item_route_step_users``: whom a reassigned row replaced, who reassigned it, when, why.

Columns are added in place (``ALTER TABLE … ADD COLUMN … REFERENCES``, which SQLite allows for a nullable
column): a batch copy of ``decisions`` would be refused by the foreign key of ``pi_assessments``.

Revision ID: 0028
Revises: 0027
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

_USER_COLUMNS = (("decisions", "acted_by_id"), ("step_votes", "acted_by_id"),
                 ("item_route_step_users", "reassigned_from_id"), ("item_route_step_users", "reassigned_by_id"))


def _add_user_column(table: str, column: str) -> None:
    """A nullable column referring to ``users``, named as the models' naming convention names it."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
                   f"CONSTRAINT fk_{table}_{column}_users REFERENCES users (id)")
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(f"fk_{table}_{column}_users", table, "users", [column], ["id"])


def upgrade() -> None:
    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("delegate_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("ends_on >= starts_on", name="ck_delegations_range_ordered"),
        sa.CheckConstraint("user_id <> delegate_id", name="ck_delegations_not_self"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_delegations_user_id_users"),
        sa.ForeignKeyConstraint(["delegate_id"], ["users.id"], name="fk_delegations_delegate_id_users"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name="fk_delegations_created_by_id_users"),
        sa.ForeignKeyConstraint(["ended_by_id"], ["users.id"], name="fk_delegations_ended_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_delegations"),
    )
    op.create_index("ix_delegations_delegate_ends_on", "delegations", ["delegate_id", "ends_on"])
    op.create_index("ix_delegations_user_ends_on", "delegations", ["user_id", "ends_on"])
    for table, column in _USER_COLUMNS:
        _add_user_column(table, column)
    op.create_index("ix_decisions_acted_by_item", "decisions", ["acted_by_id", "item_id"])
    op.create_index("ix_step_votes_acted_by_item", "step_votes", ["acted_by_id", "item_id"])
    op.add_column("item_route_step_users", sa.Column("reassigned_at", UTCDateTime(), nullable=True))
    op.add_column("item_route_step_users", sa.Column("reassign_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    # SQLite ≥ 3.35 drops a column in place, its REFERENCES clause with it; PostgreSQL drops the key first
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_column("item_route_step_users", "reassign_reason")
    op.drop_column("item_route_step_users", "reassigned_at")
    op.drop_index("ix_step_votes_acted_by_item", table_name="step_votes")
    op.drop_index("ix_decisions_acted_by_item", table_name="decisions")
    for table, column in reversed(_USER_COLUMNS):
        if not sqlite:
            op.drop_constraint(f"fk_{table}_{column}_users", table, type_="foreignkey")
        op.drop_column(table, column)
    op.drop_index("ix_delegations_user_ends_on", table_name="delegations")
    op.drop_index("ix_delegations_delegate_ends_on", table_name="delegations")
    op.drop_table("delegations")
