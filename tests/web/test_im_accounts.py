"""企业微信 / 钉钉 on the admin and settings pages: userids set by admins (422 on a bad value, nothing written),
shown to the person with a switch for IM messages; failed IM messages beside failed mail, retryable."""
from __future__ import annotations

from sqlalchemy import select

from db.models import OutboxMail, User
from tests.conftest import World
from tests.web.ui_helpers import login


def _user(world: World, username: str) -> User:
    with world.app.db.read() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        return user


def test_admin_sets_userids_and_the_person_sees_them(world: World, ui_app) -> None:
    admin = login(ui_app.test_client(), "admin")
    response = admin.post("/admin/users/reviewer/im", data={"wecom_userid": " zhang.san@xsc ", "dingtalk_userid": "0123"})
    assert response.status_code == 302
    reviewer = _user(world, "reviewer")
    assert (reviewer.wecom_userid, reviewer.dingtalk_userid) == ("zhang.san@xsc", "0123")
    assert "zhang.san@xsc" in admin.get("/admin/users").get_data(as_text=True)
    page = login(ui_app.test_client(), "reviewer").get("/settings").get_data(as_text=True)
    assert "zhang.san@xsc" in page and "接收企业微信 / 钉钉消息" in page
    admin.post("/admin/users/reviewer/im", data={"wecom_userid": "", "dingtalk_userid": "0123"})
    assert _user(world, "reviewer").wecom_userid is None  # emptied: cleared


def test_bad_userids_are_refused_with_422_and_nothing_written(world: World, ui_app) -> None:
    admin = login(ui_app.test_client(), "admin")
    for bad in ("张三", "a b", "x" * 65, "a&touser=@all", "a\nb"):
        response = admin.post("/admin/users/reviewer/im", data={"wecom_userid": bad, "dingtalk_userid": "ok1"})
        assert response.status_code == 422, bad
        assert "企业微信账号无效" in response.get_data(as_text=True)
    reviewer = _user(world, "reviewer")
    assert (reviewer.wecom_userid, reviewer.dingtalk_userid) == (None, None)
    assert admin.post("/admin/users/nobody/im", data={"wecom_userid": "a"}).status_code == 404
    drafter = login(ui_app.test_client(), "drafter")
    assert drafter.post("/admin/users/reviewer/im", data={"wecom_userid": "a"}).status_code == 403


def test_the_person_switches_im_messages_off_and_on(world: World, ui_app) -> None:
    reviewer = login(ui_app.test_client(), "reviewer")
    assert reviewer.post("/settings/im", data={}).status_code == 302
    assert _user(world, "reviewer").im_enabled is False
    reviewer.post("/settings/im", data={"im_enabled": "1"})
    assert _user(world, "reviewer").im_enabled is True


def test_failed_im_messages_are_listed_with_their_channel_and_retryable(world: World, ui_app) -> None:
    now = world.app.now()
    with world.app.db.write() as session:
        session.add(OutboxMail(idempotency_key="im:wecom:test", channel="wecom", to_addr="reviewer_wx",
                               subject="即将到期：《某事项》保密审查", body="…", kind="instant", state="failed", attempts=6,
                               next_attempt_at=now, last_error="企业微信找不到该用户（用户 ID 无效）：reviewer_wx",
                               created_at=now))
        session.add(OutboxMail(idempotency_key="robot:test", channel="dingtalk_robot", to_addr="xsc",
                               subject="已超期", body="…", kind="robot", state="failed", attempts=6,
                               next_attempt_at=now, last_error="HTTP 500", created_at=now))
    admin = login(ui_app.test_client(), "admin")
    page = admin.get("/admin/mail-failures").get_data(as_text=True)
    assert "<td class=\"text-nowrap\">企业微信</td>" in page and "钉钉群机器人" in page and "用户 ID 无效" in page
    with world.app.db.read() as session:
        row_id = session.scalar(select(OutboxMail.id).where(OutboxMail.idempotency_key == "im:wecom:test"))
    assert admin.post(f"/admin/mail-failures/{row_id}/retry").status_code == 302
    with world.app.db.read() as session:
        assert session.get(OutboxMail, row_id).state == "queued"
