"""企业微信 / 钉钉 messages against a local receiver that checks each request as the public API documents it
(tests/im_receiver.py): exactly once, retries, give-up and admin retry, rate limits, tokens, rest days,
department group robots with the 钉钉 signature, bad userids. The real services are never called."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from db.models import Notification, OutboxMail, Reminder, User
from tests.conftest import World, item_payload
from tests.im_receiver import (APP_SECRET, CORP_SECRET, DINGTALK_ROBOT_SECRET, DINGTALK_ROBOT_TOKEN,
                               WECOM_ROBOT_KEY, Received, Receiver, free_port, serve, settings_overrides)
from workflow.clock import SHANGHAI
from workflow.context import Gongkai
from workflow.mailer import LEASE, claim, mail_failures, retry_failed
from workflow.messaging.config import IM_CHANNELS
from workflow.messaging import http as im_http
from workflow.messaging import deliver as im_deliver
from workflow.messaging import queue as im_queue
from workflow.scheduler import run_digest, run_sweep
from workflow.services import applications as application_svc
from workflow.services import items as svc
from workflow.wiring import build_gongkai

BASE_URL = "https://xxgk.example.edu.cn"
TITLE = "2025年国家奖学金评审结果"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve()


def _app(world: World, receiver: Receiver, **options: object) -> Gongkai:
    overrides = settings_overrides(receiver.base_url, **options)  # type: ignore[arg-type]
    overrides["institution"] = {"base_url": BASE_URL}
    return build_gongkai(db=world.app.db, settings=world.app.settings.with_overrides(overrides),
                         clock=world.app.clock)


def _users(app: Gongkai, **values: dict[str, object]) -> None:
    with app.db.write() as session:
        for username, fields in values.items():
            session.execute(update(User).where(User.username == username).values(**fields))


def _at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


def _submit(app: Gongkai, world: World, **fields: object) -> int:
    item = svc.create_item(app, world.drafter, item_payload(**fields))
    svc.submit(app, world.drafter, item.id)
    return item.id


def _outbox(app: Gongkai, channel: str) -> list[OutboxMail]:
    with app.db.read() as session:
        return list(session.scalars(select(OutboxMail).where(OutboxMail.channel == channel).order_by(OutboxMail.id)))


@pytest.fixture
def wx(world: World, receiver: Receiver) -> Gongkai:
    """企业微信 on; the reviewer (instant) can be reached there."""
    app = _app(world, receiver)
    _users(app, reviewer={"wecom_userid": "reviewer_wx", "notify_pref": "instant"})
    return app


def test_submitted_item_reaches_the_reviewer_once_as_a_textcard(world: World, wx: Gongkai, receiver: Receiver) -> None:
    item_id = _submit(wx, world)
    for _ in range(2):
        run_sweep(wx)
    cards = receiver.of("wecom_send")
    assert receiver.problems == []
    assert len(cards) == 1 and cards[0].body["touser"] == "reviewer_wx"
    card = cards[0].body["textcard"]
    assert card["title"] == f"待保密审查：《{TITLE}》"
    assert card["url"] == f"{BASE_URL}/items/{item_id}"  # from institution.base_url, the page where they decide
    assert f"事项：《{TITLE}》" in card["description"] and "环节：保密审查" in card["description"]
    assert "期限：2025年" in card["description"] and "T" not in card["description"].split("期限：")[1][:20]
    assert receiver.token_fetches["wecom"] == 1
    assert [r.state for r in _outbox(wx, "wecom")] == ["sent"]


def test_two_sweeps_racing_send_each_message_once(world: World, wx: Gongkai, receiver: Receiver) -> None:
    _users(wx, all_rounder={"wecom_userid": "approver_wx", "notify_pref": "instant"})
    for n in range(3):
        _submit(wx, world, title=f"事项{n}")
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            run_sweep(wx)
        except BaseException as error:  # surfaced below
            errors.append(error)
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    run_sweep(wx)
    assert errors == [] and receiver.problems == []
    sent = [(m.body["touser"], m.body["textcard"]["title"]) for m in receiver.of("wecom_send")]
    assert len(sent) == 6 and len(set(sent)) == 6  # 3 items × 2 people, none twice


def test_a_failed_send_is_retried_with_back_off_then_delivered_once(world: World, wx: Gongkai,
                                                                     receiver: Receiver) -> None:
    receiver.plan("wecom_send", "500")
    _submit(wx, world)
    first = run_sweep(wx)
    assert first["im_retried"] == 1 and receiver.of("wecom_send") == []
    [row] = _outbox(wx, "wecom")
    assert (row.state, row.attempts, "HTTP 500" in (row.last_error or "")) == ("queued", 1, True)
    assert im_deliver.deliver(wx).sent == 0  # not due before the back-off
    wx.clock.advance(seconds=61)  # type: ignore[attr-defined]
    assert im_deliver.deliver(wx).sent == 1
    assert im_deliver.deliver(wx).sent == 0 and len(receiver.of("wecom_send")) == 1


def test_a_send_that_hangs_past_the_timeout_is_retried(world: World, receiver: Receiver) -> None:
    app = _app(world, receiver, timeout=0.5)
    receiver.hang_seconds = 1.5
    _users(app, reviewer={"wecom_userid": "reviewer_wx", "notify_pref": "instant"})
    receiver.plan("wecom_send", "timeout")
    _submit(app, world)
    assert run_sweep(app)["im_retried"] == 1
    assert "timeout" in (_outbox(app, "wecom")[0].last_error or "")
    app.clock.advance(minutes=2)  # type: ignore[attr-defined]
    assert im_deliver.deliver(app).sent == 1 and len(receiver.of("wecom_send")) == 1


def test_gives_up_after_max_attempts_admins_see_it_and_can_retry(world: World, wx: Gongkai,
                                                                 receiver: Receiver) -> None:
    receiver.plan("wecom_send", "500", "500", "500")
    _submit(wx, world)
    run_sweep(wx)
    for _ in range(2):
        wx.clock.advance(minutes=10)  # type: ignore[attr-defined]
        im_deliver.deliver(wx)
    failures = [f for f in mail_failures(wx) if f["channel"] == "wecom"]
    assert len(failures) == 1 and failures[0]["attempts"] == 3
    assert failures[0]["channel_label"] == "企业微信" and failures[0]["to"] == "reviewer_wx"
    assert retry_failed(wx, failures[0]["id"])
    assert im_deliver.deliver(wx).sent == 1 and len(receiver.of("wecom_send")) == 1
    assert [f for f in mail_failures(wx) if f["channel"] == "wecom"] == []


def test_rate_limits_wait_and_are_not_failures(world: World, receiver: Receiver) -> None:
    app = _app(world, receiver)
    _users(app, reviewer={"wecom_userid": "reviewer_wx", "dingtalk_userid": "reviewer_dd", "notify_pref": "instant"})
    receiver.plan("wecom_send", "rate")
    receiver.plan("dingtalk_send", "rate")
    _submit(app, world)
    result = run_sweep(app)
    assert result["im_sent"] == 0 and result["im_failed"] == 0 and result["im_retried"] == 0
    rows = _outbox(app, "wecom") + _outbox(app, "dingtalk")
    assert [(r.state, r.attempts) for r in rows] == [("queued", 0), ("queued", 0)]
    app.clock.advance(seconds=29)  # type: ignore[attr-defined]
    assert im_deliver.deliver(app).sent == 0  # 钉钉 said Retry-After: 30; 企业微信 a minute by default
    app.clock.advance(seconds=40)  # type: ignore[attr-defined]
    assert im_deliver.deliver(app).sent == 2
    assert len(receiver.of("wecom_send")) == 1 and len(receiver.of("dingtalk_send")) == 1
    assert receiver.problems == []


def test_token_fetched_once_for_many_messages_and_refreshed_when_expired(world: World, wx: Gongkai,
                                                                         receiver: Receiver) -> None:
    _users(wx, all_rounder={"wecom_userid": "approver_wx", "notify_pref": "instant"})
    for n in range(3):
        _submit(wx, world, title=f"事项{n}")
    run_sweep(wx)
    assert len(receiver.of("wecom_send")) == 6 and receiver.token_fetches["wecom"] == 1
    receiver.plan("wecom_send", "expire")  # errcode 42001: the token is revoked on the platform
    _submit(wx, world, title="事项3")
    run_sweep(wx)
    assert len(receiver.of("wecom_send")) == 8 and receiver.token_fetches["wecom"] == 2
    assert all(r.state == "sent" for r in _outbox(wx, "wecom")) and receiver.problems == []


def test_digest_once_a_working_day_and_nothing_on_rest_days(world: World, receiver: Receiver) -> None:
    app = _app(world, receiver)
    _users(app, reviewer={"wecom_userid": "reviewer_wx", "dingtalk_userid": "reviewer_dd"},
           all_rounder={"wecom_userid": "approver_wx", "notify_pref": "instant"})
    app.clock.set(_at(9, 30, 15))  # type: ignore[attr-defined]
    _submit(app, world)
    app.clock.set(_at(10, 1, 9))  # type: ignore[attr-defined]  National Day: nothing at all, instant waits too
    assert run_sweep(app)["im_sent"] == 0
    assert run_digest(app)["im_sent"] == 0 and receiver.messages == []
    app.clock.set(_at(10, 9, 9))  # type: ignore[attr-defined]  the first working day after the holiday
    result = run_digest(app)
    assert result["im_sent"] == 3  # the reviewer's digest on both platforms, the instant card of all_rounder
    digest = [m for m in receiver.of("wecom_send") if m.body["touser"] == "reviewer_wx"]
    assert len(digest) == 1 and "待办提醒（1 条）" in digest[0].body["textcard"]["title"]
    assert TITLE in digest[0].body["textcard"]["description"]
    assert digest[0].body["textcard"]["url"] == f"{BASE_URL}/inbox"
    [dd] = receiver.of("dingtalk_send")
    assert dd.body["userid_list"] == "reviewer_dd" and TITLE in dd.body["msg"]["action_card"]["markdown"]
    assert run_digest(app)["im_sent"] == 0 and len(receiver.messages) == 3  # the same day again: nothing new
    assert receiver.problems == []


def test_dingtalk_work_notification_is_an_action_card_with_the_deep_link(world: World, receiver: Receiver) -> None:
    app = _app(world, receiver, wecom=False)
    _users(app, reviewer={"dingtalk_userid": "reviewer_dd", "wecom_userid": "reviewer_wx", "notify_pref": "instant"})
    item_id = _submit(app, world)
    run_sweep(app)
    [message] = receiver.of("dingtalk_send")
    card = message.body["msg"]["action_card"]
    assert card["single_url"] == f"{BASE_URL}/items/{item_id}" and card["title"] == f"待保密审查：《{TITLE}》"
    assert "环节：保密审查" in card["markdown"] and receiver.of("wecom_send") == []  # 企业微信 is off
    assert receiver.token_fetches["dingtalk"] == 1 and receiver.problems == []


def test_reminders_go_to_the_department_groups_once_with_a_valid_signature(world: World, receiver: Receiver) -> None:
    app = _app(world, receiver, robots=True)
    item_id = _submit(app, world)
    with app.db.read() as session:
        due = session.scalar(select(func.min(Reminder.due_at)).where(Reminder.item_id == item_id))
    app.clock.set(due)  # type: ignore[attr-defined]  the due_soon reminder: to every candidate reviewer
    run_sweep(app)
    run_sweep(app)
    with app.db.read() as session:
        told = session.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "due_soon"))
    assert told >= 2  # several people are reminded, the group only once
    [wecom] = receiver.of("wecom_robot")
    [ding] = receiver.of("dingtalk_robot")
    assert wecom.body["msgtype"] == "markdown" and f"{BASE_URL}/items/{item_id}" in wecom.body["markdown"]["content"]
    assert "即将到期" in ding.body["markdown"]["title"] and "环节：保密审查" in ding.body["markdown"]["text"]
    assert receiver.problems == []  # the 钉钉 receiver recomputed the signature and checked the timestamp
    assert receiver.of("wecom_send") == []  # nobody has a userid: groups only


def test_an_unknown_userid_fails_at_once_with_the_reason(world: World, receiver: Receiver) -> None:
    app = _app(world, receiver)
    _users(app, reviewer={"wecom_userid": "nobody", "notify_pref": "instant"})
    _submit(app, world)
    assert run_sweep(app)["im_failed"] == 1
    [failure] = [f for f in mail_failures(app) if f["channel"] == "wecom"]
    assert "用户 ID 无效" in failure["last_error"] and "nobody" in failure["last_error"]
    assert failure["attempts"] == 1


def test_nothing_is_queued_when_no_channel_is_configured(world: World) -> None:
    _users(world.app, reviewer={"wecom_userid": "reviewer_wx", "notify_pref": "instant"})
    _submit(world.app, world)
    run_sweep(world.app)
    with world.app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.channel != "email")) == 0
        assert set(session.scalars(select(Notification.im_status))) == {"none"}


def test_a_person_who_switched_im_off_gets_nothing(world: World, wx: Gongkai, receiver: Receiver) -> None:
    _users(wx, reviewer={"im_enabled": False})
    _submit(wx, world)
    run_sweep(wx)
    assert receiver.messages == [] and im_queue.queue_instant(wx) == 0


def test_a_long_digest_keeps_whole_lines_within_the_textcard_limit() -> None:
    from workflow.messaging.deliver import wecom_description
    text = wecom_description("\n".join(f"{n}. 即将到期：《关于2025年国家奖学金评审结果的公示》保密审查" for n in range(12)))
    assert len(text.encode("utf-8")) <= 512 and text.endswith("</div>") and text.count("<div") == text.count("</div>")


# --------------------------------------------------------------------------- what admins see of a failure

SECRETS = (CORP_SECRET, APP_SECRET, WECOM_ROBOT_KEY, DINGTALK_ROBOT_TOKEN, DINGTALK_ROBOT_SECRET, "corpsecret=",
           "appsecret=", "access_token=", "sign=", "key=", "-token-")


def _due_reminder(app: Gongkai, item_id: int) -> None:
    with app.db.read() as session:
        due = session.scalar(select(func.min(Reminder.due_at)).where(Reminder.item_id == item_id))
    app.clock.set(due)  # type: ignore[attr-defined]


def _no_secret_in_failures(app: Gongkai) -> list[str]:
    """Every stored error of IM rows, and what the failures API returns, checked for credentials."""
    with app.db.read() as session:
        errors = [e for e in session.scalars(select(OutboxMail.last_error).where(OutboxMail.channel != "email")) if e]
    listed = [f["last_error"] or "" for f in mail_failures(app)]
    for text in errors + listed:
        assert not [s for s in SECRETS if s in text], text
        assert "?" not in text, text  # no URL query at all
    return errors


def test_a_refused_connection_stores_no_credential_in_the_error(world: World) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens: requests names the whole URL in its error
    app = build_gongkai(db=world.app.db, clock=world.app.clock, settings=world.app.settings.with_overrides(
        {**settings_overrides(dead, robots=True), "institution": {"base_url": BASE_URL}}))
    _users(app, reviewer={"wecom_userid": "reviewer_wx", "dingtalk_userid": "reviewer_dd", "notify_pref": "instant"})
    _due_reminder(app, _submit(app, world))
    run_sweep(app)
    with app.db.write() as session:  # one more failure and each row gives up: listed for admins too
        session.execute(update(OutboxMail).values(attempts=2, next_attempt_at=app.now()))
    im_deliver.deliver(app)
    errors = _no_secret_in_failures(app)
    channels = {f["channel"] for f in mail_failures(app)}
    assert {"wecom", "dingtalk", "wecom_robot", "dingtalk_robot"} <= channels
    assert all("ConnectionError" in e for e in errors)  # still says what went wrong, and where
    assert any("/cgi-bin/gettoken" in e for e in errors) and any("/robot/send" in e for e in errors)


def test_http_errors_and_timeouts_store_no_credential(world: World, receiver: Receiver) -> None:
    app = _app(world, receiver, robots=True, timeout=0.5)
    receiver.hang_seconds = 1.5
    _users(app, reviewer={"wecom_userid": "reviewer_wx", "dingtalk_userid": "reviewer_dd", "notify_pref": "instant"})
    receiver.plan("wecom_send", "500")
    receiver.plan("dingtalk_send", "timeout")
    receiver.plan("wecom_robot", "timeout")
    receiver.plan("dingtalk_robot", "500")
    _due_reminder(app, _submit(app, world))
    run_sweep(app)
    errors = _no_secret_in_failures(app)
    assert len(errors) >= 4 and any("HTTP 500" in e for e in errors) and any("timeout" in e for e in errors)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_%+/", min_size=6, max_size=40))
def test_redact_removes_every_query_value_from_an_error_text(secret: str) -> None:
    for text in (f"HTTPConnectionPool(host='qyapi.weixin.qq.com', port=443): Max retries exceeded with url: "
                 f"/cgi-bin/gettoken?corpid=ww1&corpsecret={secret} (Caused by NewConnectionError('refused'))",
                 f"https://oapi.dingtalk.com/robot/send?access_token={secret}&timestamp=1&sign={secret}",
                 f"webhook key={secret} rejected", f"errmsg: invalid access_token={secret}, hint"):
        assert secret not in im_http.redact(text)


# --------------------------------------------------------------------------- the claim of a slow run

def _three_cards(app: Gongkai, world: World) -> None:
    for n in range(3):
        _submit(app, world, title=f"事项{n}")
    im_queue.queue_instant(app)


def _once(action: object) -> object:
    done: list[bool] = []

    def hook(_message: Received) -> None:
        if not done:
            done.append(True)
            action()  # type: ignore[operator]
    return hook


def test_a_run_that_outlasts_half_the_lease_hands_the_rest_back(world: World, wx: Gongkai,
                                                                 receiver: Receiver) -> None:
    _three_cards(wx, world)
    receiver.on_message = _once(lambda: wx.clock.advance(minutes=3))  # type: ignore[attr-defined]  a slow platform
    first = im_deliver.deliver(wx)
    assert (first.sent, first.released) == (1, 2) and len(receiver.of("wecom_send")) == 1
    assert [r.state for r in _outbox(wx, "wecom")] == ["sent", "queued", "queued"]  # not left to a take-over
    assert im_deliver.deliver(wx).sent == 2
    titles = [m.body["textcard"]["title"] for m in receiver.of("wecom_send")]
    assert len(titles) == 3 and len(set(titles)) == 3


def test_rows_another_scheduler_took_over_are_not_sent_again(world: World, wx: Gongkai, receiver: Receiver) -> None:
    _three_cards(wx, world)
    other: list[int] = []
    # Another scheduler, its clock 6 minutes ahead, sees this run's claim as abandoned and takes the rows over.
    receiver.on_message = _once(lambda: other.extend(claim(wx, wx.now() + LEASE + timedelta(minutes=1), 200,
                                                           tuple(IM_CHANNELS))))
    result = im_deliver.deliver(wx)
    assert len(other) == 3 and result.lost == 2
    assert len(receiver.of("wecom_send")) == 1  # the rows the other scheduler holds are its to send
    assert [r.state for r in _outbox(wx, "wecom")] == ["sent", "sending", "sending"]


# --------------------------------------------------------------------------- what people typed, in markdown

EVIL = "[点此审批](https://evil.example.com/login)"


def test_a_title_with_markdown_reaches_groups_and_cards_as_text_not_a_link(world: World, receiver: Receiver) -> None:
    app = _app(world, receiver, robots=True)
    _users(app, reviewer={"dingtalk_userid": "reviewer_dd", "notify_pref": "instant"})
    _due_reminder(app, _submit(app, world, title=f"**紧急** {EVIL}"))
    run_sweep(app)
    [wecom] = receiver.of("wecom_robot")
    [ding] = receiver.of("dingtalk_robot")
    cards = [m.body["msg"]["action_card"]["markdown"] for m in receiver.of("dingtalk_send")]
    assert cards and receiver.problems == []
    for text in [wecom.body["markdown"]["content"], ding.body["markdown"]["text"]] + cards:
        assert "evil.example.com" in text and "点此审批" in text  # the title is shown, as typed
        assert "](https://evil" not in text and "[点此审批]" not in text and "**紧急**" not in text
    for text in (wecom.body["markdown"]["content"], ding.body["markdown"]["text"]):
        assert text.count("](") == 1 and text.endswith(f"]({BASE_URL}/items/" + text.rsplit("/items/", 1)[1])


# --------------------------------------------------------------------------- digests

def test_notifications_after_todays_digest_wait_for_the_next_one(world: World, receiver: Receiver) -> None:
    app = _app(world, receiver, dingtalk=False)
    _users(app, reviewer={"wecom_userid": "reviewer_wx", "notify_pref": "daily_digest"})
    app.clock.set(_at(10, 13, 8))  # type: ignore[attr-defined]  a Monday
    _submit(app, world, title="上午的事项")
    run_digest(app)
    app.clock.set(_at(10, 13, 10))  # type: ignore[attr-defined]
    _submit(app, world, title="晚到的事项")
    app.clock.set(_at(10, 13, 11))  # type: ignore[attr-defined]
    assert run_digest(app)["im_sent"] == 0  # a second run the same day (a restart, a second scheduler)
    with app.db.read() as session:
        late = session.scalar(select(Notification.im_status).where(Notification.title.contains("晚到的事项")))
    assert late == "digest"  # still held, not marked done unseen
    app.clock.set(_at(10, 14, 8))  # type: ignore[attr-defined]
    assert run_digest(app)["im_sent"] == 1
    digests = [m.body["textcard"]["description"] for m in receiver.of("wecom_send")]
    assert len(digests) == 2 and "上午的事项" in digests[0] and "晚到的事项" in digests[1]
    assert "上午的事项" not in digests[1]


# --------------------------------------------------------------------------- dates people read

def test_an_application_reminder_card_shows_the_date_in_chinese(world: World, receiver: Receiver) -> None:
    app = _app(world, receiver, dingtalk=False)
    _users(app, reviewer={"wecom_userid": "reviewer_wx", "notify_pref": "instant"})
    application = application_svc.register_application(app, world.admin, {
        "applicant_kind": "business", "name": "某某科技有限公司", "contact": "office@example.com",
        "request_text": "请公开2024年学生公寓维修工程招标文件", "delivery_form": "email", "channel": "post",
        "received_at": "2025-09-26T09:00:00+08:00"})
    application_svc.assign(app, world.admin, application.id, "xsc")
    assert application.due_on is not None and application.due_on.isoformat() == "2025-10-23"
    app.clock.set(_at(10, 22, 9))  # type: ignore[attr-defined]  the due_soon reminder
    run_sweep(app)
    cards = [m.body["textcard"] for m in receiver.of("wecom_send") if "依申请公开" in m.body["textcard"]["title"]]
    assert cards and all("2025年10月23日" in c["description"] and "2025-10-23" not in c["description"]
                         for c in cards)
    with app.db.read() as session:
        bodies = list(session.scalars(select(Notification.body).where(Notification.application_id == application.id)))
    assert bodies and all("2025年10月23日" in b and "2025-10-23" not in b for b in bodies)  # inbox and mail
