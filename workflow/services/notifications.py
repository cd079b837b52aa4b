"""Inbox verbs: list, mark read, mail preferences; admin view of undeliverable mail."""
from __future__ import annotations

from typing import Any

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select, update

from db.models import NOTIFY_PREFS, Notification, User
from workflow.access import ADMIN, Actor, require_role
from workflow.context import Gongkai
from workflow.views import iso
from workflow.errors import NotFound, ValidationFailed
from workflow.services.queries import Page, page_args


def inbox(app: Gongkai, actor: Actor, *, unread: bool = False, page: Any = None, per_page: Any = None) -> Page:
    """The actor's notifications, newest first."""
    page_no, size = page_args(app, page, per_page)
    with app.db.read() as session:
        query = select(Notification).where(Notification.user_id == actor.id)
        if unread:
            query = query.where(Notification.read_at.is_(None))
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                               .limit(size).offset((page_no - 1) * size)).all()
        return Page(rows, page_no, size, total)


@dataclass(frozen=True)
class InboxCard:
    """One card of the inbox: the latest message about one item (or one application) and how many came."""

    latest: Notification
    count: int   # messages about the same item (or application) on this card
    unread: int  # of which unread


# One card per item, per application; a message about neither is a card of its own.
_N = Notification
_CARD_KEY = (_N.item_id, _N.application_id,
             case((and_(_N.item_id.is_(None), _N.application_id.is_(None)), _N.id), else_=None))
_UNREAD = func.sum(case((_N.read_at.is_(None), 1), else_=0))


def inbox_cards(app: Gongkai, actor: Actor, *, unread: bool = False, page: Any = None, per_page: Any = None) -> Page:
    """The actor's inbox as cards, newest first: a reminder's three rungs, a submission, a nudge and a return
    about the same item are one card showing the latest (``InboxCard``), not a flood of cards."""
    page_no, size = page_args(app, page, per_page)
    with app.db.read() as session:
        cards = (select(func.max(_N.id).label("latest"), func.count().label("count"), _UNREAD.label("unread"))
                 .where(_N.user_id == actor.id).group_by(*_CARD_KEY))
        if unread:
            cards = cards.having(_UNREAD > 0)
        total = session.scalar(select(func.count()).select_from(cards.subquery())) or 0
        rows = session.execute(cards.order_by(func.max(_N.id).desc()).limit(size).offset((page_no - 1) * size)).all()
        latest = {n.id: n for n in session.scalars(select(_N).where(_N.id.in_([r.latest for r in rows])))}
        return Page([InboxCard(latest[r.latest], int(r.count), int(r.unread or 0)) for r in rows], page_no, size,
                    total)


def mark_all_read(app: Gongkai, actor: Actor) -> int:
    """Mark every unread message of the actor read (全部已读); returns how many."""
    with app.db.write() as session:
        return session.execute(update(Notification).where(Notification.user_id == actor.id,
                                                          Notification.read_at.is_(None))
                               .values(read_at=app.now()).execution_options(synchronize_session=False)).rowcount


def unread_count(app: Gongkai, actor: Actor) -> int:
    """How many of the actor's notifications are unread (the header badge)."""
    with app.db.read() as session:
        return session.scalar(select(func.count(Notification.id)).where(
            Notification.user_id == actor.id, Notification.read_at.is_(None))) or 0


def mark_read(app: Gongkai, actor: Actor, notification_id: int) -> Notification:
    """Mark one of the actor's notifications read (idempotent), and the earlier ones about the same item or
    application (they share its inbox card)."""
    with app.db.write() as session:
        row = session.get(Notification, notification_id)
        if row is None or row.user_id != actor.id:
            raise NotFound("通知不存在", code="notification_not_found")
        if row.read_at is None:
            row.read_at = app.now()
        # the inbox shows one card per item (or application): reading it reads the earlier messages on it
        same = _N.item_id == row.item_id if row.item_id is not None else \
            (_N.application_id == row.application_id if row.application_id is not None else None)
        if same is not None:
            session.execute(update(_N).where(_N.user_id == actor.id, same, _N.read_at.is_(None), _N.id < row.id)
                            .values(read_at=row.read_at).execution_options(synchronize_session=False))
        return row


def preferences(app: Gongkai, actor: Actor) -> dict[str, Any]:
    """The actor's mail preference and address."""
    with app.db.read() as session:
        user = session.get(User, actor.id)
        if user is None:
            raise NotFound("用户不存在")
        return {"notify_pref": user.notify_pref, "email": user.email}


def set_preferences(app: Gongkai, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Change ``notify_pref`` (instant / daily_digest / off)."""
    pref = data.get("notify_pref")
    if pref not in NOTIFY_PREFS:
        raise ValidationFailed("notify_pref 必须是 instant、daily_digest 或 off", code="invalid_value",
                               field="notify_pref")
    with app.db.write() as session:
        session.execute(update(User).where(User.id == actor.id).values(notify_pref=pref))
    return preferences(app, actor)


def notification_to_dict(row: Notification) -> dict[str, Any]:
    """JSON form of one inbox entry."""
    return {"id": row.id, "kind": row.kind, "item_id": row.item_id, "application_id": row.application_id,
            "title": row.title, "body": row.body, "created_at": iso(row.created_at), "read_at": iso(row.read_at)}


def mail_failures(app: Gongkai, actor: Actor) -> list[dict[str, Any]]:
    """Admin: mail given up after the retries."""
    require_role(actor, ADMIN)
    from workflow.mailer import mail_failures as failures
    return failures(app)


def retry_mail(app: Gongkai, actor: Actor, mail_id: int) -> None:
    """Admin: queue a failed mail again (after fixing the address or the SMTP settings)."""
    require_role(actor, ADMIN)
    from workflow.mailer import retry_failed
    if not retry_failed(app, mail_id, actor):
        raise NotFound("没有这封发送失败的邮件", code="mail_not_found")
