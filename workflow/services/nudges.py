"""催办: the 信息公开办公室, or the person who submitted an item, nudges the people holding it.

Who is nudged is who holds the item now (``workflow.holders``: the drafter of a draft, the deciders who
still owe the active step a vote, the stage's role holders on the default route). Each person is nudged
about an item at most once per **working day** — a nudge on a rest day counts for the next working day —
and the database keeps the count (``nudges``: UNIQUE item, person, working day), so concurrent clicks
send one message. The message goes through the inbox (and so e-mail, by each person's preference), and
the nudge is audited (``nudge``: who was nudged, the message). When everyone holding the item was nudged
that working day already, the answer is 429 with ``next_allowed_at`` (the start of the next working day).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.insert_ignore import insert_ignore
from db.models import Department, Item
from db.models.nudges import Nudge
from workflow import audit
from workflow.access import Actor
from workflow.clock import SHANGHAI, local_date
from workflow.context import Gongkai
from workflow.errors import Conflict, Forbidden, NotFound, RateLimited
from workflow.holders import Holder, holdings
from workflow.i18n import gettext as _
from workflow.inputs import parse_text
from workflow.item_spec import spec_of
from workflow.notifications import Directory, item_link, notify
from workflow.services.items import load_visible, write_transaction

MAX_MESSAGE = 500
MAX_ITEMS_PER_DEPARTMENT = 500
_INSERT = insert_ignore(Nudge.__table__).returning(Nudge.__table__.c.user_id)


@dataclass
class NudgeResult:
    """What one nudge of one item did: who was told now, who had been told this working day already."""

    item_id: int
    nudged: list[Holder] = field(default_factory=list)
    already: list[Holder] = field(default_factory=list)
    next_allowed_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """The API body (``POST /api/v1/items/{id}/nudge``)."""
        return {"item": self.item_id, "nudged": [h.to_json() for h in self.nudged],
                "already": [h.to_json() for h in self.already],
                "next_allowed_at": self.next_allowed_at.isoformat() if self.next_allowed_at else None}


def nudge_workday(app: Gongkai, now: datetime) -> date:
    """The working day a nudge at ``now`` counts for: today, or the next working day on a rest day."""
    return app.calendar.next_workday(local_date(now), inclusive=True)


def next_allowed(app: Gongkai, workday: date) -> datetime:
    """When the next nudge is allowed after one counted for ``workday``: the start of the next working day."""
    return datetime.combine(app.calendar.next_workday(workday), time(0, 0), tzinfo=SHANGHAI)


def _message(data: Any) -> str | None:
    return parse_text(data.get("message") if isinstance(data, dict) else None, "message", label="催办说明",
                      max_len=MAX_MESSAGE, required=False, multiline=True)


def nudge_item(app: Gongkai, actor: Actor, item_id: int, data: Any = None) -> NudgeResult:
    """Nudge the people holding ``item_id`` (admins, or the submitter of its current revision); 429 when all
    of them were nudged about it this working day already."""
    message = _message(data or {})
    now = app.now()
    with write_transaction(app) as session:
        item = load_visible(session, actor, item_id)
        if not (actor.is_admin or (actor.id is not None and actor.id == item.submitted_by_id)):
            raise Forbidden("只有信息公开办公室或本稿的提交人可以催办", code="forbidden")
        result = _nudge(app, session, actor, item, now, message)
        if not result.nudged:
            if not result.already:
                raise Conflict("该事项当前没有待处理人，无需催办", code="nobody_to_nudge")
            raise RateLimited("今天已催办过（%(names)s），每人每个工作日只催办一次；下次可催办时间：%(next)s",
                              code="already_nudged", names="、".join(h.name for h in result.already),
                              next=result.next_allowed_at.strftime("%Y-%m-%d %H:%M") if result.next_allowed_at else "",
                              details={"next_allowed_at": result.next_allowed_at.isoformat()
                                       if result.next_allowed_at else None})
        return result


def nudge_overdue(app: Gongkai, actor: Actor, department: str, data: Any = None) -> list[NudgeResult]:
    """Admins: nudge the holders of every overdue open item of ``department`` (each item audited on its own;
    people nudged about an item this working day already are skipped)."""
    if not actor.is_admin:
        raise Forbidden("只有信息公开办公室可以批量催办", code="forbidden")
    message = _message(data or {})
    now = app.now()
    with write_transaction(app) as session:
        department_id = session.scalar(select(Department.id).where(Department.code == department))
        if department_id is None:
            raise NotFound("部门不存在", code="department_not_found")
        overdue = session.scalars(select(Item).where(
            Item.department_id == department_id, Item.state.in_(spec_of(app).open_states), Item.stage_due < now)
            .order_by(Item.stage_due, Item.id).limit(MAX_ITEMS_PER_DEPARTMENT)).all()
        return [_nudge(app, session, actor, item, now, message, holders) for item, holders in
                _with_holders(session, overdue)]


def _with_holders(session: Session, items: Sequence[Item]) -> list[tuple[Item, tuple[Holder, ...]]]:
    held = holdings(session, items)
    return [(item, held[item.id].people) for item in items]


def _nudge(app: Gongkai, session: Session, actor: Actor, item: Item, now: datetime, message: str | None,
           holders: tuple[Holder, ...] | None = None) -> NudgeResult:
    people = holders if holders is not None else holdings(session, [item])[item.id].people
    people = tuple(h for h in people if h.username != actor.username)  # nobody nudges themselves
    workday = nudge_workday(app, now)
    result = NudgeResult(item.id, next_allowed_at=next_allowed(app, workday))
    if not people:
        return result
    recipients = {r.username: r for r in Directory(session).users([h.user_id for h in people])}
    rows = [{"item_id": item.id, "user_id": recipients[h.username].id, "by_id": actor.id, "workday": workday,
             "at": now, "message": message} for h in people if h.username in recipients]
    inserted = {row[0] for row in session.execute(_INSERT, rows)} if rows else set()
    for holder in people:
        person = recipients.get(holder.username)
        (result.nudged if person is not None and person.id in inserted else result.already).append(holder)
    if result.nudged:
        told = [recipients[h.username] for h in result.nudged]
        title, body = _text(app, item, actor, message)
        notify(session, told, kind="nudge", key=f"nudge:{item.id}:{workday.isoformat()}", title=title, body=body,
               now=now, item_id=item.id)
        audit.append(session, at=now, actor=actor, subject=f"item:{item.id}", item_id=item.id, action="nudge",
                     data={"to": [h.username for h in result.nudged], **({"message": message} if message else {})})
    return result


def _text(app: Gongkai, item: Item, actor: Actor, message: str | None) -> tuple[str, str]:
    params = {"title": item.title or "", "by": actor.username, "link": item_link(app, item.id),
              "note": message or ""}
    title = _("催办：《%(title)s》", **params)
    body = _("%(by)s 提醒您尽快处理事项《%(title)s》。", **params)
    if message:
        body += "\n" + _("说明：%(note)s", **params)
    return title, body + "\n" + _("查看：%(link)s", **params)


__all__ = ["NudgeResult", "next_allowed", "nudge_item", "nudge_overdue", "nudge_workday"]
