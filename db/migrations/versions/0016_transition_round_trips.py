"""fewer round trips per transition: the audit chain head read under its lock in one call, or an event
appended under the lock if the head is the one it was signed after (PostgreSQL); moving an item to a new
stage entry cancels the earlier entries' unsent reminder rungs (trigger)

Revision ID: 0016
Revises: 0015

- ``gongkai_audit_chain_head(lock_key)`` (PostgreSQL): takes the transaction-scoped advisory lock
  that serialises audit appends, then returns the newest event's ``seq`` and ``hash``. The read is a
  statement of its own inside a VOLATILE function, so under READ COMMITTED it takes a fresh snapshot
  *after* the lock was granted and sees every append committed before — which a single
  ``SELECT pg_advisory_xact_lock(…), (SELECT … FROM audit_events …)`` would not (its snapshot is taken
  before it waits for the lock). One round trip where two were made (workflow/audit.py).
- ``gongkai_audit_append(lock_key, expected_seq, expected_hash, <every column but id>)`` (PostgreSQL):
  takes the same lock, reads the head the same way and inserts the event only if the head is the one
  the caller signed it after (its ``seq`` and ``hash``; NULL: an empty chain). Otherwise it inserts
  nothing and returns the real head, which the caller, now holding the lock, signs against. A verb
  that read the head along with its first query appends in one round trip unless another transaction
  appended meanwhile. The hash is always computed by the application: the key never reaches the
  database.
- ``items_stage_left_cancels_rungs``: an UPDATE that sets ``items.stage_entry`` cancels the item's
  reminder rungs of earlier entries that nobody was told about yet (``pending``, or ``claimed`` by a
  sweep that has not delivered them: it marks only rows still ``claimed`` as sent). This was a second
  UPDATE sent by ``workflow.reminders`` after every transition; it now happens inside the item's own
  UPDATE, on every code path that moves an item on. The sweep still skips a rung whose item has moved
  on, so exactly-once does not depend on the trigger.
"""
from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

CANCEL = ("UPDATE reminders SET state = 'cancelled' WHERE item_id = NEW.id AND stage_entry < NEW.stage_entry "
          "AND state IN ('pending', 'claimed')")

POSTGRES = [
    "CREATE OR REPLACE FUNCTION gongkai_audit_chain_head(lock_key bigint) "
    "RETURNS TABLE (head_seq bigint, head_hash varchar) LANGUAGE plpgsql VOLATILE AS $$ "
    "BEGIN "
    "PERFORM pg_advisory_xact_lock(lock_key); "
    "RETURN QUERY SELECT e.seq, e.hash FROM audit_events e ORDER BY e.seq DESC LIMIT 1; "
    "END $$",
    "CREATE OR REPLACE FUNCTION gongkai_audit_append(lock_key bigint, expected_seq bigint, expected_hash varchar, "
    "e_seq bigint, e_at timestamptz, e_actor_id integer, e_actor_name varchar, e_subject varchar, e_item_id integer, "
    "e_action varchar, e_from_state varchar, e_to_state varchar, e_reason text, e_revision_hash varchar, e_data json, "
    "e_prev_hash varchar, e_hash varchar, e_key_id varchar) "
    "RETURNS TABLE (appended boolean, head_seq bigint, head_hash varchar) LANGUAGE plpgsql VOLATILE AS $$ "
    "DECLARE current_seq bigint; current_hash varchar; "
    "BEGIN "
    "PERFORM pg_advisory_xact_lock(lock_key); "
    "SELECT e.seq, e.hash INTO current_seq, current_hash FROM audit_events e ORDER BY e.seq DESC LIMIT 1; "
    "IF current_seq IS DISTINCT FROM expected_seq OR current_hash IS DISTINCT FROM expected_hash THEN "
    "RETURN QUERY SELECT false, current_seq, current_hash; RETURN; "
    "END IF; "
    "INSERT INTO audit_events (seq, at, actor_id, actor_name, subject, item_id, action, from_state, to_state, "
    "reason, revision_hash, data, prev_hash, hash, key_id) VALUES (e_seq, e_at, e_actor_id, e_actor_name, "
    "e_subject, e_item_id, e_action, e_from_state, e_to_state, e_reason, e_revision_hash, e_data, e_prev_hash, "
    "e_hash, e_key_id); "
    "RETURN QUERY SELECT true, e_seq, e_hash; "
    "END $$",
    "CREATE OR REPLACE FUNCTION gongkai_cancel_left_rungs() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN {CANCEL}; RETURN NULL; END $$",
    "CREATE TRIGGER items_stage_left_cancels_rungs AFTER UPDATE OF stage_entry ON items "
    "FOR EACH ROW EXECUTE FUNCTION gongkai_cancel_left_rungs()",
]
SQLITE = [
    f"CREATE TRIGGER items_stage_left_cancels_rungs AFTER UPDATE OF stage_entry ON items BEGIN {CANCEL}; END",
]


def upgrade() -> None:
    statements = POSTGRES if op.get_bind().dialect.name == "postgresql" else SQLITE
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS items_stage_left_cancels_rungs" +
               (" ON items" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS gongkai_cancel_left_rungs()")
        op.execute("DROP FUNCTION IF EXISTS gongkai_audit_chain_head(bigint)")
        op.execute("DROP FUNCTION IF EXISTS gongkai_audit_append(bigint, bigint, varchar, bigint, timestamptz, integer, "
                   "varchar, varchar, integer, varchar, varchar, varchar, text, varchar, json, varchar, varchar, varchar)")
