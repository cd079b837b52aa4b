"""checklist as the law has it: decisions.justifications; personal-information impact assessments kept 3 years

``decisions.justifications`` holds what each "yes" of a pass_review required (workflow/checklist.py).
``personal_info_assessments`` holds the 个人信息保护影响评估 of a pass that found sensitive personal
information (个人信息保护法 Art. 55, 56): the database refuses to change a row, to delete it before
``retain_until`` (≥ ``created_at`` + 3 years, a CHECK), and to delete an item that owns one (RESTRICT
foreign keys and a trigger, so a console or a script cannot lose it either).

Revision ID: 0018
Revises: 0017
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TABLE = "personal_info_assessments"
KEPT = "个人信息保护影响评估至少保存三年（个人信息保护法第五十六条）"

SQLITE = [
    f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{TABLE} is never changed: {KEPT}'); END",
    # stored as 'YYYY-MM-DD HH:MM:SS.ffffff' UTC (db.types.UTCDateTime): compares as text with the same shape
    f"CREATE TRIGGER {TABLE}_kept BEFORE DELETE ON {TABLE} "
    f"WHEN OLD.retain_until > strftime('%Y-%m-%d %H:%M:%f', 'now') "
    f"BEGIN SELECT RAISE(ABORT, '{TABLE} row kept until retain_until: {KEPT}'); END",
    f"CREATE TRIGGER items_keep_assessed BEFORE DELETE ON items "
    f"WHEN EXISTS (SELECT 1 FROM {TABLE} WHERE item_id = OLD.id) "
    f"BEGIN SELECT RAISE(ABORT, 'item owns a personal-information impact assessment: {KEPT}'); END",
]
POSTGRES = [
    "CREATE OR REPLACE FUNCTION gongkai_assessment_kept() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    f"IF TG_OP = 'UPDATE' THEN RAISE EXCEPTION '{TABLE} is never changed: {KEPT}'; END IF; "
    f"IF OLD.retain_until > now() THEN RAISE EXCEPTION '{TABLE} row % kept until %: {KEPT}', "
    "OLD.id, OLD.retain_until; END IF; "
    "RETURN OLD; END $$",
    f"CREATE TRIGGER {TABLE}_kept BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION gongkai_assessment_kept()",
    f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION gongkai_append_only()",
    "CREATE OR REPLACE FUNCTION gongkai_item_keeps_assessment() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN IF EXISTS (SELECT 1 FROM {TABLE} WHERE item_id = OLD.id) THEN "
    f"RAISE EXCEPTION 'item % owns a personal-information impact assessment: {KEPT}', OLD.id; END IF; "
    "RETURN OLD; END $$",
    "CREATE TRIGGER items_keep_assessed BEFORE DELETE ON items "
    "FOR EACH ROW EXECUTE FUNCTION gongkai_item_keeps_assessment()",
]
RETENTION_CHECK = {
    "postgresql": "retain_until >= created_at + interval '3 years'",
    "sqlite": "retain_until >= datetime(created_at, '+3 years')",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("decisions", sa.Column("justifications", sa.JSON(), nullable=True))
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("assessed_by_id", sa.Integer(), nullable=True),
        sa.Column("purpose_necessity", sa.Text(), nullable=False),
        sa.Column("impact_risks", sa.Text(), nullable=False),
        sa.Column("protective_measures", sa.Text(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("retain_until", db.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(RETENTION_CHECK[dialect], name=op.f(f"ck_{TABLE}_three_years")),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f(f"fk_{TABLE}_item_id_items"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["revision_id"], ["revisions.id"], name=op.f(f"fk_{TABLE}_revision_id_revisions"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"], name=op.f(f"fk_{TABLE}_decision_id_decisions"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["assessed_by_id"], ["users.id"], name=op.f(f"fk_{TABLE}_assessed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
        sa.UniqueConstraint("decision_id", name=op.f(f"uq_{TABLE}_decision_id")),
    )
    op.create_index(op.f(f"ix_{TABLE}_item_id"), TABLE, ["item_id"], unique=False)
    for statement in POSTGRES if dialect == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    # Dropping the table is a deliberate act of whoever downgrades: the triggers go with it.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS items_keep_assessed ON items")
        op.execute("DROP FUNCTION IF EXISTS gongkai_item_keeps_assessment()")
        op.execute(f"DROP TABLE {TABLE}")
        op.execute("DROP FUNCTION IF EXISTS gongkai_assessment_kept()")
    else:
        op.execute("DROP TRIGGER IF EXISTS items_keep_assessed")
        op.drop_table(TABLE)
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_column("justifications")
