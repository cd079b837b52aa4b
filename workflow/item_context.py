"""What the item guards read: the actor, the item's people and state, and the parsed inputs."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Mapping

from workflow import checklist
from workflow.access import Actor
from workflow.clock import local_date
from workflow.i18n import N_
from workflow.routes.progress import RouteProgress

# The item's own fields as people read them: the submission check names what is missing in these words.
ITEM_FIELD_LABELS: Mapping[str, str] = {
    "title": N_("标题"), "body": N_("正文"), "catalog_code": N_("清单事项"), "channels": N_("公开渠道"),
    "formed_on": N_("信息形成日期"), "display_until": N_("公示截止时间（名单、公示类信息）"),
}


@dataclass(frozen=True)
class ReferralFacts:
    """What the guards ask about the item's referrals to the secrecy authority (转保密审定).

    ``open_id``/``asked_by_id``: the referral still waiting for an answer, if any (at most one per item);
    ``pending``: that referral was asked about the current revision (a revision returned and submitted
    again is reviewed afresh: the old question no longer holds its pass up);
    ``determination``: the last answer given on the current revision (``secret`` / ``not_secret`` /
    ``partly``); ``secret`` and ``partly`` refuse the pass (return it).
    """

    open_id: int | None = None
    asked_by_id: int | None = None
    pending: bool = False
    determination: str | None = None


NO_REFERRAL = ReferralFacts()


@dataclass
class ItemContext:
    """Everything the guards need, resolved by the service before firing (no database access)."""

    actor: Actor
    department_id: int
    now: datetime
    author_id: int | None = None
    submitted_by_id: int | None = None
    reviewed_by_id: int | None = None
    review_acted_by_id: int | None = None  # the delegate who passed the review for ``reviewed_by_id`` (乙 代 甲)
    contributor_ids: frozenset[int] = frozenset()
    inputs: dict[str, Any] = field(default_factory=dict)
    current_publish_at: datetime | None = None
    missing_fields: list[str] = field(default_factory=list)
    open_blocking_findings: list[dict[str, Any]] = field(default_factory=list)
    # how many personal-information findings the scan stored on this revision (read only when a pass
    # answers 个人信息=否: guards.personal_info_answer_checked)
    personal_info_findings: int = 0
    attachment_ids: frozenset[int] = frozenset()   # the item's attachments: what consent evidence may name

    @cached_property
    def checklist_review(self) -> checklist.Review:
        """The checklist and its particulars judged (``workflow.checklist.review``): the guard asks for it,
        the effect records it; ValidationFailed when it does not pass."""
        return checklist.review(self.inputs.get("checklist"), self.legal_basis, self.inputs.get("justifications"),
                                attachment_ids=self.attachment_ids, today=local_date(self.now))
    referral: ReferralFacts = field(default_factory=lambda: NO_REFERRAL)
    # the current revision's route and its votes (workflow/route_votes.py); None: the default route
    route: RouteProgress | None = None
    state: str | None = None  # the item's state (the route's active step is the one of this stage)

    @property
    def reason(self) -> str | None:
        """The reason typed in, if the trigger takes one."""
        return self.inputs.get("reason")

    @property
    def legal_basis(self) -> str | None:
        """The legal basis typed in, if the trigger takes one."""
        return self.inputs.get("legal_basis")

    @property
    def publish_at(self) -> datetime | None:
        """The publication time given with this trigger, else the one already on the item."""
        return self.inputs.get("publish_at", self.current_publish_at)
