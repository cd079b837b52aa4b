"""Inbox rows → IM outbox rows: instant (every sweep), or one daily digest; nothing on rest days.

* ``queue_instant`` takes notifications with ``im_status = 'pending'``: a person who chose ``instant`` gets
  one outbox row per channel they can be reached on (key ``im:<channel>:<notification key>``); a person on
  ``daily_digest`` has the row held (``digest``); someone unreachable (no userid, IM switched off, ``off``)
  is ``none``. A reminder of an item whose department has a group robot also goes to that group, once per
  reminder (key ``robot:<channel>:<department>:<reminder key>``).
* ``queue_digest`` builds one row per person and channel and day (key ``im-digest:<channel>:<user>:<date>``)
  from everything held — instant rows held over a rest day included.

The unique outbox key makes every row exactly once, whatever the number of scheduler processes.
"""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import aliased

from db.models import Department, Item, Notification, OutboxMail, User
from workflow.clock import local_date
from workflow.i18n import _
from workflow.mailer import is_mail_day
from workflow.messaging import texts
from workflow.messaging.config import NotifySettings
from workflow.notifications import insert_ignore

if TYPE_CHECKING:
    from workflow.context import Gongkai

IM_LOCK_KEY = 0x6E6B_494D  # advisory lock serialising IM queueing across scheduler processes
_PER_USER = re.compile(r":u\d+$")


def _lock(app: "Gongkai", session: Any) -> None:
    if app.db.is_postgres:
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": IM_LOCK_KEY})


def _row(key: str, channel: str, user_id: int | None, to: str, subject: str, body: str, link: str, kind: str,
         now: datetime) -> dict[str, Any]:
    return {"idempotency_key": key[:200], "channel": channel, "user_id": user_id, "to_addr": to[:254],
            "subject": subject[:300], "body": body, "link": link[:1000], "kind": kind, "state": "queued",
            "attempts": 0, "next_attempt_at": now, "claimed_at": None, "last_error": None, "created_at": now,
            "sent_at": None}


def _insert(session: Any, rows: list[dict[str, Any]]) -> set[str]:
    """The keys of the rows really inserted (a key already in the outbox is ignored)."""
    if not rows:
        return set()
    statement = insert_ignore(session, OutboxMail.__table__, returning=("idempotency_key",))
    return {row[0] for row in session.execute(statement, rows)}


def person_channels(settings: NotifySettings, row: Any) -> list[tuple[str, str]]:
    """``(channel, userid)`` a person can be reached on now (enabled platform, userid set, IM wanted)."""
    if not row.im_enabled or row.notify_pref == "off":
        return []
    found = []
    if settings.wecom.enabled and row.wecom_userid:
        found.append(("wecom", row.wecom_userid))
    if settings.dingtalk.enabled and row.dingtalk_userid:
        found.append(("dingtalk", row.dingtalk_userid))
    return found


def card_body(lines: list[str]) -> str:
    """The stored text of a person's card: one line per fact (each client renders it its own way)."""
    return "\n".join(lines)


def _pending(session: Any, statuses: tuple[str, ...], now: datetime, limit: int) -> list[Any]:
    item = aliased(Item)
    return list(session.execute(
        select(Notification.id, Notification.idempotency_key, Notification.kind, Notification.title,
               Notification.body, Notification.item_id, Notification.application_id, Notification.created_at,
               User.id.label("user_id"), User.notify_pref, User.im_enabled, User.wecom_userid, User.dingtalk_userid,
               item.title.label("item_title"), item.state.label("item_state"), item.stage_due,
               Department.code.label("department_code"))
        .join(User, User.id == Notification.user_id)
        .outerjoin(item, item.id == Notification.item_id)
        .outerjoin(Department, Department.id == item.department_id)
        .where(Notification.im_status.in_(statuses), Notification.created_at <= now)
        .order_by(Notification.id).limit(limit)).all())


def _robot_rows(app: "Gongkai", settings: NotifySettings, row: Any, now: datetime) -> list[dict[str, Any]]:
    if row.kind not in settings.robot_kinds or row.item_id is None or not row.department_code:
        return []
    link = texts.deep_link(app.settings, row.item_id, None)
    base = _PER_USER.sub("", row.idempotency_key)
    out = []
    for channel in ("wecom_robot", "dingtalk_robot"):
        if settings.platform(channel).robot(row.department_code) is None:
            continue
        body = texts.robot_text(row.title, texts.facts(row), link)
        out.append(_row(f"robot:{channel}:{row.department_code}:{base}", channel, None, row.department_code,
                        row.title, body, link, "robot", now))
    return out


def queue_instant(app: "Gongkai", now: datetime | None = None, limit: int = 1000) -> int:
    """Queue IM rows for pending notifications (instant people, department groups); 0 on rest days."""
    now = now or app.now()
    settings = NotifySettings.of(app)
    if not settings.any_channel:  # nothing configured: inbox rows are not kept waiting for IM
        with app.db.write() as session:
            session.execute(update(Notification).where(Notification.im_status.in_(("pending", "digest")))
                            .values(im_status="none"))
        return 0
    if not is_mail_day(app, now):
        return 0
    with app.db.write() as session:
        _lock(app, session)
        rows = _pending(session, ("pending",), now, limit)
        outbox: list[dict[str, Any]] = []
        status: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            outbox += _robot_rows(app, settings, row, now)
            channels = person_channels(settings, row)
            if not channels:
                status["none"].append(row.id)
            elif row.notify_pref != "instant":
                status["digest"].append(row.id)
            else:
                link = texts.deep_link(app.settings, row.item_id, row.application_id)
                body = card_body(texts.facts(row))
                outbox += [_row(f"im:{channel}:{row.idempotency_key}", channel, row.user_id, userid, row.title,
                                body, link, "instant", now) for channel, userid in channels]
                status["queued"].append(row.id)
        queued = len(_insert(session, outbox))
        for value, ids in status.items():
            session.execute(update(Notification).where(Notification.id.in_(ids)).values(im_status=value))
        return queued


def queue_digest(app: "Gongkai", now: datetime | None = None) -> int:
    """One IM digest per person and channel with held notifications; nothing on rest days."""
    now = now or app.now()
    queue_instant(app, now, limit=100_000)  # classify what is still pending first
    settings = NotifySettings.of(app)
    if not settings.any_channel or not is_mail_day(app, now):
        return 0
    day = local_date(now)
    with app.db.write() as session:
        _lock(app, session)
        rows = _pending(session, ("digest",), now, 100_000)
        by_user: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            by_user[row.user_id].append(row)
        outbox: list[dict[str, Any]] = []
        silent: list[int] = []
        keys: dict[int, set[str]] = defaultdict(set)  # user → the digest keys made for them
        for user_id, items in by_user.items():
            channels = person_channels(settings, items[0])
            if not channels:
                silent += [row.id for row in items]
                continue
            title = _("【信息公开】%(date)s 待办提醒（%(n)s 条）", date=texts.plain_date(day), n=len(items))
            link = texts.deep_link(app.settings, None, None)
            for channel, userid in channels:
                key = f"im-digest:{channel}:{user_id}:{day.isoformat()}"
                keys[user_id].add(key)
                outbox.append(_row(key, channel, user_id, userid, title, card_body(texts.digest_lines(items)), link,
                                   "digest", now))
        inserted = _insert(session, outbox)
        # Only what went into a digest made now is done: when today's digest was made already (a second run),
        # the rest stays held for the next working day's, not marked sent unseen.
        held = [row.id for row in rows if keys[row.user_id] & inserted]
        if held:
            session.execute(update(Notification).where(Notification.id.in_(held)).values(im_status="queued"))
        if silent:
            session.execute(update(Notification).where(Notification.id.in_(silent)).values(im_status="none"))
        return len(inserted)

