"""The record of one item's review: the facts the 审查审批表 shows, read twice.

From the database (``from_database``): the revision reviewed — the published one, or the latest submitted
— with its content (title, department, 清单 entry, formed date, channels), the item's drafter, the
submission and every decision row of that revision in order: the route step a vote was cast on, the
opinion, and for a secrecy-review decision the checklist answers, the particulars recorded and the
legal basis.

From the audit trail (``from_audit``): the same facts as the signed events tell them — the item's
creation (its drafter), the submission of that revision and each decision's event. The events carry
the revision's SHA-256 (``revision_hash``), not its content: the content is the database's, checked
against that hash (``workflow.records.verify``).

``Record.facts`` is the canonical form of what the table shows: codes, user names, texts, UTC instants,
answers — not the labels they are printed with, so that a department renamed, a translation corrected
or the English print leave it unchanged. The digest covers the facts and the audit position the record
was built from (the last event it rests on).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEvent, CatalogCategory, CatalogEntry, Decision, Department, Item, Revision, User
from db.models.items import DECISION_KINDS
from db.models.routes import ItemRouteSnapshot, StepVote
from workflow.checklist import BY_KEY, KEYS
from workflow.errors import Conflict

FORM = "gongkai-record/1"
SUBMIT = "submit"
PASS_REVIEW = "pass_review"
# The audit actions that start an item: their actor is its drafter.
CREATING = ("create", "revise")
# The rows of the table: the submission, then the decisions (the triggers that write a ``decisions`` row).
RECORDED = (SUBMIT, *DECISION_KINDS)


class NoRecord(Conflict):
    """The item was never submitted: there is no review to record (409)."""

    code = "record_not_available"


@dataclass(frozen=True)
class Person:
    """Who did something: the user name (the fact) and the display name (how the table shows them)."""

    username: str | None
    name: str


@dataclass(frozen=True)
class Position:
    """An event of the audit chain: its sequence number and hash."""

    seq: int
    hash: str


@dataclass(frozen=True)
class Entry:
    """One row of the table: the submission or a decision, by whom and when, with what it recorded.

    ``answers``: for a secrecy-review decision, every checklist question's answer (None: not asked);
    ``justifications``: the particulars its "yes" answers required (``workflow.checklist``)."""

    kind: str
    person: Person
    at: datetime
    step: str | None = None
    opinion: str | None = None
    legal_basis: str | None = None
    answers: Mapping[str, bool | None] | None = None
    justifications: Mapping[str, Any] | None = None
    acted_by: Person | None = None  # 委托: the delegate who acted for ``person`` (乙 代 甲)

    def facts(self) -> dict[str, Any]:
        """The row in canonical form (``acted_by`` only when a delegate acted: the digests of records printed
        before delegation existed stay what they were)."""
        facts = {"kind": self.kind, "person": self.person.username, "at": utc(self.at), "step": self.step,
                 "opinion": self.opinion, "legal_basis": self.legal_basis,
                 "answers": dict(self.answers) if self.answers is not None else None,
                 "justifications": dict(self.justifications) if self.justifications else None}
        if self.acted_by is not None:
            facts["acted_by"] = self.acted_by.username
        return facts


@dataclass(frozen=True)
class Record:
    """What the 审查审批表 of one revision of an item shows."""

    item_id: int
    kind: str
    revision: int
    content_hash: str
    title: str
    department: str
    department_name: str
    catalog_code: str | None
    category_title: str
    entry_title: str
    formed_on: date | None
    channels: tuple[str, ...]
    author: Person
    entries: tuple[Entry, ...]
    attachments: Mapping[int, str]  # id → file name: the consent evidence named in the particulars
    position: Position | None = None

    def facts(self) -> dict[str, Any]:
        """The record in canonical form (labels left out: they are how the facts are said)."""
        return {"item": self.item_id, "kind": self.kind, "revision": self.revision,
                "content_hash": self.content_hash, "title": self.title, "department": self.department,
                "catalog_code": self.catalog_code, "formed_on": self.formed_on.isoformat() if self.formed_on else None,
                "channels": list(self.channels), "author": self.author.username,
                "entries": [entry.facts() for entry in self.entries]}

    @property
    def digest(self) -> str:
        """SHA-256 of the facts and the audit position (``digest``): what the QR code's link carries."""
        return digest(self.facts(), self.position)


def utc(moment: datetime) -> str:
    """An instant as UTC ISO 8601 with microseconds (as the audit chain's canonical form)."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def digest(facts: Mapping[str, Any], position: Position | None) -> str:
    """SHA-256 (hex) of the canonical JSON of the record's facts and the audit position it was built from:
    keys sorted, no spaces, UTF-8."""
    document = {"form": FORM, "record": facts,
                "audit": {"seq": position.seq, "hash": position.hash} if position else None}
    canonical = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def opinion_of(row: Decision) -> str | None:
    """The opinion (审查/审批意见) of a decision row: its ``opinion`` where the column exists, else the reason
    typed with a return, rejection, withdrawal or take-down (the only opinion recorded before issue 14)."""
    return getattr(row, "opinion", None) or row.reason or None


def opinion_of_event(event: AuditEvent) -> str | None:
    """The opinion of a decision as its audit event tells it (``data.opinion``, else the reason)."""
    return (event.data or {}).get("opinion") or event.reason or None


def answers_of_checklist(checklist: Mapping[str, Any] | None) -> dict[str, bool | None] | None:
    """Every question's answer as a decision row stored it: True/False, None for a question not asked."""
    if checklist is None:
        return None
    return {key: bool(checklist[key]) if key in checklist else None for key in KEYS}


def answers_of_event(data: Mapping[str, Any]) -> dict[str, bool | None]:
    """Every question's answer as a ``pass_review`` event tells it. Events that carry the checklist say it
    outright; the others say it through what a pass records (``workflow.checklist.review``): a blocking
    question cannot be answered "yes" in a pass, and every other "yes" records its particulars — so a
    question is "yes" exactly when ``justifications`` names it, "not asked" when ``not_asked`` does, else
    "no" (tests/workflow/test_records.py holds the questions to that rule)."""
    told = data.get("checklist")
    if isinstance(told, Mapping):
        return {key: bool(told[key]) if key in told else None for key in KEYS}
    not_asked = set(data.get("not_asked") or ())
    particulars = data.get("justifications") or {}
    return {key: None if key in not_asked else key in particulars for key in KEYS}


def current_revision(session: Session, item: Item) -> Revision:
    """The revision a record is made of: the item's current one (the published one once published)."""
    revision = session.scalar(select(Revision).where(Revision.item_id == item.id, Revision.number == item.revision)) \
        if item.revision else None
    if revision is None:
        raise NoRecord("本事项尚未提交审查，还没有审查审批记录", details={"item_id": item.id})
    return revision


def _names(session: Session, user_ids: Iterable[int | None]) -> dict[int, tuple[str, str]]:
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username, User.display_name).where(User.id.in_(wanted))).all()
    return {row.id: (row.username, row.display_name or row.username) for row in rows}


def _names_by_username(session: Session, usernames: Iterable[Any]) -> dict[str, Person]:
    wanted = {name for name in usernames if isinstance(name, str)}
    if not wanted:
        return {}
    rows = session.execute(select(User.username, User.display_name).where(User.username.in_(wanted))).all()
    return {row.username: Person(row.username, row.display_name or row.username) for row in rows}


def _person(names: Mapping[int, tuple[str, str]], user_id: int | None, fallback: str | None = None) -> Person:
    if user_id is not None and user_id in names:
        username, name = names[user_id]
        return Person(username, name)
    return Person(fallback, fallback or "—")


def _vote_steps(session: Session, revision_id: int) -> dict[tuple[int, str], str]:
    """(voter, decision) → the name of the route step the vote was cast on (a stored route only)."""
    snapshot = session.scalar(select(ItemRouteSnapshot.route).where(ItemRouteSnapshot.revision_id == revision_id))
    if snapshot is None:
        return {}
    names = {position: str(step["name"]) for position, step in enumerate(snapshot.get("steps") or (), 1)}
    votes = session.execute(select(StepVote.user_id, StepVote.decision, StepVote.step_position)
                            .where(StepVote.revision_id == revision_id)).all()
    return {(vote.user_id, vote.decision): names[vote.step_position] for vote in votes
            if vote.step_position in names}


def from_database(session: Session, item: Item, revision: Revision | None = None) -> Record:
    """The record of ``revision`` of ``item`` (default: its current one) as the database tells it
    (NoRecord: never submitted)."""
    revision = revision or current_revision(session, item)
    content = revision.content or {}
    department = session.get(Department, content.get("department_id")) if content.get("department_id") else None
    department = department or item.department
    code = content.get("catalog_code")
    entry = session.get(CatalogEntry, code) if code else None
    category = session.get(CatalogCategory, entry.category_code) if entry is not None else None
    decisions = list(session.scalars(select(Decision).where(Decision.revision_id == revision.id)
                                     .order_by(Decision.at, Decision.id)))
    names = _names(session, [item.author_id, revision.submitted_by_id, *(d.actor_id for d in decisions),
                             *(d.acted_by_id for d in decisions)])
    steps = _vote_steps(session, revision.id)
    entries = [Entry(SUBMIT, _person(names, revision.submitted_by_id), revision.submitted_at)]
    for row in decisions:
        entries.append(Entry(
            row.kind, _person(names, row.actor_id), row.at, step=steps.get((row.actor_id or 0, row.kind)),
            opinion=opinion_of(row), legal_basis=row.legal_basis or None,
            answers=answers_of_checklist(row.checklist) if row.kind == PASS_REVIEW else None,
            justifications=row.justifications or None,
            acted_by=_person(names, row.acted_by_id) if row.acted_by_id is not None else None))
    formed = content.get("formed_on")
    return Record(
        item_id=item.id, kind=item.kind, revision=revision.number, content_hash=revision.content_hash,
        title=str(content.get("title", "")), department=department.code, department_name=department.name,
        catalog_code=code, category_title=category.title if category is not None else "",
        entry_title=entry.title if entry is not None else "",
        formed_on=date.fromisoformat(formed) if isinstance(formed, str) else None,
        channels=tuple(content.get("channels") or ()), author=_person(names, item.author_id),
        entries=tuple(entries), attachments={a.id: a.filename for a in item.attachments})


@dataclass(frozen=True)
class AuditSide:
    """The record as the audit events tell it, and the events it rests on (for their signatures)."""

    record: Record
    events: tuple[AuditEvent, ...]          # the creation's event (if any), then one per row
    created: AuditEvent | None
    submitted: AuditEvent | None
    row_events: tuple[AuditEvent, ...]      # the event of each row of ``record.entries``

    def position_after(self, rows: int) -> Position | None:
        """The audit position of the record's first ``rows`` rows: the last event they rest on."""
        used = [*([self.created] if self.created else []), *self.row_events[:rows]]
        last = max(used, key=lambda event: event.seq, default=None)
        return Position(last.seq, last.hash) if last is not None else None


def revision_of_event(event: AuditEvent) -> int | None:
    """The revision number a transition's event was about (every transition records ``data.revision``)."""
    value = (event.data or {}).get("revision")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def item_events(session: Session, item_id: int) -> list[AuditEvent]:
    """The item's creation, submissions and decisions, oldest first (a handful of rows per item)."""
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.item_id == item_id, AuditEvent.action.in_((*CREATING, *RECORDED))).order_by(AuditEvent.seq)))


def from_audit(session: Session, base: Record, events: Sequence[AuditEvent]) -> AuditSide:
    """The record of revision ``base.revision`` as ``events`` (``item_events``) tell it; its content is
    ``base``'s (the events hold only its hash, checked by ``workflow.records.verify``)."""
    created = next((event for event in events if event.action in CREATING), None)
    mine = [event for event in events if event.action in RECORDED and revision_of_event(event) == base.revision]
    names = _names(session, [event.actor_id for event in (*mine, *([created] if created else []))])
    # 委托: an event a delegate signed names the decider of record (``data.on_behalf_of``, a user name)
    principals = _names_by_username(session, [(event.data or {}).get("on_behalf_of") for event in mine])
    entries = []
    for event in mine:
        data = event.data or {}
        decision = event.action != SUBMIT
        actor = _person(names, event.actor_id, event.actor_name)
        for_whom = data.get("on_behalf_of") if isinstance(data.get("on_behalf_of"), str) else None
        entries.append(Entry(
            event.action, principals.get(for_whom, Person(for_whom, for_whom)) if for_whom else actor, event.at,
            acted_by=actor if for_whom else None,
            step=data.get("step") if decision else None,
            opinion=opinion_of_event(event) if decision else None,
            legal_basis=(data.get("legal_basis") or None) if decision else None,
            answers=answers_of_event(data) if event.action == PASS_REVIEW else None,
            justifications=(data.get("justifications") or None) if decision else None))
    author = _person(names, created.actor_id, created.actor_name) if created else base.author
    side = AuditSide(replace(base, author=author, entries=tuple(entries)),
                     (*([created] if created else []), *mine), created,
                     next((event for event in mine if event.action == SUBMIT), None), tuple(mine))
    return replace(side, record=replace(side.record, position=side.position_after(len(mine))))


def question_label(key: str) -> str:
    """The msgid of a checklist question (the key itself when a newer record names an unknown one)."""
    question = BY_KEY.get(key)
    return question.label if question is not None else key
