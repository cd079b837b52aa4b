"""批量批准: an approver approves several items in one go, each still checked and recorded on its own.

Each item goes through the ordinary ``approve`` verb in its own transaction — its guards (the approver's
department or route step, separation of duties: not its author, a contributor or its reviewer), its route's
votes, its findings, its audit event — so one refusal never stops the others and nothing is approved that a
single approval would refuse. The secrecy review has no batch: it is judged one item at a time (逐项审查，
一事一审). Bounded: at most ``MAX_ITEMS`` ids, each once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import select

from db.models import Item
from workflow.access import APPROVER, Actor, require_role
from workflow.context import Gongkai
from workflow.errors import DomainError, ValidationFailed
from workflow.i18n import N_, gettext
from workflow.inputs import ID_MAX, json_object, parse_text
from workflow.item_spec import spec_of
from workflow.services import items as item_service
from workflow.services.publication import Preview, preview
from workflow.services.worklists import visible_filter

MAX_ITEMS = 50
OPINION_MAX = 5000
TRIGGER = "approve"
OPINION_LABEL = N_("审批意见")


@dataclass(frozen=True)
class BatchResult:
    """The outcome for one item: approved (``state`` it is in now: published, scheduled, or still in approval
    when its route needs more votes) or refused (``error`` code and ``message`` in the caller's language).
    ``title``: for the screen, when the caller may see the item."""

    id: int
    ok: bool
    state: str | None = None
    error: str | None = None
    message: str | None = None
    title: str | None = None
    publish_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """``{id, ok, state}`` or ``{id, ok, error, message}`` (docs/api.md)."""
        if self.ok:
            return {"id": self.id, "ok": True, "state": self.state}
        return {"id": self.id, "ok": False, "error": self.error, "message": self.message}


def parse_request(body: Mapping[str, Any]) -> tuple[list[int], str | None]:
    """``{items: [id…], opinion?}``: 1 to ``MAX_ITEMS`` distinct positive integers and an optional opinion text;
    anything else is ValidationFailed (422) naming the field."""
    json_object(body, ("items", "opinion"))
    raw = body.get("items")
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed("items 必须是非空的事项编号列表", code="invalid_type", field="items")
    if len(raw) > MAX_ITEMS:
        raise ValidationFailed("一次最多批准 %(max)d 项", code="too_many", field="items", max=MAX_ITEMS)
    if not all(isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= ID_MAX for value in raw):
        raise ValidationFailed("items 中的每一项都必须是 1 到 %(max)d 之间的整数", code="invalid_value", field="items",
                               max=ID_MAX)
    if len(set(raw)) != len(raw):
        raise ValidationFailed("items 中有重复的事项编号", code="duplicate", field="items")
    raw_opinion = body.get("opinion")
    if isinstance(raw_opinion, str) and len(raw_opinion) > OPINION_MAX:  # before trimming: as the document says
        raise ValidationFailed("%(label)s过长（最多 %(max)d 个字符）", code="too_long", field="opinion",
                               label=gettext(OPINION_LABEL), max=OPINION_MAX)
    opinion = parse_text(raw_opinion, "opinion", label=OPINION_LABEL, max_len=OPINION_MAX, required=False,
                         multiline=True)
    return list(raw), opinion


def takes_opinion(app: Gongkai) -> bool:
    """Whether ``approve`` declares an ``opinion`` input on this instance (otherwise an opinion is not sent)."""
    return "opinion" in spec_of(app).trigger(TRIGGER).field_names


def approve_many(app: Gongkai, actor: Actor, body: Mapping[str, Any]) -> list[BatchResult]:
    """Approve each item of ``body`` (``parse_request``) through the ``approve`` verb, in the order given; a
    refusal is that item's result, never the batch's. Forbidden (403) unless the actor is an approver at all.
    The opinion goes with each approval where ``approve`` takes one (``takes_opinion``)."""
    require_role(actor, APPROVER)  # before the body is read: who may not approve learns nothing about ids
    ids, opinion = parse_request(body)
    payload = {"opinion": opinion} if opinion is not None and takes_opinion(app) else {}
    results: list[BatchResult] = []
    for item_id in ids:
        try:
            item = item_service.transition(app, actor, item_id, TRIGGER, payload)
        except DomainError as error:  # this item's refusal; the next one is judged on its own
            results.append(BatchResult(item_id, False, error=error.code, message=error.message))
        else:
            results.append(BatchResult(item_id, True, state=item.state, title=item.title,
                                       publish_at=item.publish_at if item.state == "scheduled" else None))
    return _with_titles(app, actor, results)


@dataclass(frozen=True)
class BatchPreview:
    """One item of a batch about to be approved: what it would publish (``preview``), or why it would be
    refused now (``error``, ``message``). Confirming runs every check again."""

    id: int
    preview: Preview | None = None
    error: str | None = None
    message: str | None = None


def preview_many(app: Gongkai, actor: Actor, body: Mapping[str, Any]) -> list[BatchPreview]:
    """What approving each item of ``body`` would publish, where and when (``publication.preview``), for the
    confirmation page of a batch; the same bounds and the same 403 as ``approve_many``."""
    require_role(actor, APPROVER)
    ids, _opinion = parse_request(body)
    previews: list[BatchPreview] = []
    for item_id in ids:
        try:
            previews.append(BatchPreview(item_id, preview(app, actor, item_id, TRIGGER)))
        except DomainError as error:
            previews.append(BatchPreview(item_id, error=error.code, message=error.message))
    return previews


def _with_titles(app: Gongkai, actor: Actor, results: list[BatchResult]) -> list[BatchResult]:
    """The titles of the refused items the actor may see (one query), for the screen's result list."""
    refused = [result.id for result in results if not result.ok]
    if not refused:
        return results
    with app.db.read() as session:
        titles = dict(session.execute(select(Item.id, Item.title).where(Item.id.in_(refused), visible_filter(actor))).all())
    return [result if result.ok else BatchResult(result.id, False, error=result.error, message=result.message,
                                                 title=titles.get(result.id)) for result in results]


__all__ = ["BatchPreview", "BatchResult", "MAX_ITEMS", "approve_many", "parse_request", "preview_many", "takes_opinion"]
