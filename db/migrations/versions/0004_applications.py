"""requests for disclosure (依申请公开): applications, notices, rate-limit attempts, remedy cases

Revision ID: 0004
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({','.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_no", sa.String(length=32), nullable=False),
        sa.Column("applicant_kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=254), nullable=False),
        sa.Column("contact_key", sa.String(length=254), nullable=False),
        sa.Column("request_text", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("delivery_form", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("received_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("clock_events", sa.JSON(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("clarify_by", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("outcome_reason", sa.Integer(), nullable=True),
        sa.Column("reply_item_id", sa.Integer(), nullable=True),
        sa.Column("replied_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("closed_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("fee_charged", sa.Numeric(12, 2), nullable=False),
        sa.Column("fee_waived", sa.Numeric(12, 2), nullable=False),
        sa.Column("fee_note", sa.Text(), nullable=True),
        sa.Column("fee_recorded_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(_in("state", ("received", "consulting", "clarifying", "replying", "replied", "abandoned")),
                           name=op.f("ck_applications_state_known")),
        sa.CheckConstraint(_in("applicant_kind", ("natural", "business", "research", "public_interest",
                                                  "legal_service", "other")),
                           name=op.f("ck_applications_applicant_kind_known")),
        sa.CheckConstraint(_in("channel", ("in_person", "post", "online", "fax", "email")),
                           name=op.f("ck_applications_channel_known")),
        sa.CheckConstraint(_in("delivery_form", ("paper", "email", "disc", "other")),
                           name=op.f("ck_applications_delivery_form_known")),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"],
                                name=op.f("fk_applications_department_id_departments")),
        sa.ForeignKeyConstraint(["reply_item_id"], ["items.id"], name=op.f("fk_applications_reply_item_id_items")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_applications_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("tracking_no", name=op.f("uq_applications_tracking_no")),
        sa.UniqueConstraint("reply_item_id", name=op.f("uq_applications_reply_item_id")),
    )
    op.create_index("ix_applications_state_due", "applications", ["state", "due_on"])
    op.create_index("ix_applications_received_on", "applications", ["received_on"])
    op.create_index("ix_applications_closed_on", "applications", ["closed_on"])
    op.create_index(op.f("ix_applications_department_id"), "applications", ["department_id"])

    op.create_table(
        "application_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", db.types.UTCDateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"], ondelete="CASCADE",
                                name=op.f("fk_application_notices_application_id_applications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_notices")),
    )
    op.create_index(op.f("ix_application_notices_application_id"), "application_notices", ["application_id"])

    op.create_table(
        "application_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=False),
        sa.Column("at", db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_attempts")),
    )
    op.create_index("ix_application_attempts_client_at", "application_attempts", ["kind", "client_hash", "at"])

    op.create_table(
        "remedy_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("after_reconsideration", sa.Boolean(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(_in("kind", ("report", "reconsideration", "lawsuit")), name=op.f("ck_remedy_cases_kind_known")),
        sa.CheckConstraint(_in("outcome", ("maintained", "corrected", "other", "pending")),
                           name=op.f("ck_remedy_cases_outcome_known")),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_remedy_cases_application_id_applications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remedy_cases")),
    )
    op.create_index("ix_remedy_cases_filed_on", "remedy_cases", ["filed_on"])
    op.create_index(op.f("ix_remedy_cases_application_id"), "remedy_cases", ["application_id"])


def downgrade() -> None:
    op.drop_table("remedy_cases")
    op.drop_table("application_attempts")
    op.drop_table("application_notices")
    op.drop_table("applications")
