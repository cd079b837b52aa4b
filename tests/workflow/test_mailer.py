"""E-mail through a real SMTP server (aiosmtpd on a free localhost port)."""
from __future__ import annotations

import socket
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Iterator

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from db.models import OutboxMail, User
from tests.conftest import World, item_payload
from workflow.clock import SHANGHAI
from workflow.context import Gongkai
from workflow.mailer import deliver, mail_failures, queue_digest, queue_instant
from workflow.reminders import sweep
from workflow.services import items as svc
from workflow.wiring import build_gongkai


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """Collects every message the SMTP server receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _point_at(app: Gongkai, port: int) -> Gongkai:
    settings = app.settings.with_overrides({"mail": {"host": "127.0.0.1", "port": port, "security": "none"}})
    return build_gongkai(db=app.db, settings=settings, clock=app.clock)


def _prefs(app: Gongkai, **prefs: str) -> None:
    with app.db.write() as session:
        for username, pref in prefs.items():
            session.execute(update(User).where(User.username == username).values(notify_pref=pref))


def _at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


def test_instant_mail_in_chinese_exactly_once(world: World, clock, smtp) -> None:
    inbox, port = smtp
    app = _point_at(world.app, port)
    _prefs(app, reviewer="instant", all_rounder="off")
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)
    for _ in range(2):
        sweep(app)
        deliver(app)
    mails = inbox.to("reviewer@example.edu.cn")
    assert len(mails) == 1
    assert mails[0]["Subject"] == "待保密审查：《2025年国家奖学金评审结果》"
    body = mails[0].get_content()
    assert "已提交保密审查" in body and f"http://127.0.0.1:5000/items/{item.id}" in body
    assert mails[0]["Message-ID"].startswith("<") and inbox.to("all_rounder@example.edu.cn") == []


def test_daily_digest_on_working_days_only(world: World, clock, smtp) -> None:
    inbox, port = smtp
    app = _point_at(world.app, port)
    _prefs(app, all_rounder="instant")
    clock.set(_at(9, 30, 15))
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)  # reviewer (digest) and all_rounder (instant) are told
    clock.set(_at(10, 1, 9))  # National Day: nothing is mailed, instant waits too
    sweep(app)
    assert queue_digest(app) == 0 and deliver(app).sent == 0 and inbox.messages == []
    clock.set(_at(10, 9, 9))  # first working day after the holiday: one digest each, instant included
    assert queue_digest(app) == 2
    assert deliver(app).sent == 2
    digest = inbox.to("reviewer@example.edu.cn")
    assert len(digest) == 1 and "待办提醒" in digest[0]["Subject"]
    assert "待保密审查：《2025年国家奖学金评审结果》" in digest[0].get_content()
    assert queue_digest(app) == 0 and deliver(app).sent == 0  # the same day again: nothing new
    assert len(inbox.messages) == 2


def test_failed_delivery_is_retried_then_delivered_once(world: World, clock, smtp) -> None:
    inbox, port = smtp
    _prefs(world.app, reviewer="instant")
    closed = _point_at(world.app, _free_port())  # nothing listens there
    item = svc.create_item(closed, world.drafter, item_payload())
    svc.submit(closed, world.drafter, item.id)
    sweep(closed)
    first = deliver(closed)
    assert first.retried >= 1 and first.sent == 0
    assert deliver(closed).retried == 0  # back-off: not due again yet
    clock.advance(minutes=2)
    deliver(closed)
    with closed.db.read() as session:
        rows = session.scalars(select(OutboxMail)).all()
    assert rows and all(r.state == "queued" and r.attempts == 2 and r.last_error for r in rows)
    clock.advance(minutes=5)
    live = _point_at(world.app, port)
    assert deliver(live).sent == len(rows)
    assert deliver(live).sent == 0
    assert len(inbox.to("reviewer@example.edu.cn")) == 1


def test_gives_up_after_max_attempts_and_admins_see_it(world: World, clock) -> None:
    settings = world.app.settings.with_overrides({"mail": {"port": _free_port(), "max_attempts": 2,
                                                           "retry_base_seconds": 1}})
    app = build_gongkai(db=world.app.db, settings=settings, clock=clock)
    _prefs(app, reviewer="instant")
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)
    assert queue_instant(app) >= 1
    deliver(app)
    clock.advance(seconds=5)
    assert deliver(app).failed >= 1
    failures = mail_failures(app)
    assert failures and failures[0]["attempts"] == 2 and "待保密审查" in failures[0]["subject"]


def _outbox(app: Gongkai, key: str, to: str, subject: str, now: datetime) -> None:
    """Put one mail straight into the outbox (as queue_instant would, minus its clean-up)."""
    with app.db.write() as session:
        session.add(OutboxMail(idempotency_key=key, user_id=None, to_addr=to, subject=subject, body="正文",
                               kind="instant", state="queued", attempts=0, next_attempt_at=now, created_at=now))


def test_one_unbuildable_mail_fails_alone_and_admins_see_it(world: World, clock, smtp) -> None:
    """A header that cannot be built used to raise out of deliver(): that mail and every one
    claimed after it stayed 'sending' and never reached the failures list."""
    from workflow.services.notifications import mail_failures as admin_failures
    inbox, port = smtp
    app = _point_at(world.app, port)
    now = app.now()
    _outbox(app, "t:1", "reviewer@example.edu.cn", "第一封", now)
    _outbox(app, "t:2", "reviewer@example.edu.cn\r\nBcc: spy@evil.example", "《通知\r\nBcc: spy@evil.example》", now)
    _outbox(app, "t:3", "approver@example.edu.cn", "第三封", now)
    result = deliver(app)
    assert (result.sent, result.failed) == (2, 1)
    assert sorted(m["Subject"] for m in inbox.messages) == ["第一封", "第三封"]
    with app.db.read() as session:
        states = dict(session.execute(select(OutboxMail.idempotency_key, OutboxMail.state)).all())
    assert states == {"t:1": "sent", "t:2": "failed", "t:3": "sent"}
    (failure,) = admin_failures(app, world.admin)
    assert failure["key"] == "t:2" and "邮件地址无效" in failure["last_error"]
    assert deliver(app).sent == 0 and len(inbox.messages) == 2  # nothing left to retry


def test_crlf_in_a_title_cannot_inject_headers(world: World, clock, smtp) -> None:
    """A CR/LF (and other control characters) in a title is flattened into the one Subject line."""
    inbox, port = smtp
    app = _point_at(world.app, port)
    now = app.now()
    _outbox(app, "t:1", "reviewer@example.edu.cn", "好的标题", now)
    _outbox(app, "t:2", "reviewer@example.edu.cn", "《关于\r\nBcc: spy@evil.example\r\n\r\n评审》\x1b\x7f", now)
    _outbox(app, "t:3", "approver@example.edu.cn", "另一个\u2028标题", now)
    assert deliver(app).sent == 3
    subjects = {m["Subject"] for m in inbox.messages}
    assert subjects == {"另一个 标题", "好的标题", "《关于 Bcc: spy@evil.example 评审》"}
    assert all(m["Bcc"] is None for m in inbox.messages)
    with app.db.read() as session:
        assert session.scalars(select(OutboxMail.state)).all() == ["sent"] * 3


def test_header_values_are_single_line() -> None:
    from hypothesis import given, strategies as st

    from workflow.mailer import header_text

    @given(st.text())
    def check(value: str) -> None:
        cleaned = header_text(value)
        assert "\r" not in cleaned and "\n" not in cleaned and len(cleaned) <= 300
        cleaned.encode("utf-8")  # no lone surrogate left

    check()
