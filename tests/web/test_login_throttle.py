"""Issue 10: nobody can lock anyone out; unknown and known names look alike; delays grow; admins are told."""
from __future__ import annotations

import re

from sqlalchemy import select

from db.models import Notification, User
from tests.web.ui_helpers import PASSWORD


def _post(ui_app, address: str, username: str, password: str, **kw):
    client = ui_app.test_client()
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, **kw)


def test_attacker_from_one_address_cannot_keep_the_admin_out(ui_app) -> None:
    for _ in range(40):  # far past the old lock-out (5 failures → admin locked for 300 s)
        assert _post(ui_app, "203.0.113.7", "admin", "wrong-guess").status_code in (401, 429)
    from_office = _post(ui_app, "10.1.2.3", "admin", PASSWORD)
    assert from_office.status_code == 302, from_office.get_data(as_text=True)[:300]


def test_attackers_from_many_addresses_only_delay_the_account_briefly(ui_app, clock) -> None:
    for n in range(30):
        for _ in range(3):
            _post(ui_app, f"198.51.100.{n}", "admin", "wrong-guess")
    answer = _post(ui_app, "10.1.2.3", "admin", PASSWORD)
    if answer.status_code == 429:  # the account-wide delay is bounded (auth.account_max_delay_seconds = 30)
        wait = int(answer.headers["Retry-After"])
        assert 0 < wait <= 30
        clock.advance(seconds=wait)
        answer = _post(ui_app, "10.1.2.3", "admin", PASSWORD)
    assert answer.status_code == 302


def _normalised(response) -> tuple[int, str | None, str]:
    body = response.get_data(as_text=True)
    body = re.sub(r'name="username"[^>]*', "", body)  # the form echoes the typed name back
    body = re.sub(r'name="csrf_token" value="[^"]*"', "", body)  # random per browser
    return response.status_code, response.headers.get("Retry-After"), body


def test_unknown_and_known_usernames_get_identical_answers(ui_app) -> None:
    known = [_normalised(_post(ui_app, "192.0.2.1", "drafter", "wrong-guess")) for _ in range(8)]
    unknown = [_normalised(_post(ui_app, "192.0.2.2", "no-such-person", "wrong-guess")) for _ in range(8)]
    assert known == unknown
    assert [status for status, _wait, _body in known][:3] == [401, 401, 401]
    assert "用户名或密码错误" in known[0][2] and "登录失败次数过多" not in "".join(b for _s, _w, b in known)


def test_delays_grow_and_say_how_long_to_wait(ui_app, clock) -> None:
    waits = []
    for _ in range(8):
        failed = _post(ui_app, "192.0.2.9", "reviewer", "wrong-guess")
        assert failed.status_code == 401
        refused = _post(ui_app, "192.0.2.9", "reviewer", PASSWORD)  # even the right password must wait now
        if refused.status_code == 429:
            wait = int(refused.headers["Retry-After"])
            assert f"请 {wait} 秒后再试" in refused.get_data(as_text=True)
            waits.append(wait)
            clock.advance(seconds=wait)
        else:
            assert refused.status_code == 302  # free attempts: the right password still works
            _post(ui_app, "192.0.2.9", "reviewer", "wrong-guess")  # keep counting failures
    assert len(waits) >= 3 and waits == sorted(waits) and waits[-1] > waits[0], waits


def test_waiting_answer_in_json_and_english(ui_app) -> None:
    for _ in range(4):
        _post(ui_app, "192.0.2.44", "approver", "wrong-guess")
    answer = _post(ui_app, "192.0.2.44", "approver", "wrong-guess", headers={"Accept": "application/json"},
                   query_string={"lang": "en"})
    assert answer.status_code == 429 and answer.json["error"] == "too_many_attempts"
    assert answer.json["details"]["retry_after"] == int(answer.headers["Retry-After"])
    assert "seconds" in answer.json["message"], answer.json


def _alerts(world) -> list[Notification]:
    with world.app.db.read() as session:
        admin_id = session.scalar(select(User.id).where(User.username == "admin"))
        return list(session.scalars(select(Notification).where(Notification.user_id == admin_id,
                                                               Notification.kind == "login_alert")))


def test_admins_are_told_once_per_window(ui_app, world, clock) -> None:
    for n in range(25):  # password spraying: one guess each at many names, from one address
        _post(ui_app, "203.0.113.50", f"user{n}", "Spring2025!")
        clock.advance(seconds=60)
    alerts = _alerts(world)
    assert len(alerts) == 1 and "203.0.113.50" in alerts[0].title, [a.title for a in alerts]
    clock.advance(hours=3)  # a new window: a new attack is reported again
    for n in range(12):
        _post(ui_app, "203.0.113.50", f"other{n}", "Spring2025!")
    assert len(_alerts(world)) == 2


def test_admins_are_told_when_one_account_is_attacked_from_many_addresses(ui_app, world) -> None:
    for n in range(12):
        _post(ui_app, f"198.51.100.{n}", "approver", "wrong-guess")
    alerts = _alerts(world)
    assert len(alerts) == 1 and "approver" in alerts[0].title and "approver" in alerts[0].body
