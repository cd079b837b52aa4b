"""E-mail: queue (instant or daily digest), deliver over SMTP, retry with back-off, never lose.

* ``queue_instant`` turns pending inbox rows of users who chose ``instant`` into one outbox
  mail each (key ``mail:<notification key>``) — only on working days.
* ``queue_digest`` builds one mail per user (key ``digest:<user>:<date>``) listing every
  notification not yet mailed — on working days, at the digest time (09:00 Asia/Shanghai);
  instant mail held over a rest day goes out with it.
* ``deliver`` sends due outbox rows. Each row is claimed first (conditional UPDATE) so two
  scheduler processes do not send it twice; a failure increments ``attempts`` and sets
  ``next_attempt_at`` (exponential back-off); after ``mail.max_attempts`` the row is
  ``failed`` and listed for admins. Nothing is delivered on non-working days.
"""
from __future__ import annotations

import hashlib
import logging
import re
import smtplib
import ssl
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.errors import MessageError
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select, text, update

from db.models import Notification, OutboxMail, User
from workflow import links
from workflow.clock import SHANGHAI, local_date
from workflow.i18n import N_, _
from workflow.notifications import insert_ignore

if TYPE_CHECKING:
    from workflow.context import Gongkai

LEASE = timedelta(minutes=5)
log = logging.getLogger(__name__)
MAIL_LOCK_KEY = 0x6E6B_4D41  # advisory lock serialising queueing across scheduler processes


@dataclass(frozen=True)
class MailSettings:
    """``[mail]`` in config/default.toml."""

    host: str
    port: int
    security: str
    username: str
    password: str
    sender: str
    max_attempts: int
    retry_base_seconds: int
    timeout: float = 10.0

    @classmethod
    def of(cls, app: "Gongkai") -> "MailSettings":
        get = app.settings.get
        return cls(str(get("mail.host", "127.0.0.1")), int(get("mail.port", 25)), str(get("mail.security", "none")),
                   str(get("mail.username", "") or ""), str(get("mail.password", "") or ""),
                   str(get("mail.sender", "gongkai@localhost")), int(get("mail.max_attempts", 6)),
                   int(get("mail.retry_base_seconds", 60)), float(get("mail.timeout_seconds", 10)))


def message_id(key: str, sender: str) -> str:
    """A stable Message-ID derived from the idempotency key (receivers can de-duplicate)."""
    domain = header_text(sender).rsplit("@", 1)[-1].strip(" <>") if "@" in sender else "gongkai.local"
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@{domain}>"


def is_mail_day(app: "Gongkai", now: datetime) -> bool:
    """Mail goes out only on working days (Asia/Shanghai)."""
    return bool(app.calendar.is_workday(local_date(now)))


def _lock(app: "Gongkai", session: Any) -> None:
    if app.db.is_postgres:
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MAIL_LOCK_KEY})


def _queue(session: Any, rows: list[dict[str, Any]]) -> set[str]:
    if not rows:
        return set()
    statement = insert_ignore(session, OutboxMail.__table__).returning(OutboxMail.idempotency_key)
    return {row[0] for row in session.execute(statement, rows)}


def _outbox_row(key: str, user_id: int, to: str, subject: str, body: str, kind: str, now: datetime) -> dict[str, Any]:
    return {"idempotency_key": key[:200], "user_id": user_id, "to_addr": to, "subject": header_text(subject), "body": body,
            "kind": kind, "state": "queued", "attempts": 0, "next_attempt_at": now, "claimed_at": None,
            "last_error": None, "created_at": now, "sent_at": None}


def _signature(app: "Gongkai") -> str:
    return "\n\n--\n" + _("%(name)s 信息公开工作平台（本邮件由系统自动发送）",
                          name=app.settings.get("institution.name", ""))


def queue_instant(app: "Gongkai", now: datetime | None = None, limit: int = 1000) -> int:
    """Queue one mail per pending notification of ``instant`` users; 0 on rest days."""
    now = now or app.now()
    if not is_mail_day(app, now):
        return 0
    with app.db.write() as session:
        _lock(app, session)
        rows = session.execute(
            select(Notification.id, Notification.idempotency_key, Notification.title, Notification.body,
                   User.id, User.email)
            .join(User, User.id == Notification.user_id)
            .where(Notification.mail_status == "pending", User.notify_pref == "instant")
            .order_by(Notification.id).limit(limit)).all()
        mails = [_outbox_row(f"mail:{key}", uid, email, title, body + _signature(app), "instant", now)
                 for _nid, key, title, body, uid, email in rows if email]
        _queue(session, mails)
        if rows:
            session.execute(update(Notification).where(Notification.id.in_([r[0] for r in rows]))
                            .values(mail_status="queued"))
        return len(mails)


def queue_digest(app: "Gongkai", now: datetime | None = None) -> int:
    """One digest per user with unmailed notifications; nothing on rest days. Returns mails queued."""
    now = now or app.now()
    if not is_mail_day(app, now):
        return 0
    day = local_date(now)
    queued = 0
    with app.db.write() as session:
        _lock(app, session)
        rows = session.execute(
            select(Notification.id, Notification.title, Notification.created_at, User.id, User.email,
                   User.notify_pref)
            .join(User, User.id == Notification.user_id)
            .where(Notification.mail_status == "pending", Notification.created_at <= now)
            .order_by(User.id, Notification.id)).all()
        by_user: dict[int, list[Any]] = defaultdict(list)
        silent: list[int] = []
        for row in rows:
            if row.notify_pref == "off" or not row.email:
                silent.append(row[0])
            else:
                by_user[row[3]].append(row)
        done: list[int] = []
        for user_id, items in by_user.items():
            key = f"digest:{user_id}:{day.isoformat()}"
            subject = _("【信息公开】%(date)s 待办提醒（%(n)s 条）", date=day.isoformat(), n=len(items))
            lines = [_("您有以下新的提醒：")] + [
                f"{i}. [{row.created_at.astimezone(SHANGHAI):%m-%d %H:%M}] {row.title}"
                for i, row in enumerate(items, 1)]
            lines.append(_("请登录平台查看：%(link)s", link=links.public_url(app.settings, "/inbox")))
            if _queue(session, [_outbox_row(key, user_id, items[0].email, subject, "\n".join(lines)
                                            + _signature(app), "digest", now)]):
                queued += 1
                done.extend(row[0] for row in items)
        if done:
            session.execute(update(Notification).where(Notification.id.in_(done)).values(mail_status="queued"))
        if silent:
            session.execute(update(Notification).where(Notification.id.in_(silent)).values(mail_status="none"))
    return queued


class MailBuildError(ValueError):
    """An outbox row that can never become a valid message (a bad address …); not retried."""


# CR, LF and every other control or separator character a header value must not carry: a
# CR/LF would end the header (header injection), the others make the value unreadable.
_HEADER_UNSAFE_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]+")


def header_text(value: object, limit: int = 300) -> str:
    """A single-line header value: control characters (CR/LF included) become one space."""
    text = _HEADER_UNSAFE_RE.sub(" ", str(value or ""))
    return " ".join(text.split())[:limit]


def header_address(value: str, field: str) -> str:
    """One mailbox (``a@b`` or ``名字 <a@b>``) for ``field``, parsed strictly.

    ``email`` silently keeps the parsable prefix of a malformed list (``a@b Bcc: x@y`` becomes
    ``a@b``), so any defect, or anything but exactly one complete address, is refused.
    """
    cleaned = header_text(value, 1000)
    try:
        header = policy.default.header_factory(field, cleaned)
        addresses = header.addresses
    except (MessageError, ValueError, TypeError, IndexError) as error:
        raise MailBuildError(_("邮件地址无效（%(field)s）：%(value)s", field=field, value=cleaned[:100])) from error
    if (header.defects or len(addresses) != 1 or not addresses[0].username or not addresses[0].domain
            or _HEADER_UNSAFE_RE.search(str(value or ""))):  # a CR/LF in an address is an injection, not a typo
        raise MailBuildError(_("邮件地址无效（%(field)s）：%(value)s", field=field, value=cleaned[:100]))
    return str(header)


def build_message(mail: OutboxMail, settings: MailSettings, now: datetime) -> EmailMessage:
    """The MIME message of one outbox row (UTF-8 subject and body).

    Every header value is made single-line first (a CR/LF in an item title must not end the
    Subject header); addresses must parse exactly. Raises :class:`MailBuildError` when the row
    cannot become a message; ``deliver`` then fails that mail alone.
    """
    message = EmailMessage(policy=policy.SMTP)
    try:
        message["From"] = header_address(settings.sender, "From")
        message["To"] = header_address(mail.to_addr, "To")
        message["Subject"] = header_text(mail.subject)
        message["Message-ID"] = message_id(mail.idempotency_key, settings.sender)
        message["Date"] = format_datetime(now.astimezone(SHANGHAI))
        message["X-Gongkai-Key"] = header_text(mail.idempotency_key)
        # A lone surrogate (from a pasted title) cannot be encoded: show U+FFFD, do not fail.
        body = (mail.body or "").encode("utf-8", "replace").decode("utf-8")
        message.set_content(body, charset="utf-8")
        message.as_bytes()  # a value the policy cannot fold fails here, not inside the SMTP session
    except MailBuildError:
        raise
    except (MessageError, ValueError, TypeError, UnicodeError, IndexError) as error:
        raise MailBuildError(_("无法生成邮件：%(error)s", error=f"{type(error).__name__}: {error}"[:300])) from error
    return message


def _connect(settings: MailSettings) -> smtplib.SMTP:
    if settings.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                                context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.security == "starttls":
            client.starttls(context=ssl.create_default_context())
    if settings.username:
        client.login(settings.username, settings.password)
    return client


@dataclass
class DeliveryResult:
    """What one delivery run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


def claim(app: "Gongkai", now: datetime, limit: int, channels: tuple[str, ...] = ("email",)) -> list[int]:
    """Take up to ``limit`` due outbox rows of ``channels`` for this process (``state='sending'``): a row is
    taken by one process only (SKIP LOCKED, then a conditional UPDATE); one left ``sending`` past the lease
    is taken over. E-mail is this module's; the 企业微信 / 钉钉 rows are ``workflow.messaging.deliver``'s."""
    due = and_(OutboxMail.channel.in_(channels),
               or_(and_(OutboxMail.state == "queued", OutboxMail.next_attempt_at <= now),
                   and_(OutboxMail.state == "sending", OutboxMail.claimed_at < now - LEASE)))
    with app.db.write() as session:
        pick = select(OutboxMail.id).where(due).order_by(OutboxMail.next_attempt_at).limit(limit)
        if app.db.is_postgres:
            pick = pick.with_for_update(skip_locked=True)
        picked = session.execute(pick.add_columns(OutboxMail.state, OutboxMail.claimed_at)).all()
        if not picked:
            return []
        ids = [row.id for row in picked]
        abandoned = [row for row in picked if row.state == "sending"]
        if abandoned:  # a sender died or hung past the lease: the mail is taken over (it may go out twice)
            log.warning("lease reclaim: %d mail(s) left 'sending' since %s taken over at %s: ids %s",
                        len(abandoned), min(row.claimed_at for row in abandoned).isoformat(), now.isoformat(),
                        [row.id for row in abandoned][:50])
        result = session.execute(update(OutboxMail).where(OutboxMail.id.in_(ids), due)
                                 .values(state="sending", claimed_at=now).returning(OutboxMail.id))
        return sorted(row[0] for row in result)


def deliver(app: "Gongkai", now: datetime | None = None, limit: int = 200) -> DeliveryResult:
    """Send due outbox mail over SMTP; failures are retried later with exponential back-off."""
    now = now or app.now()
    result = DeliveryResult()
    if not is_mail_day(app, now):
        return result
    settings = MailSettings.of(app)
    ids = claim(app, now, limit)
    if not ids:
        return result
    from workflow import shutdown
    shutdown.hold_mail(ids)  # handed back at once if this process is stopped meanwhile
    with app.db.read() as session:
        mails = list(session.scalars(select(OutboxMail).where(OutboxMail.id.in_(ids)).order_by(OutboxMail.id)))
    client: smtplib.SMTP | None = None
    try:
        for mail in mails:
            if shutdown.stop_requested():  # stopping: the rest goes back to the queue for another scheduler
                shutdown.release_mail(app, [m.id for m in mails if m.id >= mail.id])
                break
            try:
                message = build_message(mail, settings, now)
            except MailBuildError as error:
                # Retrying cannot help: this mail fails now, alone, and is listed for admins.
                with app.db.write() as session:
                    session.execute(update(OutboxMail).where(OutboxMail.id == mail.id, OutboxMail.state == "sending")
                                    .values(state="failed", attempts=mail.attempts + 1, last_error=str(error)[:1000]))
                result.failed += 1
                continue
            try:
                if client is None:
                    client = _connect(settings)
                client.send_message(message)
                outcome: dict[str, Any] = {"state": "sent", "sent_at": now, "attempts": mail.attempts + 1,
                                           "last_error": None}
                result.sent += 1
            except (OSError, smtplib.SMTPException, ValueError, UnicodeError) as error:
                client = _drop(client)
                attempts = mail.attempts + 1
                give_up = attempts >= settings.max_attempts
                delay = timedelta(seconds=settings.retry_base_seconds * 2 ** (attempts - 1))
                outcome = {"state": "failed" if give_up else "queued", "attempts": attempts,
                           "next_attempt_at": now + delay, "last_error": f"{type(error).__name__}: {error}"[:1000]}
                result.failed += give_up
                result.retried += not give_up
            with app.db.write() as session:
                session.execute(update(OutboxMail).where(OutboxMail.id == mail.id, OutboxMail.state == "sending")
                                .values(**outcome))
            shutdown.settle_mail([mail.id])
    finally:
        _drop(client)
    return result


def _drop(client: smtplib.SMTP | None) -> None:
    if client is not None:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return None


# How admins see each outbox channel (workflow.messaging adds the IM ones).
CHANNEL_LABELS = {"email": N_("邮件"), "wecom": N_("企业微信"), "wecom_robot": N_("企业微信群机器人"),
                  "dingtalk": N_("钉钉"), "dingtalk_robot": N_("钉钉群机器人")}


def mail_failures(app: "Gongkai", limit: int = 200) -> list[dict[str, Any]]:
    """Mails and IM messages given up after their retries (for admins), newest first; ``channel_label``
    names the channel in words."""
    with app.db.read() as session:
        rows = session.scalars(select(OutboxMail).where(OutboxMail.state == "failed")
                               .order_by(OutboxMail.id.desc()).limit(limit))
        return [{"id": m.id, "to": m.to_addr, "subject": m.subject, "kind": m.kind, "attempts": m.attempts,
                 "last_error": m.last_error, "created_at": m.created_at.isoformat(),
                 "key": m.idempotency_key, "channel": m.channel,
                 "channel_label": _(CHANNEL_LABELS.get(m.channel, m.channel))} for m in rows]


def retry_failed(app: "Gongkai", mail_id: int, actor: Any = None) -> bool:
    """Put a failed mail back in the queue (admin action, audited); False if there is none."""
    from workflow import audit
    now = app.now()
    with app.db.write() as session:
        done = session.execute(update(OutboxMail).where(OutboxMail.id == mail_id, OutboxMail.state == "failed")
                               .values(state="queued", attempts=0, next_attempt_at=now)).rowcount
        if done:
            audit.append(session, at=now, actor=actor, subject=f"mail:{mail_id}", action="mail_retry")
    return bool(done)
