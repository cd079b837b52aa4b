"""referrals to the secrecy authority, leak incidents and their reminder ledger

- ``referrals``: a reviewer's question to the 保密办 about one revision (保密法实施条例 Art. 25: the
  authority decides within 10 working days); at most one open per item (partial unique index).
- ``incidents``: a leak recorded when an item is taken down (实施条例 Art. 61: report within 24 hours).
- ``case_reminders``: their exactly-once reminder rungs, one row per (referral or incident, rung).

Revision ID: 0019
Revises: 0018
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

OPEN = sa.text("answered_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("asked_by_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("due_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("answered_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("determination", sa.String(length=16), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("document_no", sa.String(length=100), nullable=True),
        sa.CheckConstraint("determination IS NULL OR determination IN ('secret','not_secret','partly')",
                           name=op.f("ck_referrals_determination_known")),
        sa.CheckConstraint("(answered_at IS NULL) = (determination IS NULL)",
                           name=op.f("ck_referrals_answered_with_determination")),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_referrals_item_id_items"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["revision_id"], ["revisions.id"], name=op.f("fk_referrals_revision_id_revisions")),
        sa.ForeignKeyConstraint(["asked_by_id"], ["users.id"], name=op.f("fk_referrals_asked_by_id_users")),
        sa.ForeignKeyConstraint(["answered_by_id"], ["users.id"], name=op.f("fk_referrals_answered_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    op.create_index(op.f("ix_referrals_item_id"), "referrals", ["item_id"])
    op.create_index("ix_referrals_open_due", "referrals", ["answered_at", "due_at"])
    op.create_index("uq_referrals_open_item", "referrals", ["item_id"], unique=True, sqlite_where=OPEN,
                    postgresql_where=OPEN)
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("report_due", db.types.UTCDateTime(), nullable=False),
        sa.Column("reported_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("reported_to", sa.String(length=200), nullable=True),
        sa.Column("report_text", sa.Text(), nullable=True),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('state_secret','work_secret','personal_info')", name=op.f("ck_incidents_kind_known")),
        sa.CheckConstraint("(reported_at IS NULL) = (reported_by_id IS NULL)",
                           name=op.f("ck_incidents_reported_with_reporter")),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_incidents_item_id_items"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_incidents_recorded_by_id_users")),
        sa.ForeignKeyConstraint(["reported_by_id"], ["users.id"], name=op.f("fk_incidents_reported_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index(op.f("ix_incidents_item_id"), "incidents", ["item_id"])
    op.create_index("ix_incidents_open_due", "incidents", ["reported_at", "report_due"])
    op.create_table(
        "case_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("rung", sa.String(length=32), nullable=False),
        sa.Column("due_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("sent_at", db.types.UTCDateTime(), nullable=True),
        sa.CheckConstraint("(referral_id IS NULL) <> (incident_id IS NULL)", name=op.f("ck_case_reminders_one_subject")),
        sa.CheckConstraint("state IN ('pending','sent','cancelled')", name=op.f("ck_case_reminders_state_known")),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], name=op.f("fk_case_reminders_referral_id_referrals"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f("fk_case_reminders_incident_id_incidents"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_reminders")),
        sa.UniqueConstraint("referral_id", "rung", name="uq_case_reminders_referral_rung"),
        sa.UniqueConstraint("incident_id", "rung", name="uq_case_reminders_incident_rung"),
    )
    op.create_index("ix_case_reminders_state_due_at", "case_reminders", ["state", "due_at"])


def downgrade() -> None:
    op.drop_table("case_reminders")
    op.drop_table("incidents")
    op.drop_table("referrals")
