"""Append-only, hash-chained audit trail.

Every event stores the SHA-256 of its own fields plus the previous event's hash. Appends
are serialised (PostgreSQL: a transaction-scoped advisory lock; SQLite: the write lock
already held by ``BEGIN IMMEDIATE``), so the chain never forks. ``verify`` walks the chain
and names the first event whose hash, link or sequence number is wrong.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from db.models import AuditEvent
from workflow.access import Actor

GENESIS_HASH = "0" * 64
AUDIT_LOCK_KEY = 0x6E6B_0A0D  # arbitrary, stable advisory-lock key for audit appends


def event_hash(seq: int, at: datetime, actor_name: str, subject: str, action: str, from_state: str | None,
               to_state: str | None, reason: str | None, revision_hash: str | None, data: dict[str, Any],
               prev_hash: str) -> str:
    """The SHA-256 over an event's canonical JSON form."""
    canonical = json.dumps(
        [seq, at.astimezone(timezone.utc).isoformat(timespec="microseconds"), actor_name, subject, action, from_state, to_state,
         reason, revision_hash, data, prev_hash],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})


def append(session: Session, *, at: datetime, actor: Actor | None, subject: str, action: str,
           item_id: int | None = None, from_state: str | None = None, to_state: str | None = None,
           reason: str | None = None, revision_hash: str | None = None,
           data: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction.

    Call it last in a transaction: on PostgreSQL the chain lock is held until commit.
    """
    _lock_chain(session)
    last = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq = (last.seq + 1) if last else 1
    prev_hash = last.hash if last else GENESIS_HASH
    actor_name = actor.username if actor else "system"
    payload = data or {}
    event = AuditEvent(
        seq=seq, at=at, actor_id=actor.id if actor else None, actor_name=actor_name, subject=subject,
        item_id=item_id, action=action, from_state=from_state, to_state=to_state, reason=reason,
        revision_hash=revision_hash, data=payload, prev_hash=prev_hash,
        hash=event_hash(seq, at, actor_name, subject, action, from_state, to_state, reason, revision_hash,
                        payload, prev_hash),
    )
    session.add(event)
    session.flush()
    return event


_DEFERRED = "gongkai_deferred_audit"


def defer(session: Session, **event: Any) -> None:
    """Queue an event to be appended at the end of the transaction (``append_deferred``).

    Code running in the middle of a transaction (hooks, side effects) defers its events so
    that the chain lock is only taken as the very last step: holding it while still writing
    other rows could make two transactions wait for each other.
    """
    session.info.setdefault(_DEFERRED, []).append(event)


def append_deferred(session: Session) -> list[AuditEvent]:
    """Append the queued events in the order they were deferred."""
    queued = session.info.pop(_DEFERRED, [])
    return [append(session, **event) for event in queued]


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a chain check: ``ok`` or the first bad event and why."""

    ok: bool
    checked: int
    bad_seq: int | None = None
    bad_id: int | None = None
    problem: str | None = None


def _events(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    last_seq = 0
    while True:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.seq > last_seq)
                               .order_by(AuditEvent.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last_seq = rows[-1].seq
        session.expunge_all()


def verify(session: Session) -> VerifyResult:
    """Recompute the whole chain; report the first event that does not fit."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    for event in _events(session):
        if event.seq != expected_seq:
            return VerifyResult(False, checked, event.seq, event.id,
                                f"sequence gap: expected {expected_seq}, found {event.seq} (deleted event?)")
        if event.prev_hash != expected_prev:
            return VerifyResult(False, checked, event.seq, event.id, "link to the previous event is broken")
        recomputed = event_hash(event.seq, event.at, event.actor_name, event.subject, event.action,
                                event.from_state, event.to_state, event.reason, event.revision_hash,
                                event.data or {}, event.prev_hash)
        if recomputed != event.hash:
            return VerifyResult(False, checked, event.seq, event.id, "content does not match its hash (altered)")
        expected_prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    return VerifyResult(True, checked)
