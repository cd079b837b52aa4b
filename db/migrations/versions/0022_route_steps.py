"""review routes, phase 2b: each submitted step as rows, and the item's active step (issue 13)

``item_route_steps`` / ``item_route_step_users`` index the route snapshot's steps (who decides, how many
votes, the working days it has) so that task lists, holders, reminders and visibility ask "who decides
the active step" in SQL; ``items.route_step`` is the position of the active step (NULL: the default
route, or not in a review stage). Existing snapshots are indexed (a step whose snapshot has no
``workdays`` has no budget of its own: it is due by the publish deadline) and the active step of items
under review is computed from their votes.

Revision ID: 0022
Revises: 0021
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# The review stages, in order.
_STAGES = ("secrecy_review", "approval")


def upgrade() -> None:
    op.add_column("items", sa.Column("route_step", sa.Integer(), nullable=True))
    op.create_table(
        "item_route_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("needed", sa.Integer(), nullable=False),
        sa.Column("workdays", sa.Integer(), nullable=True),
        sa.CheckConstraint("position >= 1", name="ck_item_route_steps_position_positive"),
        sa.CheckConstraint("needed >= 1", name="ck_item_route_steps_needed_positive"),
        sa.CheckConstraint("workdays IS NULL OR workdays >= 1", name="ck_item_route_steps_workdays_positive"),
        sa.CheckConstraint("stage IN ('secrecy_review','approval')", name="ck_item_route_steps_stage_known"),
        sa.CheckConstraint("kind IN ('item_department','department','users')", name="ck_item_route_steps_kind_known"),
        sa.CheckConstraint("role IN ('reviewer','approver')", name="ck_item_route_steps_role_known"),
        sa.CheckConstraint("(kind = 'department') = (department_id IS NOT NULL)",
                           name="ck_item_route_steps_department_when_named"),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE", name="fk_item_route_steps_item_id_items"),
        sa.ForeignKeyConstraint(["revision_id"], ["revisions.id"], ondelete="CASCADE",
                                name="fk_item_route_steps_revision_id_revisions"),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"],
                                name="fk_item_route_steps_department_id_departments"),
        sa.PrimaryKeyConstraint("id", name="pk_item_route_steps"),
        sa.UniqueConstraint("revision_id", "position", name="uq_item_route_steps_revision_position"),
    )
    op.create_index("ix_item_route_steps_item_revision_position", "item_route_steps",
                    ["item_id", "revision", "position"])
    op.create_index("ix_item_route_steps_department_id", "item_route_steps", ["department_id"])
    op.create_table(
        "item_route_step_users",
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["step_id"], ["item_route_steps.id"], ondelete="CASCADE",
                                name="fk_item_route_step_users_step_id_item_route_steps"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_item_route_step_users_user_id_users"),
        sa.PrimaryKeyConstraint("step_id", "user_id", name="pk_item_route_step_users"),
    )
    op.create_index("ix_item_route_step_users_user_id", "item_route_step_users", ["user_id"])
    _index_existing_snapshots()


def _index_existing_snapshots() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT s.item_id, s.revision_id, s.route, r.number, i.state, i.revision AS current "
        "FROM item_route_snapshots s JOIN revisions r ON r.id = s.revision_id JOIN items i ON i.id = s.item_id")).all()
    for row in rows:
        route = row.route if isinstance(row.route, dict) else json.loads(row.route)
        steps = route["steps"]
        for position, step in enumerate(steps, 1):
            step_id = bind.execute(sa.text(
                "INSERT INTO item_route_steps (item_id, revision_id, revision, position, stage, name, kind, role, "
                "department_id, needed, workdays) VALUES (:item, :rev, :number, :pos, :stage, :name, :kind, :role, "
                ":dept, :needed, :days) RETURNING id"),
                {"item": row.item_id, "rev": row.revision_id, "number": row.number, "pos": position,
                 "stage": step["stage"], "name": step["name"], "kind": step["kind"], "role": step["role"],
                 "dept": step.get("department_id"), "needed": int(step["needed"]),
                 "days": step.get("workdays")}).scalar_one()
            for user_id in step.get("user_ids") or ():
                bind.execute(sa.text("INSERT INTO item_route_step_users (step_id, user_id) VALUES (:s, :u)"),
                             {"s": step_id, "u": user_id})
        if row.number == row.current and row.state in _STAGES:
            votes = dict(bind.execute(sa.text(
                "SELECT step_position, count(*) FROM step_votes WHERE revision_id = :rev GROUP BY step_position"),
                {"rev": row.revision_id}).all())
            active = next((n for n, s in enumerate(steps, 1)
                           if s["stage"] == row.state and votes.get(n, 0) < int(s["needed"])), None)
            bind.execute(sa.text("UPDATE items SET route_step = :pos WHERE id = :item"),
                         {"pos": active, "item": row.item_id})


def downgrade() -> None:
    op.drop_index("ix_item_route_step_users_user_id", table_name="item_route_step_users")
    op.drop_table("item_route_step_users")
    op.drop_index("ix_item_route_steps_department_id", table_name="item_route_steps")
    op.drop_index("ix_item_route_steps_item_revision_position", table_name="item_route_steps")
    op.drop_table("item_route_steps")
    # SQLite ≥ 3.35 drops a column in place (no table copy, which the items' foreign keys would refuse)
    op.drop_column("items", "route_step")
