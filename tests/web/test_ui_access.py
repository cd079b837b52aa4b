"""Every UI route × role: allowed, 403 or 404, cross-department included; CSRF; Chinese text."""
from __future__ import annotations

import pytest

from tests.conftest import CLEAR, World, item_payload
from tests.web.ui_helpers import login
from web.app import create_app
from workflow.services import items as svc

STAFF_PAGES = ["/", "/departments", "/help", "/inbox", "/settings", "/password"]
ADMIN_PAGES = ["/admin/overdue", "/admin/overdue.csv", "/admin/overdue.xlsx", "/admin/users",
               "/admin/departments", "/admin/calendar", "/admin/catalog"]
PUBLIC_PAGES = ["/public/", "/public/feed.atom", "/public/reports", "/login"]
ROLES = ["drafter", "reviewer", "approver", "admin", "other_drafter"]


@pytest.fixture
def items(world: World) -> dict[str, int]:
    """A draft, an item in review (xsc) and a published one; a draft of jwc."""
    app = world.app
    draft = svc.create_item(app, world.drafter, item_payload(title="草稿事项"))
    review = svc.create_item(app, world.drafter, item_payload(title="审查中事项"))
    svc.submit(app, world.drafter, review.id)
    published = svc.create_item(app, world.drafter, item_payload(title="已公开事项"))
    svc.submit(app, world.drafter, published.id)
    svc.pass_review(app, world.reviewer, published.id, CLEAR)
    svc.approve(app, world.approver, published.id)
    jwc = svc.create_item(app, world.other_drafter, item_payload(title="教务处草稿", department="jwc"))
    return {"draft": draft.id, "review": review.id, "published": published.id, "jwc": jwc.id}


def test_every_page_for_every_role(as_user, items) -> None:
    for role in ROLES:
        client = as_user(role)
        for path in STAFF_PAGES + PUBLIC_PAGES[:-1]:
            assert client.get(path).status_code == 200, (role, path)
        for path in ADMIN_PAGES:
            assert client.get(path).status_code == (200 if role == "admin" else 403), (role, path)
        new = client.get("/items/new").status_code
        assert new == (200 if role in ("drafter", "other_drafter") else 403), role
        own_scope = role in ("drafter", "reviewer", "approver", "admin")
        assert client.get("/departments/xsc").status_code == (200 if own_scope else 404), role
        assert client.get("/departments/jwc").status_code == (200 if role in ("admin", "other_drafter") else 404)
        assert client.get(f"/items/{items['draft']}").status_code == (200 if own_scope else 404), role
        assert client.get(f"/items/{items['jwc']}").status_code == (200 if role in ("admin", "other_drafter")
                                                                     else 404), role
        assert client.get(f"/items/{items['published']}").status_code == 200, role
        assert client.get("/items/999999").status_code == 404


def test_anonymous_is_sent_to_login_and_sees_public_pages(as_user, items) -> None:
    client = as_user(None)
    for path in STAFF_PAGES + ADMIN_PAGES + [f"/items/{items['draft']}", "/items/new"]:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    for path in PUBLIC_PAGES:
        assert client.get(path).status_code == 200, path
    assert client.get(f"/public/items/{items['published']}").status_code == 200
    assert client.get(f"/public/items/{items['draft']}").status_code == 404
    assert client.get("/public/items/999999").status_code == 404


def test_edit_and_actions_respect_scope(as_user, items) -> None:
    other = as_user("other_drafter")
    assert other.get(f"/items/{items['draft']}/edit").status_code == 404
    assert other.post(f"/items/{items['draft']}/do/submit").status_code == 404
    reviewer = as_user("reviewer")
    assert reviewer.get(f"/items/{items['draft']}/edit").status_code == 403
    assert reviewer.post(f"/items/{items['draft']}/do/submit").status_code == 403
    drafter = as_user("drafter")
    page = drafter.get(f"/items/{items['review']}").get_data(as_text=True)
    assert "审查通过" not in page.split("办理记录")[0]  # the drafter gets no review buttons
    response = drafter.post(f"/items/{items['review']}/do/pass_review", data={})
    assert response.status_code == 403


def test_review_cycle_through_forms(as_user, items) -> None:
    reviewer, drafter, approver = as_user("reviewer"), as_user("drafter"), as_user("approver")
    item = items["review"]
    refused = reviewer.post(f"/items/{item}/do/return", data={"reason": " "})
    assert refused.status_code == 422 and "请填写审查意见" in refused.get_data(as_text=True)
    assert reviewer.post(f"/items/{item}/do/return", data={"reason": "请补充依据"}).status_code == 302
    assert "请补充依据" in drafter.get(f"/items/{item}").get_data(as_text=True)
    assert drafter.post(f"/items/{item}/do/submit").status_code == 302
    answers = {f"q_{key}": "no" for key in CLEAR}
    incomplete = reviewer.post(f"/items/{item}/do/pass_review", data={"q_state_secret": "no"})
    assert incomplete.status_code == 422
    assert reviewer.post(f"/items/{item}/do/pass_review", data=answers).status_code == 302
    confirm = approver.post(f"/items/{item}/do/approve")  # first what goes public, where and when
    assert confirm.status_code == 200 and "请确认：批准" in confirm.get_data(as_text=True)
    assert "审批" in approver.get(f"/items/{item}").get_data(as_text=True)
    assert approver.post(f"/items/{item}/do/approve", data={"confirmed": "1"}).status_code == 302
    assert "已公开" in approver.get(f"/items/{item}").get_data(as_text=True)
    assert "审查中事项" in as_user(None).get("/public/feed.atom").get_data(as_text=True)


def test_create_edit_and_attach(as_user, world) -> None:
    drafter = as_user("drafter")
    form = {"title": "新事项", "body": "正文<script>alert(1)</script>", "department": "xsc", "catalog_code": "1",
            "channels": ["website"], "formed_on": "2025-09-25"}
    created = drafter.post("/items/new", data=form)
    assert created.status_code == 302
    url = created.headers["Location"]
    page = drafter.get(url).get_data(as_text=True)
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    bad = drafter.post("/items/new", data={**form, "formed_on": "2099-01-01"})
    assert bad.status_code == 422 and "不能晚于今天" in bad.get_data(as_text=True)
    import io
    uploaded = drafter.post(url + "/attachments", data={"file": (io.BytesIO(b"hello"), "名单.txt")},
                            content_type="multipart/form-data")
    assert uploaded.status_code == 302
    assert "名单.txt" in drafter.get(url).get_data(as_text=True)
    refused = drafter.post(url + "/attachments", data={"file": (io.BytesIO(b"x"), "evil.exe")},
                           content_type="multipart/form-data")
    assert refused.status_code == 422
    edited = drafter.post(url + "/edit", data={**form, "title": "新事项（修改）"})
    assert edited.status_code == 302
    assert "新事项（修改）" in drafter.get(url).get_data(as_text=True)


def test_csrf_is_required(world: World) -> None:
    client = create_app(world.app, {"TESTING": True, "WTF_CSRF_ENABLED": True}).test_client()
    response = client.post("/login", data={"username": "drafter", "password": "password-123"})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    ok = client.post("/login", data={"username": "drafter", "password": "password-123", "csrf_token": token})
    assert ok.status_code == 302


def test_chinese_by_default_english_on_request(as_user) -> None:
    client = as_user("admin")
    page = client.get("/admin/overdue").get_data(as_text=True)
    assert "超期预警" in page and 'lang="zh-CN"' in page
    english = client.get("/admin/overdue?lang=en")
    assert 'lang="en"' in english.get_data(as_text=True)
    assert "lang=en" in english.headers.get("Set-Cookie", "")
    assert 'lang="en"' in client.get("/").get_data(as_text=True)  # remembered by the cookie


def test_admin_lands_on_overdue_and_exports(as_user, world, clock, items) -> None:
    clock.advance(days=20)  # before logging in: a session lasts security.session_hours, not 20 days
    client = as_user(None)
    response = client.post("/login", data={"username": "admin", "password": "password-123"})
    assert response.headers["Location"].endswith("/admin/overdue")
    csv_body = client.get("/admin/overdue.csv").data
    assert csv_body.startswith(b"\xef\xbb\xbf") and "审查中事项".encode() in csv_body
    assert "严重超期" in client.get("/admin/overdue").get_data(as_text=True)
    xlsx = client.get("/admin/overdue.xlsx")
    assert xlsx.data[:2] == b"PK"
    assert client.get("/admin/overdue?department=nope").status_code == 400


def test_admin_adds_user_and_department(as_user) -> None:
    admin = as_user("admin")
    assert admin.post("/admin/departments", data={"code": "cwc", "name": "财务处"}).status_code == 302
    assert "财务处" in admin.get("/admin/departments").get_data(as_text=True)
    added = admin.post("/admin/users", data={"username": "cwc-drafter", "password": "long-password-1",
                                            "roles": ["drafter"], "departments": ["cwc"]})
    assert added.status_code == 302
    login(as_user(None), "admin")
    assert "cwc-drafter" in admin.get("/admin/users").get_data(as_text=True)
    dup = admin.post("/admin/departments", data={"code": "cwc", "name": "财务处"})
    assert dup.status_code == 409
