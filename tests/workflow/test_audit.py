"""The keyed audit chain (docs/audit.md): every column hashed, HMAC with a key outside the
database, key rotation, legacy events, and anchors that catch deleted or recomputed heads.

Tampering is done as an attacker with database access would: the append-only triggers are
bypassed the same way as in tests/workflow/test_items.py.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from db.models import AuditEvent, OutboxMail
from tests.conftest import World, item_payload
from workflow import audit
from workflow.audit_anchor import Anchor, anchor, head, read_anchors
from workflow.audit_keys import AuditKeyError, AuditKeys, Keyring, key_id, keys_of
from workflow.clock import SHANGHAI
from workflow.context import Gongkai
from workflow.services import items as svc
from workflow.wiring import build_gongkai


def _tamper(app: Gongkai, statement: str, params: dict[str, Any] | None = None) -> None:
    """Run ``statement`` with the append-only triggers bypassed."""
    with app.db.engine.begin() as conn:
        if app.db.is_postgres:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        conn.execute(text(statement), params or {})


def _events(app: Gongkai) -> list[AuditEvent]:
    with app.db.read() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def _verify(app: Gongkai, **kwargs: Any) -> audit.VerifyResult:
    with app.db.read() as session:
        return audit.verify(session, **kwargs)


def _event_of(app: Gongkai, action: str, item_id: int | None = None) -> AuditEvent:
    return next(e for e in _events(app) if e.action == action and (item_id is None or e.item_id == item_id))


def _rewrite_from(app: Gongkai, seq: int, sign: Any, key_id_value: Any = "keep") -> None:
    """Change event ``seq``'s reason, then recompute its hash and every later one with ``sign``."""
    prev = None
    for event in _events(app):
        if event.seq < seq:
            prev = event.hash
            continue
        fields = {column: getattr(event, column) for column in audit.HASHED_COLUMNS}
        if event.seq == seq:
            fields["reason"] = "forged"
        if key_id_value != "keep":
            fields["key_id"] = key_id_value
        fields["prev_hash"] = prev or audit.GENESIS_HASH
        digest = sign(fields)
        _tamper(app, "UPDATE audit_events SET reason = :reason, prev_hash = :prev, hash = :hash, key_id = :kid "
                     "WHERE seq = :seq", {"reason": fields["reason"], "prev": fields["prev_hash"], "hash": digest,
                                          "kid": fields["key_id"], "seq": event.seq})
        prev = digest


def _plain_sha256(fields: dict[str, Any]) -> str:
    return audit.legacy_hash(fields["seq"], fields["at"], fields["actor_name"], fields["subject"], fields["action"],
                             fields["from_state"], fields["to_state"], fields["reason"], fields["revision_hash"],
                             fields["data"] or {}, fields["prev_hash"])


# --------------------------------------------------------------------------- what is hashed

def test_every_column_but_id_and_hash_is_hashed() -> None:
    columns = set(AuditEvent.__table__.columns.keys())
    assert set(audit.HASHED_COLUMNS) == columns - {"id", "hash"}


def test_keyed_hash_is_the_documented_hmac(world: World) -> None:
    """docs/audit.md: HMAC-SHA256 over sorted-key compact JSON of the columns plus "form"."""
    app = world.app
    event = _events(app)[-1]
    with app.db.read() as session:
        keyring = keys_of(session).keyring()
    document = {column: getattr(event, column) for column in audit.HASHED_COLUMNS}
    document["at"] = event.at.astimezone(timezone.utc).isoformat(timespec="microseconds")
    document["form"] = "gongkai-audit/2"
    message = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    assert event.key_id == keyring.current_id
    assert event.hash == hmac.new(keyring.get(event.key_id), message, hashlib.sha256).hexdigest()


def test_changed_actor_id_is_detected(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    created = _event_of(app, "create", item.id)
    assert _verify(app).ok
    _tamper(app, "UPDATE audit_events SET actor_id = :other WHERE seq = :seq",
            {"other": world.other_drafter.id, "seq": created.seq})
    result = _verify(app)
    assert not result.ok and result.bad_seq == created.seq and result.bad_id == created.id


def test_changed_item_id_is_detected(world: World) -> None:
    app = world.app
    first = svc.create_item(app, world.drafter, item_payload())
    second = svc.create_item(app, world.drafter, item_payload(title="第二项"))
    created = _event_of(app, "create", first.id)
    _tamper(app, "UPDATE audit_events SET item_id = :other WHERE seq = :seq", {"other": second.id, "seq": created.seq})
    result = _verify(app)
    assert not result.ok and result.bad_seq == created.seq


def test_every_column_change_is_detected(world: World) -> None:
    app = world.app
    svc.create_item(app, world.drafter, item_payload())
    target = _events(app)[-1]
    changes = {"actor_name": "'someone'", "subject": "'item:999'", "action": "'approve'", "from_state": "'x'",
               "to_state": "'published'", "reason": "'forged'", "revision_hash": "'abc'",
               "data": "'{\"title\": \"forged\"}'", "key_id": "'00000000'"}
    for column, value in changes.items():
        before = _events(app)[-1]
        _tamper(app, f"UPDATE audit_events SET {column} = {value} WHERE seq = :seq", {"seq": target.seq})
        result = _verify(app)
        assert not result.ok and result.bad_seq == target.seq, column
        _tamper(app, f"UPDATE audit_events SET {column} = :v WHERE seq = :seq",
                {"v": json.dumps(before.data) if column == "data" else getattr(before, column), "seq": target.seq})
        assert _verify(app).ok, column


# --------------------------------------------------------------------------- the key

def test_recomputing_later_hashes_with_plain_sha256_is_detected(world: World) -> None:
    app = world.app
    svc.create_item(app, world.drafter, item_payload())
    total = len(_events(app))
    _rewrite_from(app, 3, _plain_sha256)  # the old, unkeyed scheme: anyone could compute it
    assert not _verify(app).ok
    _rewrite_from(app, 3, _plain_sha256, key_id_value=None)  # and claiming the events were legacy
    result = _verify(app)
    assert not result.ok and result.bad_seq == 3 and total > 3


def test_recomputing_with_a_wrong_key_is_detected(world: World) -> None:
    app = world.app
    svc.create_item(app, world.drafter, item_payload())
    wrong = secrets.token_hex(32).encode()
    _rewrite_from(app, 3, lambda fields: audit.keyed_hash(wrong, fields))  # key id of the real key kept
    result = _verify(app)
    assert not result.ok and result.bad_seq == 3 and not result.unverifiable
    _rewrite_from(app, 3, lambda fields: audit.keyed_hash(wrong, fields), key_id_value=key_id(wrong))
    forged = _verify(app)  # the attacker's own key id: not in the keyring, so never accepted
    assert not forged.ok and forged.bad_seq == 3 and key_id(wrong) in forged.problem


def test_downgrading_the_whole_chain_is_caught_by_an_anchor_or_the_pinned_legacy_count(world: World) -> None:
    app = world.app
    written = anchor(app, mail=False)
    _rewrite_from(app, 1, _plain_sha256, key_id_value=None)
    assert _verify(app).ok  # the chain alone cannot tell (docs/audit.md, "limits")
    result = _verify(app, anchors=read_anchors(written.path))
    assert not result.ok and result.bad_seq == written.anchor.seq
    pinned = _verify(app, legacy_until=0)
    assert not pinned.ok and pinned.bad_seq == 1


def test_key_rotation_keeps_old_and_new_events_verifiable(world: World) -> None:
    app = world.app
    svc.create_item(app, world.drafter, item_payload())
    old_id = _events(app)[-1].key_id
    old, new = audit.rotate_key(app)
    assert old == old_id and new != old
    svc.create_item(app, world.drafter, item_payload(title="轮换之后"))
    events = _events(app)
    rotation = next(e for e in events if e.action == "audit_key_rotate")
    assert rotation.data == {"from": old, "to": new} and rotation.key_id == new
    assert {e.key_id for e in events} == {old, new} and events[-1].key_id == new
    result = _verify(app)
    assert result.ok and result.checked == len(events)
    key_file = app.settings.instance_dir / "audit_keys"
    assert len([line for line in key_file.read_text().splitlines() if line and not line.startswith("#")]) == 2


def test_key_file_is_generated_once_outside_the_database_with_mode_0600(world: World) -> None:
    key_file = world.app.settings.instance_dir / "audit_keys"
    assert key_file.exists() and (key_file.stat().st_mode & 0o777) == 0o600
    content = key_file.read_text()
    svc.create_item(world.app, world.drafter, item_payload())
    assert key_file.read_text() == content
    with world.app.db.read() as session:  # the key itself is nowhere in the database
        assert not any(line in json.dumps([e.data for e in session.scalars(select(AuditEvent))])
                       for line in content.splitlines() if not line.startswith("#"))


def test_missing_key_is_a_clear_result_not_a_crash(world: World) -> None:
    app = world.app
    (app.settings.instance_dir / "audit_keys").rename(app.settings.instance_dir / "audit_keys.lost")
    result = _verify(app)
    assert not result.ok and result.unverifiable and result.bad_seq == 1
    assert "audit_keys" in result.problem
    other = Keyring({key_id(b"another"): b"another"}, "test keyring")
    elsewhere = _verify(app, keys=other)
    assert not elsewhere.ok and elsewhere.unverifiable and _events(app)[0].key_id in elsewhere.problem


def test_a_named_key_file_that_is_missing_refuses_the_write(world: World, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    app = world.app
    monkeypatch.setenv("GONGKAI_AUDIT_KEY_FILE", str(tmp_path / "nowhere" / "keys"))
    broken = build_gongkai(db=app.db, settings=app.settings, clock=app.clock)
    before = len(_events(app))
    with pytest.raises(AuditKeyError) as refused:
        svc.create_item(broken, world.drafter, item_payload())
    assert refused.value.status == 503 and "nowhere" in refused.value.message
    assert len(_events(app)) == before  # nothing written: not the item, not an event
    assert not (tmp_path / "nowhere").exists()  # an operator's typo does not start a new key


def test_keys_from_the_environment_last_one_signs(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    app = world.app
    file_keys = AuditKeys(app.settings).keyring()
    monkeypatch.setenv("GONGKAI_AUDIT_KEY", "first-key-0123456789abcdef, second-key-0123456789abcdef")
    env_app = build_gongkai(db=app.db, settings=app.settings, clock=app.clock)
    svc.create_item(env_app, world.drafter, item_payload())
    assert _events(app)[-1].key_id == key_id(b"second-key-0123456789abcdef")
    env_keys = AuditKeys(app.settings).keyring()
    assert env_keys.source == "GONGKAI_AUDIT_KEY" and len(env_keys.keys) == 2
    merged = Keyring({**file_keys.keys, **env_keys.keys}, "both")
    with app.db.read() as session:
        assert audit.verify(session, keys=merged).ok
    with pytest.raises(AuditKeyError):
        AuditKeys(app.settings).rotate()  # rotation of env keys is the operator's edit, not ours


# --------------------------------------------------------------------------- legacy events

def _legacy_event(app: Gongkai, seq: int, prev: str, **overrides: Any) -> str:
    fields: dict[str, Any] = {"seq": seq, "at": app.now(), "actor_id": None, "actor_name": "system",
                              "subject": f"department:d{seq}", "item_id": None, "action": "department_add",
                              "from_state": None, "to_state": None, "reason": None, "revision_hash": None,
                              "data": {"name": f"部门{seq}"}, "prev_hash": prev}
    fields.update(overrides)
    digest = _plain_sha256(fields)
    with app.db.write() as session:
        session.add(AuditEvent(**fields, hash=digest, key_id=None))
    return digest


def test_legacy_events_verify_and_a_keyed_event_locks_them_in(app: Gongkai) -> None:
    from workflow.services.users import add_department
    prev = audit.GENESIS_HASH
    for seq in (1, 2, 3):  # written by the code before migration 0014
        prev = _legacy_event(app, seq, prev)
    add_department(app, "xsc", "学生处")  # the first keyed event links to the legacy head
    result = _verify(app)
    assert result.ok and result.legacy == 3 and result.checked == 4
    _rewrite_from(app, 2, _plain_sha256)  # rewrite a legacy event and recompute: the keyed link breaks
    broken = _verify(app)
    assert not broken.ok and broken.bad_seq == 4


def test_legacy_event_actor_id_and_item_id_must_agree_with_what_the_legacy_hash_covers(app: Gongkai) -> None:
    """The legacy hash left out actor_id and item_id; they must match actor_name and subject."""
    from workflow.services.users import add_department, add_user
    _legacy_event(app, 1, audit.GENESIS_HASH)
    add_department(app, "xsc", "学生处")
    add_user(app, "li", roles=["drafter"], departments=["xsc"], password="password-123")
    li = World.actor(World(app, *([None] * 8)), "li")  # type: ignore[arg-type]
    item = svc.create_item(app, li, item_payload())
    assert _verify(app).ok
    _tamper(app, "UPDATE audit_events SET item_id = :item WHERE seq = 1", {"item": item.id})
    changed_item = _verify(app)
    assert not changed_item.ok and changed_item.bad_seq == 1 and "item_id" in changed_item.problem
    _tamper(app, "UPDATE audit_events SET item_id = NULL, actor_id = :li WHERE seq = 1", {"li": li.id})
    changed_actor = _verify(app)
    assert not changed_actor.ok and changed_actor.bad_seq == 1 and "actor_id" in changed_actor.problem


# --------------------------------------------------------------------------- anchors

def test_deleting_the_newest_events_fails_against_the_anchor_naming_the_gap(world: World) -> None:
    app = world.app
    svc.create_item(app, world.drafter, item_payload())
    written = anchor(app, mail=False)
    total = written.anchor.count
    assert written.written and written.anchor.seq == total and total == len(_events(app))
    _tamper(app, "DELETE FROM audit_events WHERE seq > :keep", {"keep": total - 3})
    assert _verify(app).ok  # the shortened chain is consistent in itself
    result = _verify(app, anchors=read_anchors(written.path))
    assert not result.ok and result.bad_seq == total - 2
    date = written.anchor.anchored_at.astimezone(SHANGHAI)
    assert f"第 {total - 2}–{total} 号事件" in result.problem and f"{date.year}年{date.month}月{date.day}日" in result.problem


def test_a_rewritten_anchored_event_fails_even_when_the_chain_was_regrown(world: World) -> None:
    app = world.app
    svc.create_item(app, world.drafter, item_payload())
    written = anchor(app, mail=False)
    _tamper(app, "DELETE FROM audit_events WHERE seq = :seq", {"seq": written.anchor.seq})
    svc.create_item(app, world.drafter, item_payload(title="另一项"))  # a new event takes the deleted seq
    result = _verify(app, anchors=read_anchors(written.path))
    assert not result.ok and result.bad_seq == written.anchor.seq and "锚点不符" in result.problem


def test_anchor_file_lines_and_mail_once_per_head(world: World) -> None:
    settings = world.app.settings.with_overrides({"audit": {"anchor_mail_to": "office@example.edu.cn"}})
    app = build_gongkai(db=world.app.db, settings=settings, clock=world.app.clock)
    first = anchor(app)
    again = anchor(app)  # a second scheduler, same head: no second line, no second mail
    assert first.written and first.mailed and not again.written and not again.mailed
    lines = first.path.read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["seq"] == head(app).seq
    assert first.path == app.settings.instance_dir / "audit_anchors.jsonl"
    with app.db.read() as session:
        mails = session.scalars(select(OutboxMail).where(OutboxMail.kind == "audit_anchor")).all()
    assert len(mails) == 1 and mails[0].to_addr == "office@example.edu.cn"
    assert first.anchor.hash in mails[0].body
    world.app.clock.set(world.app.now() + timedelta(days=1))
    svc.create_item(app, world.drafter, item_payload())
    later = anchor(app)
    assert later.written and later.anchor.seq > first.anchor.seq and len(read_anchors(first.path)) == 2


def test_scheduler_job_writes_the_daily_anchor(world: World) -> None:
    from workflow.scheduler import JOBS
    outcome = JOBS["audit_anchor"](world.app)
    assert outcome["written"] and outcome["seq"] == len(_events(world.app))
    written = read_anchors(world.app.settings.instance_dir / "audit_anchors.jsonl")
    assert [(a.seq, a.hash) for a in written] == [(head(world.app).seq, _events(world.app)[-1].hash)]
    assert isinstance(written[0], Anchor) and _verify(world.app, anchors=written).ok


def test_history_still_shows_after_the_change(world: World) -> None:
    from workflow.services import queries
    item = svc.create_item(world.app, world.drafter, item_payload())
    history = queries.item_history(world.app, world.admin, item.id)
    assert history and history[0]["trigger"] == "create" and history[0]["actor"] == "drafter"


def test_locked_head_read_sees_an_append_committed_while_it_waited(app: Gongkai) -> None:
    """PostgreSQL: the chain head is read under the lock in one call (migration 0016); the read must see
    what the lock holder committed, which a read in the same statement as the lock would not."""
    if not app.db.is_postgres:
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE")
    import threading
    holder = app.db.engine.connect()
    transaction = holder.begin()
    holder.execute(text("SELECT * FROM gongkai_audit_chain_head(:key)"), {"key": audit.AUDIT_LOCK_KEY})
    seen: list[tuple[int, str]] = []

    def wait_for_the_lock() -> None:
        with app.db.write() as session:
            seen.append(audit._locked_head(session))

    waiter = threading.Thread(target=wait_for_the_lock)
    waiter.start()
    waiter.join(0.5)
    assert waiter.is_alive()  # blocked on the chain lock
    holder.execute(text(
        "INSERT INTO audit_events (seq, at, actor_name, subject, action, data, prev_hash, hash) "
        "VALUES (1, now(), 'system', 'test', 'test', '{}', :genesis, :hash)"), {"genesis": audit.GENESIS_HASH,
                                                                              "hash": "a" * 64})
    transaction.commit()
    holder.close()
    waiter.join(10)
    assert seen == [(1, "a" * 64)]


def test_an_append_after_a_stale_guess_of_the_head_is_signed_again(app: Gongkai) -> None:
    """PostgreSQL: a verb reads the head along with its first query, unlocked (a guess). When another
    transaction appended meanwhile, ``gongkai_audit_append`` inserts nothing and returns the real head;
    the event is signed after it and the chain stays one chain."""
    if not app.db.is_postgres:
        pytest.skip("SQLite's head read is exact: BEGIN IMMEDIATE keeps other writers out")
    from datetime import datetime
    now = datetime(2025, 9, 26, 2, 0, tzinfo=timezone.utc)
    with app.db.write() as session:
        audit.append(session, at=now, actor=None, subject="test", action="first")
    with app.db.write() as guessing:
        assert audit.reads_head_along(guessing)
        head = guessing.execute(select(audit.HEAD_SEQ, audit.HEAD_HASH)).one()
        audit.remember_head(guessing, *head)
        with app.db.write() as other:  # appends after the guess, before the guessing transaction does
            audit.append(other, at=now, actor=None, subject="test", action="meanwhile")
        audit.append_with_deferred(guessing, at=now, actor=None, subject="test", action="after the guess")
    with app.db.write() as session:  # a guess that holds: appended in the same call that checks it
        head = session.execute(select(audit.HEAD_SEQ, audit.HEAD_HASH)).one()
        audit.remember_head(session, *head)
        audit.defer(session, at=now, actor=None, subject="test", action="deferred")
        audit.append_with_deferred(session, at=now, actor=None, subject="test", action="guessed right")
    with app.db.read() as session:
        events = session.execute(select(AuditEvent.seq, AuditEvent.action).order_by(AuditEvent.seq)).all()
        assert [tuple(e) for e in events] == [(1, "first"), (2, "meanwhile"), (3, "after the guess"),
                                              (4, "guessed right"), (5, "deferred")]
        assert audit.verify(session).ok


def test_the_conditional_append_function_writes_every_hashed_column(app: Gongkai) -> None:
    """``gongkai_audit_append`` (migration 0016) names the columns it inserts: a column added to
    ``audit_events`` (and so to ``HASHED_COLUMNS``) must be added there too, or PostgreSQL would store an
    event without the value its hash covers."""
    if not app.db.is_postgres:
        pytest.skip("PostgreSQL function")
    import re
    with app.db.read() as session:
        source = session.scalar(text("SELECT pg_get_functiondef('gongkai_audit_append'::regproc)"))
    inserted = re.search(r"INSERT INTO audit_events \(([^)]*)\)", source).group(1)
    assert {column.strip() for column in inserted.split(",")} == {*audit.HASHED_COLUMNS, "hash"}
