"""Admin management of the working-day calendar over the API and the admin page — on both databases."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from db.models import AuditEvent, CalendarOverride
from tests.conftest import World, item_payload
from web.app import create_app
from workflow.audit import verify

OVERRIDES = "/api/v1/calendar/overrides"
REST_MONDAY = {"date": "2025-09-29", "kind": "rest", "reason": "校庆放假", "source": "校办〔2025〕9号"}


def _delete(api, username: str, path: str):
    client = api(username)
    return client.client.delete(path, headers=client.headers)


def _submitted_item(api) -> dict:
    item = api("drafter").post("/api/v1/items", json=item_payload()).json
    submitted = api("drafter").post(f"/api/v1/items/{item['id']}/transitions", json={"trigger": "submit"})
    assert submitted.status_code == 200, submitted.json
    return submitted.json


def _dates(api, item_id: int) -> tuple[str, datetime]:
    item = api("drafter").get(f"/api/v1/items/{item_id}").json
    return item["publish_deadline"], datetime.fromisoformat(item["stage_due"])


def _audit(world: World, action: str) -> list[AuditEvent]:
    with world.app.db.read() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_rest_day_override_redates_open_items_and_removal_restores(api, world) -> None:
    item = _submitted_item(api)
    deadline, due = _dates(api, item["id"])
    assert deadline == "2025-10-30"

    added = api("admin").post(OVERRIDES, json=REST_MONDAY)
    assert added.status_code == 200, added.json
    assert added.json["redated"] == 1 and added.json["items"] == [item["id"]]
    later_deadline, later_due = _dates(api, item["id"])
    assert later_deadline == "2025-10-31"  # one working day fewer before the 20th
    assert later_due > due                 # 09-28, 09-30, then 10-09 after the holiday

    day = api("drafter").get("/api/v1/calendar?year=2025").json
    entry = next(d for d in day["days"] if d["date"] == "2025-09-29")
    assert entry["override"] and not entry["workday"] and "校庆放假" in entry["reason"]
    assert day["overrides"] == [{"date": "2025-09-29", "kind": "rest", "reason": "校庆放假",
                                 "source": "校办〔2025〕9号"}]

    removed = _delete(api, "admin", f"{OVERRIDES}/2025-09-29")
    assert removed.status_code == 200 and removed.json["redated"] == 1
    assert _dates(api, item["id"]) == (deadline, due)

    added_events = _audit(world, "calendar_override")
    removed_events = _audit(world, "calendar_override_removed")
    assert len(added_events) == 1 and len(removed_events) == 1
    assert added_events[0].subject == "calendar:2025-09-29" and added_events[0].reason == "校庆放假"
    assert added_events[0].actor_name == "admin"
    with world.app.db.read() as session:
        assert verify(session).ok


def test_removing_an_unknown_override_is_404(api) -> None:
    response = _delete(api, "admin", f"{OVERRIDES}/2025-09-29")
    assert response.status_code == 404 and response.json["error"] == "override_not_found"


def test_only_admins_change_the_calendar_over_the_api(api, world) -> None:
    for user in ("drafter", "reviewer", "approver", "all_rounder"):
        response = api(user).post(OVERRIDES, json=REST_MONDAY)
        assert response.status_code == 403 and response.json["error"] == "forbidden", user
        assert _delete(api, user, f"{OVERRIDES}/2025-09-29").status_code == 403
    assert api(None).post(OVERRIDES, json=REST_MONDAY).status_code == 401
    with world.app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(CalendarOverride)) == 0


@pytest.mark.parametrize("body, field, code", [
    ({**REST_MONDAY, "date": "2025-02-30"}, "date", "invalid_value"),
    ({**REST_MONDAY, "date": "next monday"}, "date", "invalid_value"),
    ({**REST_MONDAY, "date": 20250929}, "date", "invalid_type"),
    ({**REST_MONDAY, "date": "1066-10-14"}, "date", "invalid_value"),
    ({k: v for k, v in REST_MONDAY.items() if k != "date"}, "date", "missing_field"),
    ({**REST_MONDAY, "kind": "holiday"}, "kind", "invalid_value"),
    ({**REST_MONDAY, "kind": None}, "kind", "invalid_value"),
    ({**REST_MONDAY, "reason": "  "}, "reason", "missing_field"),
    ({**REST_MONDAY, "reason": 7}, "reason", "invalid_type"),
    ({**REST_MONDAY, "reason": "长" * 301}, "reason", "too_long"),
    ({**REST_MONDAY, "source": ["x"]}, "source", "invalid_type"),
    ({**REST_MONDAY, "colour": "red"}, "colour", "unknown_field"),
])
def test_bad_override_input_is_422_and_changes_nothing(api, world, body, field, code) -> None:
    response = api("admin").post(OVERRIDES, json=body)
    assert response.status_code == 422, response.json
    assert (response.json["error"], response.json["field"]) == (code, field) and response.json["message"]
    assert _audit(world, "calendar_override") == []


def test_bad_dates_in_delete_and_queries_are_422(api) -> None:
    assert _delete(api, "admin", f"{OVERRIDES}/2025-13-01").status_code == 422
    for query in ("year=abc", "year=3000"):
        response = api("drafter").get(f"/api/v1/calendar?{query}")
        assert response.status_code == 422 and response.json["field"] == "year", query
    for query in ("from=2025-09-31&workdays=20", "workdays=20", "from=2025-09-26", "from=2025-09-26&workdays=x",
                  "from=2025-09-26&workdays=0", "from=2025-09-26&workdays=100000"):
        response = api("drafter").get(f"/api/v1/calendar/explain?{query}")
        assert response.status_code == 422 and response.json["error"] and response.json["message"], query


def test_explain_over_the_api(api) -> None:
    response = api("drafter").get("/api/v1/calendar/explain?from=2025-09-26&workdays=20")
    assert response.status_code == 200
    body = response.json
    assert body["deadline"] == "2025-10-30" and body["estimated"] is False
    assert len(body["counted"]) == 20 and body["counted"][0]["date"] == "2025-09-28"  # Sunday, 调休上班
    assert "2025-10-01" in {d["date"] for d in body["skipped"]}
    assert "截止日 2025-10-30" in body["text"]
    assert api(None).get("/api/v1/calendar/explain?from=2025-09-26&workdays=20").status_code == 401


def test_calendar_year_lists_notable_days_and_coverage(api) -> None:
    year = api("reviewer").get("/api/v1/calendar?year=2025").json
    assert year["covered"] is True and year["estimated"] is False and 2025 in year["covered_years"]
    days = {d["date"]: d for d in year["days"]}
    assert days["2025-10-01"]["workday"] is False and days["2025-09-28"]["workday"] is True  # 国庆 / 调休
    assert "2025-09-29" not in days and "2025-09-27" not in days  # ordinary weekday / weekend
    estimated = api("reviewer").get("/api/v1/calendar?year=2099").json
    assert estimated["covered"] is False and estimated["estimated"] is True and estimated["days"] == []


# -- the admin page ---------------------------------------------------------------------------------

def test_admin_adds_and_removes_an_override_on_the_page(as_user, api, world) -> None:
    item = _submitted_item(api)
    before = _dates(api, item["id"])
    admin = as_user("admin")
    response = admin.post("/admin/calendar/overrides", data={"day": "2025-09-29", "kind": "rest",
                                                              "reason": "校庆放假", "source": ""},
                          follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 个在办事项的期限已重新计算" in page and "校庆放假" in page and "cal-override" in page
    assert _dates(api, item["id"])[0] == "2025-10-31"

    response = admin.post("/admin/calendar/overrides/2025-09-29/delete", follow_redirects=True)
    assert response.status_code == 200 and "已删除 2025-09-29 的调整" in response.get_data(as_text=True)
    assert _dates(api, item["id"]) == before
    assert len(_audit(world, "calendar_override_removed")) == 1


def test_page_form_errors_are_shown_not_500(as_user, world) -> None:
    admin = as_user("admin")
    missing_reason = admin.post("/admin/calendar/overrides", data={"day": "2025-09-29", "kind": "rest", "reason": ""})
    assert missing_reason.status_code == 422 and "override-form" in missing_reason.get_data(as_text=True)
    bad_kind = admin.post("/admin/calendar/overrides", data={"day": "2025-09-29", "kind": "later", "reason": "x"})
    assert bad_kind.status_code == 422
    bad_date = admin.post("/admin/calendar/overrides", data={"day": "2025-02-30", "kind": "rest", "reason": "x"})
    assert bad_date.status_code == 422
    far = admin.post("/admin/calendar/overrides", data={"day": "1800-01-01", "kind": "rest", "reason": "x"})
    assert far.status_code == 422
    assert admin.post("/admin/calendar/overrides/not-a-date/delete").status_code == 422
    assert admin.post("/admin/calendar/overrides/2025-09-29/delete").status_code == 404
    with world.app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(CalendarOverride)) == 0


def test_non_admins_get_403_on_the_page_actions(as_user, world) -> None:
    for user in ("drafter", "reviewer", "approver"):
        client = as_user(user)
        assert client.get("/admin/calendar").status_code == 403
        response = client.post("/admin/calendar/overrides", data={"day": "2025-09-29", "kind": "rest", "reason": "x"})
        assert response.status_code == 403, user
        assert client.post("/admin/calendar/overrides/2025-09-29/delete").status_code == 403
    with world.app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(CalendarOverride)) == 0


def test_page_explains_a_deadline_and_warns_about_estimated_years(as_user) -> None:
    admin = as_user("admin")
    page = admin.get("/admin/calendar?year=2025&from=2025-09-26&workdays=20").get_data(as_text=True)
    assert "explain-table" in page and "2025年10月30日 周四" in page and "第20天" in page
    assert "尚无官方节假日数据" not in page
    bad = admin.get("/admin/calendar?from=2025-09-26&workdays=abc")
    assert bad.status_code == 200 and "workdays" in bad.get_data(as_text=True)
    future = admin.get("/admin/calendar?year=2099").get_data(as_text=True)
    assert "2099年尚无官方节假日数据，期限按周末推算并标注为估算" in future


def test_page_forms_require_the_csrf_token(world) -> None:
    app = create_app(world.app, {"TESTING": True})  # CSRF on
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/login", data={"username": "admin", "password": "password-123",
                                       "csrf_token": token}).status_code == 302
    response = client.post("/admin/calendar/overrides", data={"day": "2025-09-29", "kind": "rest", "reason": "x"})
    assert response.status_code == 400
    assert client.post("/admin/calendar/overrides/2025-09-29/delete").status_code == 400
    with world.app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(CalendarOverride)) == 0
    assert "暂无管理员调整" in client.get("/admin/calendar").get_data(as_text=True)
