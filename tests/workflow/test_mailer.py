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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """Collects every message the SMTP server receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001,ANN201,N802
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
    return Gongkai(db=app.db, settings=settings, clock=app.clock)


def _prefs(app: Gongkai, **prefs: str) -> None:
    with app.db.write() as session:
        for username, pref in prefs.items():
            session.execute(update(User).where(User.username == username).values(notify_pref=pref))


def _at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


def test_instant_mail_in_chinese_exactly_once(world: World, clock, smtp) -> None:  # noqa: ANN001
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


def test_daily_digest_on_working_days_only(world: World, clock, smtp) -> None:  # noqa: ANN001
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


def test_failed_delivery_is_retried_then_delivered_once(world: World, clock, smtp) -> None:  # noqa: ANN001
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


def test_gives_up_after_max_attempts_and_admins_see_it(world: World, clock) -> None:  # noqa: ANN001
    settings = world.app.settings.with_overrides({"mail": {"port": _free_port(), "max_attempts": 2,
                                                           "retry_base_seconds": 1}})
    app = Gongkai(db=world.app.db, settings=settings, clock=clock)
    _prefs(app, reviewer="instant")
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)
    assert queue_instant(app) >= 1
    deliver(app)
    clock.advance(seconds=5)
    assert deliver(app).failed >= 1
    failures = mail_failures(app)
    assert failures and failures[0]["attempts"] == 2 and "待保密审查" in failures[0]["subject"]
