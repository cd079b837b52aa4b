"""The public item page (issue 15): the block disclosure sites show — 索引号, 发布机构, 文号, 发布日期, 清单
category by its title — and the public header (「<institution> 信息公开」) instead of the staff system's name."""
from __future__ import annotations

import re
from tests.conftest import World, item_payload, published_item
from workflow.services import items as svc

STAFF_WORDING = "信息公开保密审查与发布"


def _publish(world: World, **fields: object) -> int:
    return published_item(world, **fields)


def _meta(html: str, key: str) -> str:
    match = re.search(rf'id="meta-{key}"[^>]*>(.*?)</td>', html, re.S)
    assert match, html[:2000]
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_an_anonymous_visitor_sees_the_block_with_labels_not_codes(as_user, world: World) -> None:
    item_id = _publish(world, doc_number="漳理工学〔2025〕12号")
    page = as_user(None).get(f"/public/items/{item_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert _meta(html, "index") == "ZZIT/XSC-2025-00001"
    assert _meta(html, "publisher") == "学生处"
    assert _meta(html, "doc-number") == "漳理工学〔2025〕12号"
    assert _meta(html, "published") == "2025年9月26日"
    category = _meta(html, "category")
    assert category.startswith("基本信息 · ") and "1" not in category.split(" · ")[0]
    assert "2025-09-26" not in html and "+08:00" not in html


def test_the_serial_counts_the_department_s_publications_of_the_year_and_never_changes(as_user, world: World,
                                                                                         clock) -> None:
    first = _publish(world)
    clock.advance(hours=1)
    second = _publish(world, title="第二条")
    client = as_user(None)
    assert _meta(client.get(f"/public/items/{second}").get_data(as_text=True), "index") == "ZZIT/XSC-2025-00002"
    # a publication of the next year starts again at 1 and leaves the earlier numbers alone
    clock.advance(days=120)
    third = _publish(world, title="来年的")
    assert _meta(client.get(f"/public/items/{first}").get_data(as_text=True), "index") == "ZZIT/XSC-2025-00001"
    assert _meta(client.get(f"/public/items/{third}").get_data(as_text=True), "index") == "ZZIT/XSC-2026-00001"


def test_no_document_number_reads_none_and_the_prefix_is_a_setting(as_user, world: World) -> None:
    item_id = _publish(world)
    world.app.settings = world.app.settings.with_overrides({"public": {"index_prefix": "4135013758"}})
    html = as_user(None).get(f"/public/items/{item_id}").get_data(as_text=True)
    assert _meta(html, "doc-number") == "无"
    assert _meta(html, "index") == "4135013758/XSC-2025-00001"


def test_public_pages_carry_the_public_header_staff_pages_the_staff_one(as_user, world: World) -> None:
    item_id = _publish(world)
    anonymous = as_user(None)
    for path in ("/public/", f"/public/items/{item_id}", "/public/apply", "/public/apply/status", "/public/reports"):
        html = anonymous.get(path).get_data(as_text=True)
        assert "漳州理工职业学院 信息公开" in html, path
        assert STAFF_WORDING not in html, path
    english = anonymous.get(f"/public/items/{item_id}?lang=en").get_data(as_text=True)
    assert "Zhangzhou Institute of Technology information disclosure" in english
    assert "Index number" in english and "Publisher" in english
    staff = as_user("drafter").get("/").get_data(as_text=True)
    assert STAFF_WORDING in staff
    # a member of staff reading a public page sees the public header, with a way back to work
    logged_in = as_user("drafter").get(f"/public/items/{item_id}").get_data(as_text=True)
    assert STAFF_WORDING not in logged_in and "返回工作台" in logged_in


def test_the_drafter_sets_the_document_number_by_api_and_form(api, as_user, world: World) -> None:
    created = api("drafter").post("/api/v1/items", json=item_payload(doc_number="  学〔2025〕3号 "))
    assert created.status_code == 201 and created.get_json()["doc_number"] == "学〔2025〕3号"
    item_id = created.get_json()["id"]
    too_long = api("drafter").patch(f"/api/v1/items/{item_id}", json={"doc_number": "号" * 101})
    assert too_long.status_code == 422 and too_long.get_json()["field"] == "doc_number"
    cleared = api("drafter").patch(f"/api/v1/items/{item_id}", json={"doc_number": ""})
    assert cleared.status_code == 200 and cleared.get_json()["doc_number"] is None
    client = as_user("drafter")
    assert 'name="doc_number"' in client.get(f"/items/{item_id}/edit").get_data(as_text=True)
    form = {"title": "标题", "body": "正文", "catalog_code": "1", "channels": ["website"], "formed_on": "2025-09-26",
            "doc_number": "学〔2025〕4号"}
    assert client.post(f"/items/{item_id}/edit", data=form).status_code == 302
    assert api("drafter").get(f"/api/v1/items/{item_id}").get_json()["doc_number"] == "学〔2025〕4号"


def test_the_document_number_is_part_of_the_reviewed_content(world: World) -> None:
    from workflow.revisions import content_hash, snapshot
    item = svc.create_item(world.app, world.drafter, item_payload())
    without = content_hash(snapshot(item))
    numbered = svc.update_item(world.app, world.drafter, item.id, {"doc_number": "学〔2025〕5号"})
    assert content_hash(snapshot(numbered)) != without
    assert "doc_number" not in snapshot(item)   # old revisions keep their hashes
