"""review routes: routes, their scope and steps; route snapshots and step votes (issue 13)

Revision ID: 0021
Revises: 0020
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

STAGES = "'secrecy_review','approval'"


def upgrade() -> None:
    op.create_table(
        "review_routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("version >= 1", name="ck_review_routes_version_positive"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name="fk_review_routes_created_by_id_users"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name="fk_review_routes_updated_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_review_routes"),
        sa.UniqueConstraint("name", name="uq_review_routes_name"),
    )
    op.create_table(
        "review_route_categories",
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("category_code", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(["route_id"], ["review_routes.id"], ondelete="CASCADE",
                                name="fk_review_route_categories_route_id_review_routes"),
        sa.ForeignKeyConstraint(["category_code"], ["catalog_categories.code"],
                                name="fk_review_route_categories_category_code_catalog_categories"),
        sa.PrimaryKeyConstraint("route_id", "category_code", name="pk_review_route_categories"),
    )
    op.create_index("ix_review_route_categories_category_code", "review_route_categories", ["category_code"])
    op.create_table(
        "review_route_departments",
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["route_id"], ["review_routes.id"], ondelete="CASCADE",
                                name="fk_review_route_departments_route_id_review_routes"),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"],
                                name="fk_review_route_departments_department_id_departments"),
        sa.PrimaryKeyConstraint("route_id", "department_id", name="pk_review_route_departments"),
    )
    op.create_index("ix_review_route_departments_department_id", "review_route_departments", ["department_id"])
    op.create_table(
        "review_route_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("deciders", sa.String(20), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("quorum_kind", sa.String(8), nullable=False),
        sa.Column("quorum_count", sa.Integer(), nullable=True),
        sa.Column("workdays", sa.Integer(), nullable=True),
        sa.CheckConstraint("position >= 1", name="ck_review_route_steps_position_positive"),
        sa.CheckConstraint(f"stage IN ({STAGES})", name="ck_review_route_steps_stage_known"),
        sa.CheckConstraint("deciders IN ('item_department','department','users')",
                           name="ck_review_route_steps_deciders_known"),
        sa.CheckConstraint("role IN ('reviewer','approver')", name="ck_review_route_steps_role_known"),
        sa.CheckConstraint("(deciders = 'department') = (department_id IS NOT NULL)",
                           name="ck_review_route_steps_department_when_named"),
        sa.CheckConstraint("quorum_kind IN ('any','all','count')", name="ck_review_route_steps_quorum_kind_known"),
        sa.CheckConstraint("(quorum_kind = 'count' AND quorum_count IS NOT NULL AND quorum_count >= 1) OR "
                           "(quorum_kind <> 'count' AND quorum_count IS NULL)",
                           name="ck_review_route_steps_quorum_count_matches"),
        sa.CheckConstraint("workdays IS NULL OR (workdays >= 1 AND workdays <= 60)",
                           name="ck_review_route_steps_workdays_range"),
        sa.ForeignKeyConstraint(["route_id"], ["review_routes.id"], ondelete="CASCADE",
                                name="fk_review_route_steps_route_id_review_routes"),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"],
                                name="fk_review_route_steps_department_id_departments"),
        sa.PrimaryKeyConstraint("id", name="pk_review_route_steps"),
        sa.UniqueConstraint("route_id", "position", name="uq_review_route_steps_route_position"),
    )
    op.create_index("ix_review_route_steps_route_id", "review_route_steps", ["route_id"])
    op.create_table(
        "review_route_step_users",
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["step_id"], ["review_route_steps.id"], ondelete="CASCADE",
                                name="fk_review_route_step_users_step_id_review_route_steps"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_review_route_step_users_user_id_users"),
        sa.PrimaryKeyConstraint("step_id", "user_id", name="pk_review_route_step_users"),
    )
    op.create_index("ix_review_route_step_users_user_id", "review_route_step_users", ["user_id"])
    op.create_table(
        "item_route_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=True),
        sa.Column("route", sa.JSON(), nullable=False),
        sa.Column("taken_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE",
                                name="fk_item_route_snapshots_item_id_items"),
        sa.ForeignKeyConstraint(["revision_id"], ["revisions.id"], ondelete="CASCADE",
                                name="fk_item_route_snapshots_revision_id_revisions"),
        sa.ForeignKeyConstraint(["route_id"], ["review_routes.id"], name="fk_item_route_snapshots_route_id_review_routes"),
        sa.PrimaryKeyConstraint("id", name="pk_item_route_snapshots"),
        sa.UniqueConstraint("revision_id", name="uq_item_route_snapshots_revision_id"),
    )
    op.create_index("ix_item_route_snapshots_item_id", "item_route_snapshots", ["item_id"])
    op.create_table(
        "step_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("step_position", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("step_position >= 1", name="ck_step_votes_step_position_positive"),
        sa.CheckConstraint("decision IN ('pass_review','return','approve','reject')",
                           name="ck_step_votes_decision_known"),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE", name="fk_step_votes_item_id_items"),
        sa.ForeignKeyConstraint(["revision_id"], ["revisions.id"], ondelete="CASCADE",
                                name="fk_step_votes_revision_id_revisions"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_step_votes_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_step_votes"),
        sa.UniqueConstraint("revision_id", "user_id", name="uq_step_votes_revision_user"),
    )
    op.create_index("ix_step_votes_item_id", "step_votes", ["item_id"])
    op.create_index("ix_step_votes_user_id", "step_votes", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_step_votes_user_id", table_name="step_votes")
    op.drop_index("ix_step_votes_item_id", table_name="step_votes")
    op.drop_table("step_votes")
    op.drop_index("ix_item_route_snapshots_item_id", table_name="item_route_snapshots")
    op.drop_table("item_route_snapshots")
    op.drop_index("ix_review_route_step_users_user_id", table_name="review_route_step_users")
    op.drop_table("review_route_step_users")
    op.drop_index("ix_review_route_steps_route_id", table_name="review_route_steps")
    op.drop_table("review_route_steps")
    op.drop_index("ix_review_route_departments_department_id", table_name="review_route_departments")
    op.drop_table("review_route_departments")
    op.drop_index("ix_review_route_categories_category_code", table_name="review_route_categories")
    op.drop_table("review_route_categories")
    op.drop_table("review_routes")
