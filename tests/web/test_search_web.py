"""Search over HTTP (issue 14): ``GET /api/v1/items?q=`` with its filters, the 搜索 page, and hostile input —
a clear 4xx in Chinese, never a 500 — on both databases."""
from __future__ import annotations

import re

import pytest

from tests.conftest import World, item_payload
from workflow.services import items as svc


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [row["id"] for row in response.get_json()["items"]]


def test_api_search_with_filters(api, world: World) -> None:
    app = world.app
    old = svc.create_item(app, world.drafter, item_payload(title="2024年招生章程", formed_on="2024-05-20"))
    new = svc.create_item(app, world.drafter, item_payload(title="2025年招生章程", body="含奖学金说明"))
    other = svc.create_item(app, world.other_drafter, item_payload(title="招生宣传", department="jwc"))
    drafter, admin = api("drafter"), api("admin")
    assert _ids(drafter.get("/api/v1/items?q=招生")) == [new.id, old.id]
    assert _ids(admin.get("/api/v1/items?q=招生")) == [other.id, new.id, old.id]
    assert _ids(admin.get("/api/v1/items?q=招生&department=jwc")) == [other.id]
    assert _ids(admin.get("/api/v1/items?q=招生&from=2025-01-01&to=2025-12-31")) == [other.id, new.id]
    assert _ids(admin.get("/api/v1/items?q=招生&category=jbxx")) == [other.id, new.id, old.id]
    assert _ids(admin.get("/api/v1/items?q=招生&category=zsks")) == []
    assert _ids(drafter.get("/api/v1/items?q=奖学")) == [new.id]
    assert _ids(drafter.get("/api/v1/items?q=招生&state=published")) == []
    body = drafter.get("/api/v1/items?q=招生").get_json()
    assert body["total"] == 2 and body["pages"] == 1


@pytest.mark.parametrize("query,field,message", [
    ("q=" + "招" * 101, "q", "搜索词太长"),
    ("q=招", "q", "只有一个字"),
    ("q=%E6%8B%9B%09%E7%94%9F%E5%AD%A6", "q", "控制字符"),              # a tab
    ("q=%E2%80%8B%E6%8B%9B%E7%94%9F", "q", "不可见字符"),              # a zero-width space
    ("from=2025-02-30", "from", "起始日期「2025-02-30」不是有效日期"),
    ("to=next-week", "to", "截止日期「next-week」不是有效日期"),
    ("from=2025-09-02&to=2025-09-01", "from", "起始日期不能晚于截止日期"),
    ("category=nope", "category", "未知的清单类别"),
])
def test_api_refuses_bad_input_with_422_in_chinese(api, query: str, field: str, message: str) -> None:
    response = api("drafter").get(f"/api/v1/items?{query}")
    assert response.status_code == 422
    body = response.get_json()
    assert body["field"] == field and message in body["message"]


def test_nul_and_c0_controls_are_refused_at_the_edge(api) -> None:
    for raw in ("%00%E6%8B%9B%E7%94%9F", "%01%E6%8B%9B%E7%94%9F"):
        response = api("drafter").get(f"/api/v1/items?q={raw}")
        assert response.status_code == 400 and response.get_json()["error"] == "bad_character"


def test_search_page_finds_highlights_and_filters(as_user, world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload(title="2025年国家奖学金评审结果", formed_on="2025-09-01"))
    svc.create_item(app, world.other_drafter, item_payload(title="奖学金名单（教务处）", department="jwc"))
    client = as_user("drafter")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/search"' in home and "搜索" in home
    page = client.get("/search?q=奖学").get_data(as_text=True)
    rows = re.findall(r'<tr id="item-row-(\d+)">', page)
    assert rows == [str(item.id)]                                   # not the other department's item
    assert "2025年国家<mark>奖学</mark>金评审结果" in page
    assert "草稿" in page and "学生处" in page and "2025年9月1日" in page
    assert "共 1 项" in page
    empty = client.get("/search?q=奖学&state=published").get_data(as_text=True)
    assert "没有找到符合条件的事项" in empty
    blank = client.get("/search").get_data(as_text=True)
    assert "search-results" not in blank and 'name="q"' in blank     # the form, no results yet


def test_search_page_shows_the_refusal_in_plain_chinese(as_user) -> None:
    client = as_user("drafter")
    response = client.get("/search?q=奖")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "搜索词「奖」只有一个字" in text and 'id="search-error"' in text
    response = client.get("/search?q=招生&from=2025-09-02&to=2025-09-01")
    assert response.status_code == 422 and "起始日期不能晚于截止日期" in response.get_data(as_text=True)


def test_search_page_escapes_titles(as_user, world: World) -> None:
    svc.create_item(world.app, world.drafter, item_payload(title="<script>alert(1)</script>招生"))
    page = as_user("drafter").get("/search?q=招生").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark>招生</mark>" in page


def test_search_page_needs_login(as_user) -> None:
    response = as_user(None).get("/search?q=招生")
    assert response.status_code in (302, 401)


def test_a_search_with_more_matches_than_the_cap_says_so(api, as_user, world: World, monkeypatch) -> None:
    from workflow.services import queries
    monkeypatch.setattr(queries, "SEARCH_COUNT_CAP", 3)
    made = sorted((svc.create_item(world.app, world.drafter, item_payload(title=f"招生简章{n}")).id for n in range(22)),
                  reverse=True)
    body = api("drafter").get("/api/v1/items?q=招生&per_page=2").get_json()
    assert [row["id"] for row in body["items"]] == made[:2]
    assert (body["total"], body["total_capped"], body["pages"]) == (3, True, 2)
    second = api("drafter").get("/api/v1/items?q=招生&per_page=2&page=2").get_json()
    assert [row["id"] for row in second["items"]] == made[2:4]
    assert (second["total"], second["total_capped"], second["pages"]) == (4, True, 3)   # counted to its end
    exact = api("drafter").get("/api/v1/items?q=简章10").get_json()
    assert (exact["total"], exact["total_capped"]) == (1, False)
    assert api("drafter").get("/api/v1/items").get_json()["total_capped"] is False   # no search: exact
    # the page shows 20 rows: counted to the end of the page, and more
    page = as_user("drafter").get("/search?q=招生").get_data(as_text=True)
    assert "找到 20+ 条" in page and "共 20 项" not in page and "?q=%E6%8B%9B%E7%94%9F&amp;page=2" in page
    english = as_user("drafter").get("/search?q=招生&lang=en").get_data(as_text=True)
    assert "More than 20 found" in english
