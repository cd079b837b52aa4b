"""Inbox verbs: list, mark read, mail preferences; admin view of undeliverable mail."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

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


def unread_count(app: Gongkai, actor: Actor) -> int:
    """How many of the actor's notifications are unread (the header badge)."""
    with app.db.read() as session:
        return session.scalar(select(func.count(Notification.id)).where(
            Notification.user_id == actor.id, Notification.read_at.is_(None))) or 0


def mark_read(app: Gongkai, actor: Actor, notification_id: int) -> Notification:
    """Mark one of the actor's notifications read (idempotent)."""
    with app.db.write() as session:
        row = session.get(Notification, notification_id)
        if row is None or row.user_id != actor.id:
            raise NotFound("通知不存在", code="notification_not_found")
        if row.read_at is None:
            row.read_at = app.now()
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
