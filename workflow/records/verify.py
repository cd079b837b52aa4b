"""Does a printed record match the audit trail? (the page the QR code's link opens)

The record is made again from the database and from the audit events (``workflow.records.model``) and
the two are compared fact by fact; the events it rests on must carry valid signatures (their HMAC under
the audit key kept outside the database, and their link to the event before), and the revision's
content must still hash to the SHA-256 the events name. The paper's digest (``h``) is then compared with
the digest of the record as the audit trail tells it: equal, the paper shows what the trail attests;
else it may be an earlier state of the same record (printed before a later decision or revision — said
so, with what came after), or no state of it at all.

Checks only the events the record rests on: the whole chain, with its anchors, is ``gongkai audit verify``.
"""
from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEvent, Item, Revision
from workflow.audit import GENESIS_HASH, HASHED_COLUMNS, keyed_hash, legacy_hash
from workflow.audit_keys import AuditKeyError, keys_of
from workflow.checklist import BY_KEY, KEYS
from workflow.errors import ValidationFailed
from workflow.i18n import gettext as _
from workflow.records import wording
from workflow.records.model import (AuditSide, Entry, Record, current_revision, digest, from_audit, from_database,
                                    item_events, question_label)
from workflow.revisions import content_hash

DIGEST = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Difference:
    """One thing that does not match: where (the form's header or a row), what, and the two versions
    (``database``/``audit`` empty when the finding is one-sided, e.g. a broken signature)."""

    where: str
    what: str
    database: str = ""
    audit: str = ""


@dataclass(frozen=True)
class Verification:
    """The outcome: ``consistent`` (一致) when the record in the database, the audit events and the paper
    agree; otherwise every difference found."""

    consistent: bool
    record: Record            # as the database tells it now
    paper_digest: str
    current_digest: str       # the digest of the record as the audit trail tells it
    paper_matches: bool
    differences: tuple[Difference, ...]


def parse_digest(value: Any) -> str:
    """The ``h`` of a verify link: 64 hexadecimal digits (ValidationFailed, 422, otherwise)."""
    text = value.strip().lower() if isinstance(value, str) else ""
    if not DIGEST.fullmatch(text):
        raise ValidationFailed("核验码无效：应为打印件二维码中的 64 位十六进制校验码", code="invalid_digest", field="h")
    return text


def verify(session: Session, item: Item, paper: str) -> Verification:
    """Compare the record of ``item`` (database), its audit events and the paper's digest ``paper``."""
    revision = current_revision(session, item)
    base = from_database(session, item, revision)
    events = item_events(session, item.id)
    side = from_audit(session, base, events)
    record = replace(base, position=side.record.position)
    differences = [*_content(revision, side), *_signatures(session, side.events), *compare(record, side.record)]
    current = side.record.digest
    matches = paper == current
    if not matches:
        differences.append(_paper(session, item, events, paper, record))
    return Verification(not differences and matches, record, paper, current, matches, tuple(differences))


def _content(revision: Revision, side: AuditSide) -> list[Difference]:
    """The revision's content hashes to its SHA-256, which is the one its events name."""
    where = _("稿件（第 %(n)d 稿）", n=revision.number)
    found = []
    recomputed = content_hash(revision.content or {})
    if recomputed != revision.content_hash:
        found.append(Difference(where, _("稿件内容与其 SHA-256 不符（内容在数据库中被改动）"), recomputed, revision.content_hash))
    if side.submitted is None:
        found.append(Difference(where, _("审计记录中没有本稿的提交事件")))
    for event in side.events:
        if event.action != "create" and event.action != "revise" and event.revision_hash != revision.content_hash:
            found.append(Difference(where, _("“%(action)s”事件所针对的稿件 SHA-256 与本稿不符", action=wording.decision(event.action)),
                                    revision.content_hash, event.revision_hash or "—"))
    return found


def _signatures(session: Session, events: Sequence[AuditEvent]) -> list[Difference]:
    """Each event's signature (HMAC under its key, or the legacy SHA-256) and its link to the event before."""
    if not events:
        return []
    try:
        keyring = keys_of(session).keyring() if any(event.key_id for event in events) else None
    except AuditKeyError as error:
        return [Difference(_("审计记录"), _("无法校验审计事件的签名：%(reason)s", reason=error.message))]
    before = {event.seq - 1 for event in events}
    hashes = dict(session.execute(select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.in_(before))).all())
    hashes[0] = GENESIS_HASH
    found = []
    for event in events:
        where = _("审计事件第 %(seq)d 号（%(action)s）", seq=event.seq, action=wording.decision(event.action))
        fields = {column: getattr(event, column) for column in HASHED_COLUMNS}
        if event.key_id is None:
            intact = legacy_hash(event.seq, event.at, event.actor_name, event.subject, event.action, event.from_state,
                                 event.to_state, event.reason, event.revision_hash, event.data or {},
                                 event.prev_hash) == event.hash
        else:
            assert keyring is not None
            key = keyring.get(event.key_id)
            if key is None:
                found.append(Difference(where, _("签名密钥 %(key_id)s 不在密钥环中，无法校验", key_id=event.key_id)))
                continue
            intact = hmac.compare_digest(keyed_hash(key, fields), event.hash)
        if not intact:
            found.append(Difference(where, _("事件内容与其签名不符（审计记录被改动）")))
        if hashes.get(event.seq - 1) != event.prev_hash:
            found.append(Difference(where, _("与前一审计事件的链接断开")))
    return found


def _entry_label(number: int, entry: Entry) -> str:
    return _("第 %(n)d 项：%(decision)s（%(person)s，%(at)s）", n=number, decision=wording.decision(entry.kind),
             person=entry.person.name, at=wording.moment(entry.at))


def _text(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


def _particulars(key: str, value: Any, record: Record) -> str:
    if not isinstance(value, Mapping):
        return _text(value)
    return "；".join(wording.particulars(key, value, record.attachments)) or json.dumps(value, ensure_ascii=False)


def compare(database: Record, audit: Record) -> list[Difference]:
    """Every fact of the table on which the database and the audit events differ, in the table's order."""
    found = []
    if database.author.username != audit.author.username:
        found.append(Difference(_("表头"), _("拟稿人"), database.author.name, audit.author.name))
    left = list(audit.entries)
    for number, entry in enumerate(database.entries, 1):
        # rows are matched by their moment (one transaction, one instant), the same decision first
        twin = next((other for other in left if other.at == entry.at and other.kind == entry.kind), None) \
            or next((other for other in left if other.at == entry.at), None)
        where = _entry_label(number, entry)
        if twin is None:
            found.append(Difference(where, _("仅在数据库中，审计记录中没有这一项"), wording.decision(entry.kind), "—"))
            continue
        left.remove(twin)
        found.extend(_compare_entries(where, entry, twin, database))
    for entry in left:
        found.append(Difference(_entry_label(audit.entries.index(entry) + 1, entry),
                                _("仅在审计记录中，数据库中没有这一项（决定记录被删除？）"), "—", wording.decision(entry.kind)))
    return found


def _compare_entries(where: str, mine: Entry, theirs: Entry, record: Record) -> list[Difference]:
    found = []
    pairs: list[tuple[str, Any, Any]] = [
        (_("决定"), wording.decision(mine.kind), wording.decision(theirs.kind)),
        (_("签名"), mine.person.username, theirs.person.username),
        (_("代办人"), mine.acted_by.username if mine.acted_by else None, theirs.acted_by.username if theirs.acted_by else None),
        (_("审批步骤"), mine.step, theirs.step),
        (_("意见"), mine.opinion, theirs.opinion),
        (_("公开的法律依据"), mine.legal_basis, theirs.legal_basis)]
    for what, ours, trail in pairs:
        if ours != trail:
            found.append(Difference(where, what, _text(ours), _text(trail)))
    if mine.answers != theirs.answers:
        ours_answers, trail_answers = mine.answers or {}, theirs.answers or {}
        for key in [*KEYS, *sorted(set(ours_answers) | set(trail_answers) - set(KEYS))]:
            if ours_answers.get(key) != trail_answers.get(key):
                found.append(Difference(where, _("审查清单：%(question)s", question=_(question_label(key))),
                                        wording.answer(ours_answers.get(key)), wording.answer(trail_answers.get(key))))
    ours_j, trail_j = dict(mine.justifications or {}), dict(theirs.justifications or {})
    for key in sorted(set(ours_j) | set(trail_j), key=lambda k: KEYS.index(k) if k in KEYS else len(KEYS)):
        if ours_j.get(key) != trail_j.get(key):
            short = _(BY_KEY[key].short) if key in BY_KEY else key
            found.append(Difference(where, _("审查依据：%(question)s", question=short),
                                    _particulars(key, ours_j.get(key), record), _particulars(key, trail_j.get(key), record)))
    return found


def _paper(session: Session, item: Item, events: Sequence[AuditEvent], paper: str, record: Record) -> Difference:
    """What the paper is, when its digest is not the current record's: the database's record printed while
    it disagreed with the trail, an earlier state of the record, or nothing this item ever was."""
    where = _("打印件")
    if paper == record.digest:
        return Difference(where, _("打印件与数据库中的记录相符，但与审计记录不符（见上）"))
    found = earlier_state(session, item, events, paper)
    if found is None:
        return Difference(where, _("打印件的校验码与本事项任何时候的记录都不符：打印件可能被改动，或不是本系统为本事项生成的"))
    revision, entries = found
    later = _all_later(session, item, events, revision, entries)
    return Difference(where, _("打印件是本事项较早时的记录（第 %(n)d 稿，共 %(count)d 项），此后又有：%(later)s",
                               n=revision, count=entries, later="；".join(later) or "—"))


def _sides(session: Session, item: Item, events: Sequence[AuditEvent]) -> list[AuditSide]:
    """The record of every revision of the item as the audit trail tells it."""
    revisions = session.scalars(select(Revision).where(Revision.item_id == item.id).order_by(Revision.number))
    return [from_audit(session, from_database(session, item, revision), events) for revision in revisions]


def earlier_state(session: Session, item: Item, events: Sequence[AuditEvent], paper: str) -> tuple[int, int] | None:
    """``(revision, rows)``: the state of the record whose digest is ``paper`` — a revision with its first
    ``rows`` rows, resting on the last event among them — or None."""
    for side in _sides(session, item, events):
        for rows in range(1, len(side.record.entries) + 1):
            state = replace(side.record, entries=side.record.entries[:rows])
            if digest(state.facts(), side.position_after(rows)) == paper:
                return side.record.revision, rows
    return None


def _all_later(session: Session, item: Item, events: Sequence[AuditEvent], revision: int, count: int) -> list[str]:
    """The rows recorded after the first ``count`` rows of revision ``revision``, and the later revisions."""
    later = []
    for side in _sides(session, item, events):
        number, record = side.record.revision, side.record
        if number < revision:
            continue
        rows = record.entries[count:] if number == revision else record.entries
        if number > revision:
            later.append(_("第 %(n)d 稿", n=number))
        later.extend(_("%(decision)s（%(person)s，%(at)s）", decision=wording.decision(entry.kind),
                       person=entry.person.name, at=wording.moment(entry.at)) for entry in rows)
    return later


__all__ = ["Difference", "Verification", "compare", "earlier_state", "parse_digest", "verify"]
