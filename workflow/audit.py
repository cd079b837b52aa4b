"""Append-only, keyed hash chain of audit events (docs/audit.md).

Every event stores the HMAC-SHA256, under a key kept outside the database, of every column
of its row (``id`` and ``hash`` excepted) including the previous event's hash, and the id of
the key. Appends are serialised (PostgreSQL: a transaction-scoped advisory lock; SQLite: the
write lock already held by ``BEGIN IMMEDIATE``), so the chain never forks. A verb that read the
head along with its first query (``reads_head_along``) appends in one statement: on PostgreSQL
``gongkai_audit_append`` checks under the lock that the head is still the one the event was signed
after, and hands back the real head to sign against when it is not (migration 0016). ``verify`` walks
the chain, checks it against the anchors written outside the database
(``workflow.audit_anchor``) and names the first event whose hash, link or sequence number
is wrong — or the events missing after an anchor.

Events written before migration 0014 (``key_id`` NULL) carry the legacy unkeyed SHA-256
form; they verify with it as long as they all come before the first keyed event.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator, Mapping, Protocol, Sequence

from sqlalchemy import JSON, bindparam, insert, select, text
from sqlalchemy.orm import Session

from db.models import AuditEvent, User
from db.session import is_write_connection
from workflow.access import Actor
from workflow.audit_keys import AuditKeyError, AuditKeys, Keyring, keys_of
from workflow.i18n import gettext as _
from workflow.plain_dates import plain_moment

GENESIS_HASH = "0" * 64
AUDIT_LOCK_KEY = 0x6E6B_0A0D  # arbitrary, stable advisory-lock key for audit appends
KEYED_FORM = "gongkai-audit/2"
# Every column of audit_events but the surrogate ``id`` (assigned by the database after the
# row is hashed; nothing refers to it — ``seq`` is the event's identity and order) and
# ``hash`` itself. tests/workflow/test_audit.py fails when a column is added but not hashed.
HASHED_COLUMNS = ("key_id", "seq", "at", "actor_id", "actor_name", "subject", "item_id", "action", "from_state",
                  "to_state", "reason", "revision_hash", "data", "prev_hash")


class Anchored(Protocol):
    """What ``verify`` needs of an anchor kept outside the database (``workflow.audit_anchor.Anchor``):
    the chain head's ``seq`` and ``hash``, and when it was anchored."""

    @property
    def seq(self) -> int: ...
    @property
    def hash(self) -> str: ...
    @property
    def anchored_at(self) -> datetime: ...


def _utc(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def canonical_form(fields: Mapping[str, Any]) -> bytes:
    """The bytes a keyed event's HMAC covers: a JSON object of ``HASHED_COLUMNS`` plus the
    form tag, keys sorted, no spaces, UTF-8, ``at`` as UTC ISO 8601 with microseconds."""
    document = {column: fields.get(column) for column in HASHED_COLUMNS}
    document["at"] = _utc(fields["at"])
    document["data"] = fields.get("data") or {}
    document["form"] = KEYED_FORM
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str).encode("utf-8")


def keyed_hash(key: bytes, fields: Mapping[str, Any]) -> str:
    """HMAC-SHA256 of ``canonical_form(fields)`` under ``key`` (hex)."""
    return hmac.new(key, canonical_form(fields), hashlib.sha256).hexdigest()


def legacy_hash(seq: int, at: datetime, actor_name: str, subject: str, action: str, from_state: str | None,
                to_state: str | None, reason: str | None, revision_hash: str | None, data: dict[str, Any],
                prev_hash: str) -> str:
    """The unkeyed SHA-256 of events written before migration 0014 (no actor_id, item_id)."""
    canonical = json.dumps(
        [seq, _utc(at), actor_name, subject, action, from_state, to_state,
         reason, revision_hash, data, prev_hash],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# Built once: a statement object keeps its SQLAlchemy cache key, a new one per call must derive it again.
# PostgreSQL: take the chain lock and read the head in one call (migration 0016 explains why the read
# inside the function sees every append committed before the lock was granted) …
_LOCKED_HEAD = text("SELECT head_seq AS seq, head_hash AS hash FROM gongkai_audit_chain_head(:key)")
# … or append an event in the same call when the head is still the one it was signed after.
_APPEND_IF_HEAD = text(
    "SELECT appended, head_seq, head_hash FROM gongkai_audit_append(CAST(:key AS bigint), "
    "CAST(:expected_seq AS bigint), CAST(:expected_hash AS varchar), CAST(:seq AS bigint), "
    "CAST(:at AS timestamptz), CAST(:actor_id AS integer), CAST(:actor_name AS varchar), "
    "CAST(:subject AS varchar), CAST(:item_id AS integer), CAST(:action AS varchar), CAST(:from_state AS varchar), "
    "CAST(:to_state AS varchar), CAST(:reason AS text), CAST(:revision_hash AS varchar), CAST(:data AS json), "
    "CAST(:prev_hash AS varchar), CAST(:hash AS varchar), CAST(:key_id AS varchar))"
).bindparams(bindparam("at", type_=AuditEvent.__table__.c.at.type), bindparam("data", type_=JSON()))
_HEAD = select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
_INSERT = insert(AuditEvent.__table__)
_HEAD_INFO = "gongkai_audit_head"  # session.info: the chain head this transaction has read or written

# The chain head as two scalar subqueries, for a verb's first query to read along (``reads_head_along``,
# then ``remember_head``): NULL on an empty chain.
HEAD_SEQ = select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1).scalar_subquery().label("audit_head_seq")
HEAD_HASH = select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1).scalar_subquery().label("audit_head_hash")


@dataclass(frozen=True)
class _Head:
    """The chain head as this transaction knows it: ``exact`` when no other transaction can append before
    this one commits (SQLite's write lock, or PostgreSQL's chain lock once taken), else a guess."""

    transaction: tuple[Any, Any]
    seq: int
    hash: str
    exact: bool


def _transaction_of(session: Session) -> tuple[Any, Any]:
    # the innermost transaction too: a savepoint rolled back must not leave a head that was never committed
    return session.get_transaction(), session.get_nested_transaction()


def _known_head(session: Session) -> _Head | None:
    known = session.info.get(_HEAD_INFO)
    return known if known is not None and known.transaction == _transaction_of(session) else None


def _locked_head(session: Session) -> tuple[int, str]:
    """``(seq, hash)`` of the newest event, read under the chain lock (PostgreSQL: taken here and held
    until commit; SQLite: the write transaction's ``BEGIN IMMEDIATE`` holds the database's write lock)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        last = connection.execute(_LOCKED_HEAD, {"key": AUDIT_LOCK_KEY}).first()
    else:
        last = connection.execute(_HEAD).first()
    return (last.seq, last.hash) if last and last.seq is not None else (0, GENESIS_HASH)


def reads_head_along(session: Session) -> bool:
    """Whether a verb's first query should read the chain head along (``HEAD_SEQ``, ``HEAD_HASH``, then
    ``remember_head``), sparing the append a round trip: in every write transaction. On SQLite the read is
    exact: ``BEGIN IMMEDIATE`` holds the write lock from the first statement to the commit, so no other
    transaction can append meanwhile. On PostgreSQL it is a guess, which the append confirms under the
    chain lock (``gongkai_audit_append``); should another transaction have appended meanwhile, the event is
    signed again after the real head."""
    return is_write_connection(session.connection())


def remember_head(session: Session, seq: int | None, hash_: str | None) -> None:
    """Record the head read along by a query of this transaction (``reads_head_along``)."""
    exact = session.get_bind().dialect.name == "sqlite"
    session.info[_HEAD_INFO] = _Head(_transaction_of(session), seq or 0, hash_ or GENESIS_HASH, exact)


def _signed_rows(key_id: str, key: bytes, seq: int, prev_hash: str,
                 events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The rows of ``events`` (``append``'s keyword arguments), numbered and chained after ``(seq, prev_hash)``."""
    rows = []
    for event in events:
        actor = event.get("actor")
        seq += 1
        fields: dict[str, Any] = {
            "key_id": key_id, "seq": seq, "at": event["at"], "actor_id": actor.id if actor else None,
            "actor_name": actor.username if actor else "system", "subject": event["subject"],
            "item_id": event.get("item_id"), "action": event["action"], "from_state": event.get("from_state"),
            "to_state": event.get("to_state"), "reason": event.get("reason"),
            "revision_hash": event.get("revision_hash"), "data": event.get("data") or {}, "prev_hash": prev_hash,
        }
        prev_hash = keyed_hash(key, fields)
        rows.append({**fields, "hash": prev_hash})
    return rows


def _write(session: Session, events: Sequence[Mapping[str, Any]]) -> None:
    """Sign and insert ``events`` after the chain head: one INSERT after a head this transaction knows
    exactly; after a guessed one, the first event goes through ``gongkai_audit_append`` (which takes the
    lock and checks the guess), the rest in one INSERT; else the head is read under the lock first."""
    if not events:
        return
    key_id, key = keys_of(session).current()  # before the lock: may read (or create) the key file
    connection = session.connection()
    head = _known_head(session)
    if head is not None and not head.exact:
        rows = _signed_rows(key_id, key, head.seq, head.hash, events)
        expected = (head.seq, head.hash) if head.seq else (None, None)
        confirmed = connection.execute(_APPEND_IF_HEAD, {
            **rows[0], "key": AUDIT_LOCK_KEY, "expected_seq": expected[0], "expected_hash": expected[1]}).one()
        if confirmed.appended:
            rest = rows[1:]
        else:  # another transaction appended after the guess: sign again after the real head (locked now)
            rows = rest = _signed_rows(key_id, key, confirmed.head_seq or 0, confirmed.head_hash or GENESIS_HASH,
                                       events)
    else:
        seq, prev_hash = (head.seq, head.hash) if head is not None else _locked_head(session)
        rows = rest = _signed_rows(key_id, key, seq, prev_hash, events)
    if rest:
        connection.execute(_INSERT, rest)  # several rows: one executemany
    session.info[_HEAD_INFO] = _Head(_transaction_of(session), rows[-1]["seq"], rows[-1]["hash"], exact=True)


def append(session: Session, *, at: datetime, actor: Actor | None, subject: str, action: str,
           item_id: int | None = None, from_state: str | None = None, to_state: str | None = None,
           reason: str | None = None, revision_hash: str | None = None,
           data: dict[str, Any] | None = None) -> None:
    """Append one event to the chain inside the caller's transaction.

    Call it last in a transaction: on PostgreSQL the chain lock is held until commit. Signed
    with the instance's current audit key; ``AuditKeyError`` (nothing written) without one.
    """
    _write(session, [{"at": at, "actor": actor, "subject": subject, "action": action, "item_id": item_id,
                      "from_state": from_state, "to_state": to_state, "reason": reason,
                      "revision_hash": revision_hash, "data": data}])


_DEFERRED = "gongkai_deferred_audit"


def defer(session: Session, **event: Any) -> None:
    """Queue an event to be appended at the end of the transaction (``append_deferred``).

    Code running in the middle of a transaction (hooks, side effects) defers its events so
    that the chain lock is only taken as the very last step: holding it while still writing
    other rows could make two transactions wait for each other.
    """
    session.info.setdefault(_DEFERRED, []).append(event)


def append_deferred(session: Session) -> None:
    """Append the queued events in the order they were deferred (one INSERT for all of them)."""
    _write(session, session.info.pop(_DEFERRED, []))


def append_with_deferred(session: Session, **event: Any) -> None:
    """Append ``event`` followed by the queued ones, in one INSERT: a verb's own event comes first."""
    _write(session, [event, *session.info.pop(_DEFERRED, [])])


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a chain check: ``ok`` or the first bad event and why.

    ``unverifiable`` means the check could not be made (a key is missing), not that the chain
    was found altered; ``legacy`` counts the unkeyed events before migration 0014 and
    ``anchors`` the anchors the chain was checked against.
    """

    ok: bool
    checked: int
    bad_seq: int | None = None
    bad_id: int | None = None
    problem: str | None = None
    legacy: int = 0
    anchors: int = 0
    unverifiable: bool = False


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


def _fields(event: AuditEvent) -> dict[str, Any]:
    return {column: getattr(event, column) for column in HASHED_COLUMNS}


class _Walk:
    """State of one pass over the chain."""

    def __init__(self, session: Session, keys: AuditKeys | Keyring | None, anchors: Sequence[Anchored],
                 legacy_until: int | None):
        self.session = session
        self.legacy_until = legacy_until
        self.keys = keys if keys is not None else keys_of(session)
        self.keyring: Keyring | None = keys if isinstance(keys, Keyring) else None
        self.anchors = list(anchors)
        self.by_seq: dict[int, list[Anchored]] = {}
        for anchor in self.anchors:
            self.by_seq.setdefault(anchor.seq, []).append(anchor)
        self.usernames: dict[int, str] | None = None
        self.legacy = 0
        self.keyed_seen = False

    def key(self, kid: str) -> bytes | None:
        if self.keyring is None:
            assert isinstance(self.keys, AuditKeys)
            self.keyring = self.keys.keyring()  # never creates a key: verify only reads
        return self.keyring.get(kid)

    def legacy_problem(self, event: AuditEvent) -> str | None:
        """Checks for the columns the legacy hash left out (actor_id, item_id): they must agree
        with ``actor_name`` and ``subject``, which it covers."""
        if self.keyed_seen:
            return _("未签名的旧式事件出现在已签名事件之后（被改写为旧式？）")
        if self.legacy_until is not None and event.seq > self.legacy_until:
            return _("未签名的旧式事件，但 audit.legacy_until_seq 只允许前 %(limit)s 条（被改写为旧式？）",
                     limit=self.legacy_until)
        recomputed = legacy_hash(event.seq, event.at, event.actor_name, event.subject, event.action,
                                 event.from_state, event.to_state, event.reason, event.revision_hash,
                                 event.data or {}, event.prev_hash)
        if recomputed != event.hash:
            return _("内容与其哈希不符（已被篡改）")
        expected_item = int(event.subject[5:]) if event.subject.startswith("item:") and \
            event.subject[5:].isdigit() else None
        if event.item_id != expected_item:
            return _("旧式事件的 item_id 与主体 %(subject)s 不符（已被篡改）", subject=event.subject)
        if self.usernames is None:
            self.usernames = dict(self.session.execute(select(User.id, User.username)).tuples().all())
        if event.actor_id is not None and self.usernames.get(event.actor_id) != event.actor_name:
            return _("旧式事件的 actor_id 与操作人 %(actor)s 不符（已被篡改）", actor=event.actor_name)
        self.legacy += 1
        return None

    def keyed_problem(self, event: AuditEvent) -> tuple[str | None, bool]:
        """(problem, unverifiable) of a keyed event."""
        self.keyed_seen = True
        key = self.key(event.key_id or "")
        if key is None:
            assert self.keyring is not None
            return _("该事件由密钥 %(key_id)s 签名，但密钥环（%(source)s）中没有此密钥，无法校验",
                     key_id=event.key_id, source=self.keyring.source), True
        if not hmac.compare_digest(keyed_hash(key, _fields(event)), event.hash):
            return _("内容与其哈希不符（已被篡改或用其他密钥重算）"), False
        return None, False

    def anchor_problem(self, event: AuditEvent) -> str | None:
        for anchor in self.by_seq.get(event.seq, ()):
            if anchor.hash != event.hash:
                return _("第 %(seq)s 号事件与 %(date)s 的锚点不符（锚定后被改写）", seq=event.seq,
                         date=plain_moment(anchor.anchored_at))
        return None


def verify(session: Session, keys: AuditKeys | Keyring | None = None,
           anchors: Sequence[Anchored] = (), legacy_until: int | None = None) -> VerifyResult:
    """Recompute the whole chain and compare it with ``anchors``; report the first problem.

    ``keys`` defaults to the keyring installed for the session's database. A missing key
    gives ``ok=False, unverifiable=True`` (not a crash). ``legacy_until`` (setting
    ``audit.legacy_until_seq``) pins how many unkeyed events existed before the upgrade: an
    unkeyed event after it is refused even when no keyed event follows.
    """
    walk = _Walk(session, keys, anchors, legacy_until)
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0

    def bad(event: AuditEvent, problem: str, unverifiable: bool = False) -> VerifyResult:
        return VerifyResult(False, checked, event.seq, event.id, problem, walk.legacy, len(walk.anchors),
                            unverifiable)

    try:
        for event in _events(session):
            if event.seq != expected_seq:
                return bad(event, _("序号不连续：应为 %(expected)s，实为 %(found)s（事件被删除？）",
                                    expected=expected_seq, found=event.seq))
            if event.prev_hash != expected_prev:
                return bad(event, _("与前一事件的链接断开"))
            if event.key_id is None:
                problem, unverifiable = walk.legacy_problem(event), False
            else:
                problem, unverifiable = walk.keyed_problem(event)
            problem = problem or walk.anchor_problem(event)
            if problem:
                return bad(event, problem, unverifiable)
            expected_prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    except AuditKeyError as error:
        return VerifyResult(False, checked, expected_seq, None, error.message, walk.legacy, len(walk.anchors), True)
    needed = max(anchors, key=lambda anchor: max(anchor.seq, anchor.count), default=None)
    if needed is not None and checked < max(needed.seq, needed.count):
        last = max(needed.seq, needed.count)
        return VerifyResult(False, checked, checked + 1, None,
                            _("%(date)s 的锚点之后缺少第 %(first)s–%(last)s 号事件",
                              first=checked + 1, last=last, date=plain_moment(needed.anchored_at)),
                            walk.legacy, len(walk.anchors))
    return VerifyResult(True, checked, legacy=walk.legacy, anchors=len(walk.anchors))


def rotate_key(app: Any, actor: Actor | None = None) -> tuple[str | None, str]:
    """Append a fresh key to the keyring file and record the rotation in the chain (signed with
    the new key). Returns ``(old key id, new key id)``; old events keep verifying with the old key."""
    with app.db.write() as session:
        old, new = keys_of(session).rotate()
        append(session, at=app.now(), actor=actor, subject="audit:keys", action="audit_key_rotate",
               data={"from": old, "to": new})
    return old, new
