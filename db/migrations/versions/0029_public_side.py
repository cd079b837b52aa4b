"""the public side (issue 15): 文号 on items, the applicant's postal address and identity document

``items.doc_number``: the document number (文号) an item was issued under, if any; shown in the public item
page's block. ``applications.postal_address``: where a paper reply goes (required when 纸质 is chosen).
``application_documents``: the identity document (身份证明) uploaded with an online application — never
public, shown only to the 信息公开办公室; the bytes live apart from the application row so that lists and
pages never read them.

Revision ID: 0029
Revises: 0028
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("doc_number", sa.String(100), nullable=True))
    op.add_column("applications", sa.Column("postal_address", sa.String(300), nullable=True))
    op.create_table(
        "application_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('identity')", name="ck_application_documents_kind_known"),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"], ondelete="CASCADE",
                                name="fk_application_documents_application_id_applications"),
        sa.PrimaryKeyConstraint("id", name="pk_application_documents"),
        sa.UniqueConstraint("application_id", "kind", name="uq_application_documents_application_kind"),
    )


def downgrade() -> None:
    op.drop_table("application_documents")
    # SQLite ≥ 3.35 drops a column in place (no table copy, which the foreign keys would refuse)
    op.drop_column("applications", "postal_address")
    op.drop_column("items", "doc_number")
