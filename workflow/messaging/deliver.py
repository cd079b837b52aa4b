"""Send due IM outbox rows: claimed like mail (conditional UPDATE, SKIP LOCKED), retried with back-off.

A temporary failure (network, timeout, HTTP 5xx, an unexpected errcode) counts an attempt and waits
``notify.retry_base_seconds * 2^(attempts-1)``; after ``notify.max_attempts`` the row is ``failed`` and
listed for admins beside failed mail. A rate limit (企业微信 45009/45033, 钉钉 90018, HTTP 429) is not a
failure: the row and the rest of that channel's batch wait (Retry-After, else a minute). A permanent
failure (an unknown userid, a channel not configured) fails the row at once with the reason. Nothing is
sent on rest days.

A claim is good for ``mailer.LEASE``: before each send the row's claim is renewed, only if it is still ours
(another scheduler may have taken it over), and a run that has used half the lease hands the rest back to the
queue, so a slow platform never lets two schedulers send the same row. An error stored for admins never
holds a URL query (credentials travel there).
"""
from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from db.models import OutboxMail
from workflow.mailer import LEASE, claim, is_mail_day
from workflow.messaging.config import IM_CHANNELS, NotifySettings
from workflow.messaging.dingtalk import DingtalkClient
from workflow.messaging.http import PermanentError, RateLimited, SendError, redact
from workflow.messaging.texts import markdown_plain
from workflow.messaging.wecom import WecomClient

if TYPE_CHECKING:
    from workflow.context import Gongkai

log = logging.getLogger(__name__)


@dataclass
class DeliveryResult:
    """What one IM delivery run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0  # rate-limited: waiting, not failed
    released: int = 0  # handed back unsent: the run outlasted half the lease
    lost: int = 0  # taken over by another scheduler meanwhile: not sent by this run


DESCRIPTION_BYTES = 512  # 企业微信 textcard: description at most 512 bytes


def wecom_description(body: str) -> str:
    """A textcard description: one ``<div>`` per line (the card renders these; the text escaped), whole lines
    only up to the 512-byte limit (a line cut inside its tag would show as markup)."""
    out, used = [], 0
    for line in (line for line in body.splitlines() if line.strip()):
        part = f'<div class="normal">{html.escape(line)}</div>'
        size = len(part.encode("utf-8"))
        if used + size > DESCRIPTION_BYTES:
            break
        out.append(part)
        used += size
    return "".join(out)


def dingtalk_markdown(title: str, body: str) -> str:
    """An action card's markdown: the title as a heading, then one paragraph per line (both shown as typed)."""
    return "\n\n".join([f"### {markdown_plain(title)}"]
                       + [markdown_plain(line) for line in body.splitlines() if line.strip()])


class Senders:
    """The platform clients of one delivery run (built when first needed: one token read per run)."""

    def __init__(self, app: "Gongkai", settings: NotifySettings):
        self.app, self.settings = app, settings
        self._wecom: WecomClient | None = None
        self._dingtalk: DingtalkClient | None = None

    @property
    def wecom(self) -> WecomClient:
        if self._wecom is None:
            self._wecom = WecomClient(self.app, self.settings.wecom)
        return self._wecom

    @property
    def dingtalk(self) -> DingtalkClient:
        if self._dingtalk is None:
            self._dingtalk = DingtalkClient(self.app, self.settings.dingtalk)
        return self._dingtalk

    def send(self, row: OutboxMail) -> None:
        """Deliver one outbox row on its channel (raises the errors of workflow.messaging.http)."""
        link = row.link or ""
        if row.channel == "wecom":
            self.wecom.send_card(row.to_addr, row.subject, wecom_description(row.body), link)
        elif row.channel == "dingtalk":
            self.dingtalk.send_card(row.to_addr, row.subject, dingtalk_markdown(row.subject, row.body), link)
        elif row.channel == "wecom_robot":
            self.wecom.send_robot(row.to_addr, row.body)
        elif row.channel == "dingtalk_robot":
            self.dingtalk.send_robot(row.to_addr, row.subject, row.body)
        else:
            raise PermanentError(f"unknown channel {row.channel}")


def deliver(app: "Gongkai", now: datetime | None = None, limit: int = 200) -> DeliveryResult:
    """Send due IM outbox rows; see the module docstring for what a failure does."""
    now = now or app.now()
    result = DeliveryResult()
    if not is_mail_day(app, now):
        return result
    # The lease runs from the moment of claiming (a sweep's ``now`` may be minutes old after its e-mail).
    claimed_at = max(now, app.now())
    ids = claim(app, claimed_at, limit, tuple(IM_CHANNELS))
    if not ids:
        return result
    from workflow import shutdown
    shutdown.hold_mail(ids)  # handed back at once if this process is stopped meanwhile
    settings = NotifySettings.of(app)
    senders = Senders(app, settings)
    with app.db.read() as session:
        rows = list(session.scalars(select(OutboxMail).where(OutboxMail.id.in_(ids)).order_by(OutboxMail.id)))
    paused: dict[str, datetime] = {}  # platform → until when it asked us to wait
    for row in rows:
        if shutdown.stop_requested():
            shutdown.release_mail(app, [r.id for r in rows if r.id >= row.id])
            break
        if app.now() - claimed_at > LEASE / 2:  # a send may take several timeouts: stop well before the lease ends
            result.released += _hand_back(app, [r.id for r in rows if r.id >= row.id], claimed_at)
            break
        if not _renew(app, row.id, claimed_at):  # taken over by another scheduler past the lease: it sends it
            result.lost += 1
            shutdown.settle_mail([row.id])
            continue
        platform = row.channel.split("_")[0]
        outcome: dict[str, Any]
        if platform in paused:
            outcome = {"state": "queued", "next_attempt_at": paused[platform]}
            result.deferred += 1
        else:
            try:
                senders.send(row)
                outcome = {"state": "sent", "sent_at": now, "attempts": row.attempts + 1, "last_error": None}
                result.sent += 1
            except RateLimited as error:
                paused[platform] = now + timedelta(seconds=error.retry_after)
                outcome = {"state": "queued", "next_attempt_at": paused[platform], "last_error": redact(str(error))[:1000]}
                result.deferred += 1
            except PermanentError as error:
                outcome = {"state": "failed", "attempts": row.attempts + 1, "last_error": redact(str(error))[:1000]}
                result.failed += 1
            except SendError as error:
                attempts = row.attempts + 1
                give_up = attempts >= settings.max_attempts
                delay = timedelta(seconds=settings.retry_base_seconds * 2 ** (attempts - 1))
                outcome = {"state": "failed" if give_up else "queued", "attempts": attempts,
                           "next_attempt_at": now + delay, "last_error": redact(str(error))[:1000]}
                result.failed += give_up
                result.retried += not give_up
        # Not conditional on the claim: had another scheduler taken this row over meanwhile, ``sent`` recorded
        # now makes its own renewal fail, and it does not send the row again.
        with app.db.write() as session:
            session.execute(update(OutboxMail).where(OutboxMail.id == row.id, OutboxMail.state == "sending")
                            .values(**outcome))
        shutdown.settle_mail([row.id])
    return result


def _renew(app: "Gongkai", row_id: int, ours: datetime) -> bool:
    """Renew this run's claim of one row (a fresh lease for its send) if the row still carries our claim time;
    False when another scheduler has taken it over (or it was settled) meanwhile."""
    with app.db.write() as session:
        renewed = session.execute(update(OutboxMail).where(OutboxMail.id == row_id, OutboxMail.state == "sending",
                                                           OutboxMail.claimed_at == ours)
                                  .values(claimed_at=app.now())).rowcount
    return bool(renewed)


def _hand_back(app: "Gongkai", ids: list[int], ours: datetime) -> int:
    """Put the rows this run still holds back in the queue, due at once (rows taken over meanwhile are left)."""
    from workflow import shutdown
    with app.db.write() as session:
        released = session.execute(update(OutboxMail).where(OutboxMail.id.in_(ids), OutboxMail.state == "sending",
                                                            OutboxMail.claimed_at == ours)
                                   .values(state="queued", claimed_at=None, next_attempt_at=app.now())).rowcount
    shutdown.settle_mail(ids)
    return int(released or 0)
