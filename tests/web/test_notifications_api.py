"""Notifications over the API: inbox, mark read, mail preference, admin mail failures — on both databases."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from db.models import OutboxMail
from tests.conftest import World, item_payload


def _put(api, username: str, path: str, json):
    client = api(username)
    return client.client.put(path, json=json, headers=client.headers)


def _submit(api) -> int:
    item = api("drafter").post("/api/v1/items", json=item_payload(title="助学金名单")).json
    assert api("drafter").post(f"/api/v1/items/{item['id']}/transitions", json={"trigger": "submit"}).status_code == 200
    return item["id"]


def _unread(api, username: str) -> int:
    return api(username).get("/api/v1/notifications?unread=1").json["total"]


def test_submit_notifies_the_reviewer_who_reads_it(api) -> None:
    item_id = _submit(api)
    inbox = api("reviewer").get("/api/v1/notifications")
    assert inbox.status_code == 200
    entries = [n for n in inbox.json["items"] if n["item_id"] == item_id and n["kind"] == "submitted"]
    assert len(entries) == 1
    entry = entries[0]
    assert "助学金名单" in entry["title"] and entry["read_at"] is None
    assert set(entry) >= {"id", "kind", "item_id", "title", "body", "created_at", "read_at"}
    unread_before = _unread(api, "reviewer")
    assert unread_before >= 1

    read = api("reviewer").post(f"/api/v1/notifications/{entry['id']}/read")
    assert read.status_code == 200 and read.json["read_at"] is not None
    assert _unread(api, "reviewer") == unread_before - 1
    again = api("reviewer").post(f"/api/v1/notifications/{entry['id']}/read")  # idempotent
    assert again.status_code == 200  # the same instant (the first answer is in +08:00, later ones in UTC)
    assert datetime.fromisoformat(again.json["read_at"]) == datetime.fromisoformat(read.json["read_at"])
    assert _unread(api, "reviewer") == unread_before - 1


def test_submit_does_not_reach_other_departments_or_the_submitter(api) -> None:
    item_id = _submit(api)
    for user in ("other_reviewer", "other_drafter", "drafter"):
        items = api(user).get("/api/v1/notifications").json["items"]
        assert not [n for n in items if n["item_id"] == item_id and n["kind"] == "submitted"], user


def test_nobody_reads_another_users_notification(api) -> None:
    _submit(api)
    entry = api("reviewer").get("/api/v1/notifications").json["items"][0]
    for user in ("other_reviewer", "drafter", "admin"):
        response = api(user).post(f"/api/v1/notifications/{entry['id']}/read")
        assert response.status_code == 404 and response.json["error"] == "notification_not_found", user
    assert api("reviewer").post("/api/v1/notifications/999999/read").status_code == 404
    assert api("reviewer").get("/api/v1/notifications").json["items"][0]["read_at"] is None
    assert api(None).get("/api/v1/notifications").status_code == 401


def test_inbox_pages(api) -> None:
    for _n in range(3):
        _submit(api)
    page = api("reviewer").get("/api/v1/notifications?per_page=2&page=2").json
    assert page["page"] == 2 and page["per_page"] == 2 and page["total"] >= 3 and len(page["items"]) >= 1


def test_preferences_are_read_and_validated(api) -> None:
    current = api("drafter").get("/api/v1/me/preferences")
    assert current.status_code == 200
    assert current.json == {"notify_pref": "daily_digest", "email": "drafter@example.edu.cn"}
    changed = _put(api, "drafter", "/api/v1/me/preferences", {"notify_pref": "instant"})
    assert changed.status_code == 200 and changed.json["notify_pref"] == "instant"
    assert api("drafter").get("/api/v1/me/preferences").json["notify_pref"] == "instant"
    assert api("drafter2").get("/api/v1/me/preferences").json["notify_pref"] == "daily_digest"  # only mine


@pytest.mark.parametrize("body", [{"notify_pref": "hourly"}, {"notify_pref": None}, {"notify_pref": 1}, {}])
def test_bad_preference_is_422_and_changes_nothing(api, body) -> None:
    response = _put(api, "drafter", "/api/v1/me/preferences", body)
    assert response.status_code == 422, response.json
    assert response.json["error"] == "invalid_value" and response.json["field"] == "notify_pref"
    assert api("drafter").get("/api/v1/me/preferences").json["notify_pref"] == "daily_digest"


def test_malformed_preference_body_is_400(api) -> None:
    client = api("drafter")
    response = client.client.put("/api/v1/me/preferences", data=b"{nope",
                                 headers={**client.headers, "Content-Type": "application/json"})
    assert response.status_code == 400 and response.json["error"] == "malformed_json"


def test_mail_failures_are_for_admins_only(api, world: World) -> None:
    now = world.app.now()
    with world.app.db.write() as session:
        session.add(OutboxMail(idempotency_key="test:failed:1", to_addr="reviewer@example.edu.cn", subject="待保密审查",
                               body="…", kind="instant", state="failed", attempts=5, next_attempt_at=now,
                               last_error="550 mailbox unavailable", created_at=now - timedelta(hours=1)))
    for user in ("drafter", "reviewer", "approver", "all_rounder"):
        response = api(user).get("/api/v1/admin/mail-failures")
        assert response.status_code == 403 and response.json["error"] == "forbidden", user
    failures = api("admin").get("/api/v1/admin/mail-failures")
    assert failures.status_code == 200
    assert [(f["to"], f["last_error"], f["attempts"]) for f in failures.json] == [
        ("reviewer@example.edu.cn", "550 mailbox unavailable", 5)]


def test_admin_page_lists_failed_mail_and_requeues_it(world: World, ui_app) -> None:
    from sqlalchemy import select

    from tests.web.ui_helpers import login
    now = world.app.now()
    with world.app.db.write() as session:
        session.add(OutboxMail(idempotency_key="test:failed:2", to_addr="nobody@example.edu.cn", subject="超期提醒",
                               body="…", kind="instant", state="failed", attempts=6, next_attempt_at=now,
                               last_error="connection refused", created_at=now))
    admin = login(ui_app.test_client(), "admin")
    page = admin.get("/admin/mail-failures").get_data(as_text=True)
    assert "nobody@example.edu.cn" in page and "connection refused" in page
    with world.app.db.read() as session:
        mail_id = session.scalar(select(OutboxMail.id).where(OutboxMail.idempotency_key == "test:failed:2"))
    assert admin.post(f"/admin/mail-failures/{mail_id}/retry").status_code == 302
    with world.app.db.read() as session:
        assert session.get(OutboxMail, mail_id).state == "queued"
    assert "nobody@example.edu.cn" not in admin.get("/admin/mail-failures").get_data(as_text=True)
    assert login(ui_app.test_client(), "drafter").get("/admin/mail-failures").status_code == 403
