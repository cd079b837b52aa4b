"""Confirm before anything goes public: what a publishing trigger (批准, 立即发布) would put where, and when.

The screens ask for an explicit confirmation before firing a trigger that may publish (``goes_public``);
the confirmation shows ``preview``: the title and an excerpt of the body, the channels, when it goes out
(now, at its publication time, or after the votes its review route still needs), its attachments, and the
scan findings accepted at the secrecy review with their legal basis. The preview runs every check the
trigger would (``items.check_transition``): what it offers to confirm is what the verb will accept. The
API is unchanged: a client that posts a transition has decided already.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import select

from db.models import Decision
from db.models.items import DISCLOSURE
from workflow.access import Actor, is_public
from workflow.context import Gongkai
from workflow.item_spec import spec_of
from workflow.revision_findings import findings_of_revision
from workflow.services.items import check_transition
from workflow.spec import TriggerSpec

# the states in which an item is out, or is bound to go out by itself (at its publication time)
PUBLISHING_STATES = ("published", "scheduled")
EXCERPT_CHARS = 300


def goes_public(trigger: TriggerSpec) -> bool:
    """Whether ``trigger`` may publish an item (now or at its publication time): the screens confirm it first."""
    return any(dest in PUBLISHING_STATES for dest in trigger.dests)


@dataclass(frozen=True)
class AcceptedFinding:
    """A scan finding the secrecy review accepted for publication, with the legal basis it recorded."""

    location: str
    message: str
    excerpt: str
    legal_basis: str | None


@dataclass(frozen=True)
class Preview:
    """What confirming ``trigger`` on ``item`` puts out.

    ``new_state``: ``published`` (out now), ``scheduled`` (out at ``publish_at``) or the item's own state (a
    vote of a review route; ``votes_still_needed`` more, then it goes out, at ``publish_at`` if that is still
    ahead). ``public``: a disclosure item, listed in the 信息公开目录 (a reply letter goes to its applicant only).
    """

    item: Any
    trigger: str
    new_state: str
    publish_at: datetime | None
    votes_still_needed: int
    public: bool
    title: str
    excerpt: str
    truncated: bool
    channels: tuple[str, ...]
    attachments: tuple[str, ...]
    is_list: bool
    accepted: tuple[AcceptedFinding, ...]
    warnings: tuple[AcceptedFinding, ...]
    legal_bases: tuple[str, ...]

    @property
    def now(self) -> bool:
        """The item goes out the moment this is confirmed."""
        return self.new_state == "published"

    @property
    def waits_for_votes(self) -> bool:
        """This is one vote of several: the item goes out after the others."""
        return self.new_state not in PUBLISHING_STATES


def preview(app: Gongkai, actor: Actor, item_id: int, trigger: str, payload: Mapping[str, Any] | None = None,
            expected_version: int | None = None, on_behalf_of: str | None = None) -> Preview:
    """What firing ``trigger`` (one that ``goes_public``) on the item would publish, where and when; the same
    refusal as the verb when it would refuse (NotFound, Forbidden, InvalidState, ValidationFailed…).
    ``on_behalf_of``: as for the verb, the person a delegate acts for (委托)."""
    declared = spec_of(app).trigger(trigger)
    checked = check_transition(app, actor, item_id, declared.name, payload, expected_version, on_behalf_of)
    item = checked.item
    with app.db.read() as session:
        findings = findings_of_revision(session, checked.revision_id)
        bases = session.scalars(select(Decision.legal_basis).where(
            Decision.revision_id == checked.revision_id, Decision.kind == "pass_review",
            Decision.legal_basis.is_not(None)).order_by(Decision.at, Decision.id)).all() \
            if checked.revision_id is not None else []
    publish_at = checked.inputs.get("publish_at", item.publish_at)
    if checked.new_state == "published" or (publish_at is not None and publish_at <= app.now()):
        publish_at = None  # out now (or, after the last vote, at once): no time to announce
    body = item.body or ""
    accepted = tuple(_finding(row) for row in findings if row.accepted_at is not None)
    warnings = tuple(_finding(row) for row in findings if row.accepted_at is None and row.severity != "blocking")
    return Preview(
        item=item, trigger=declared.name, new_state=checked.new_state, publish_at=publish_at,
        votes_still_needed=checked.votes_still_needed, public=is_public("published", item.kind or DISCLOSURE),
        title=item.title, excerpt=body[:EXCERPT_CHARS], truncated=len(body) > EXCERPT_CHARS,
        channels=tuple(item.channels or ()), attachments=tuple(a.filename for a in item.attachments),
        is_list=bool(item.is_list), accepted=accepted, warnings=warnings,
        legal_bases=tuple(dict.fromkeys(basis.strip() for basis in bases if basis and basis.strip())))


def _finding(row: Any) -> AcceptedFinding:
    where = f"{row.location} {row.sublocation}".strip()
    return AcceptedFinding(where, row.message, row.excerpt, row.legal_basis)


__all__ = ["AcceptedFinding", "PUBLISHING_STATES", "Preview", "goes_public", "preview"]
