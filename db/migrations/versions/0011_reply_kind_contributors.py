"""item kind (disclosure | reply), replies without a 清单 entry; item contributors

Revision ID: 0011
Revises: 0010

* ``items.kind``: a reply letter to an application (依申请公开答复书) is a ``reply``; every
  public read admits only published ``disclosure`` items, whatever state either record is in.
  Existing reply items (linked from ``applications.reply_item_id``) become ``reply`` and lose
  the 清单 entry they were filed under by default.
* ``item_contributors``: everyone who changed an item's content; back-filled from the audit
  trail (create, edit, attachments, masking, revise) and carried along revise chains.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CONTENT_ACTIONS = ("create", "edit", "attachment_add", "attachment_remove", "mask", "revise")


@contextmanager
def _sqlite_foreign_keys_off() -> Iterator[None]:
    """SQLite's batch mode copies ``items`` and drops the original, which other tables reference;
    the DROP's implicit DELETE would count every referencing row as a violation (even deferred).
    As SQLite's ALTER TABLE guide says: foreign keys off (only possible outside a transaction),
    the change in a transaction of its own, ``foreign_key_check``, then on again."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    bind.exec_driver_sql("COMMIT")  # what ran before (earlier revisions) is complete
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"migration 0011 would break foreign keys: {broken[:5]}")
        bind.exec_driver_sql("COMMIT")
    except BaseException:
        bind.exec_driver_sql("ROLLBACK")
        raise
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")  # alembic records the version in it


def upgrade() -> None:
    with _sqlite_foreign_keys_off():
        _upgrade()


def downgrade() -> None:
    with _sqlite_foreign_keys_off():
        _downgrade()


def _upgrade() -> None:
    op.create_table(
        "item_contributors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_action", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_item_contributors_item_id_items"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_item_contributors_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_contributors")),
        sa.UniqueConstraint("item_id", "user_id", name="item_user"),
    )
    op.create_index(op.f("ix_item_contributors_item_id"), "item_contributors", ["item_id"])
    op.create_index(op.f("ix_item_contributors_user_id"), "item_contributors", ["user_id"])

    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="disclosure"))
        batch.alter_column("catalog_code", existing_type=sa.String(length=32), nullable=True)
    op.execute("UPDATE items SET kind = 'reply', catalog_code = NULL "
               "WHERE id IN (SELECT reply_item_id FROM applications WHERE reply_item_id IS NOT NULL)")
    with op.batch_alter_table("items") as batch:
        batch.create_check_constraint("kind_known", "kind IN ('disclosure','reply')")
        batch.create_check_constraint(
            "catalog_matches_kind",
            "(kind = 'reply' AND catalog_code IS NULL) OR (kind <> 'reply' AND catalog_code IS NOT NULL)")

    actions = ",".join(f"'{a}'" for a in CONTENT_ACTIONS)
    op.execute(
        "INSERT INTO item_contributors (item_id, user_id, first_at, first_action) "
        "SELECT e.item_id, e.actor_id, MIN(e.at), 'backfill' FROM audit_events e "
        "JOIN items i ON i.id = e.item_id "
        f"WHERE e.actor_id IS NOT NULL AND e.action IN ({actions}) GROUP BY e.item_id, e.actor_id")
    op.execute(
        "INSERT INTO item_contributors (item_id, user_id, first_at, first_action) "
        "SELECT i.id, i.author_id, i.created_at, 'backfill' FROM items i WHERE NOT EXISTS "
        "(SELECT 1 FROM item_contributors c WHERE c.item_id = i.id AND c.user_id = i.author_id)")
    # A revision carries its predecessor's content: its contributors too, along the whole chain.
    connection = op.get_bind()
    while True:
        result = connection.execute(sa.text(
            "INSERT INTO item_contributors (item_id, user_id, first_at, first_action) "
            "SELECT DISTINCT n.id, c.user_id, n.created_at, 'backfill' FROM items n "
            "JOIN item_contributors c ON c.item_id = n.supersedes_id "
            "WHERE NOT EXISTS (SELECT 1 FROM item_contributors d WHERE d.item_id = n.id AND d.user_id = c.user_id)"))
        if not result.rowcount:
            break


def _downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_constraint("catalog_matches_kind", type_="check")
        batch.drop_constraint("kind_known", type_="check")
    # before 0011 every item had a 清单 entry: replies go back under the first one
    op.execute("UPDATE items SET catalog_code = (SELECT MIN(code) FROM catalog_entries) WHERE catalog_code IS NULL")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("kind")
        batch.alter_column("catalog_code", existing_type=sa.String(length=32), nullable=False)
    op.drop_index(op.f("ix_item_contributors_user_id"), table_name="item_contributors")
    op.drop_index(op.f("ix_item_contributors_item_id"), table_name="item_contributors")
    op.drop_table("item_contributors")
