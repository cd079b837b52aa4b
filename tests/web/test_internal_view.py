"""Hole 3 (issue 10): earlier revisions only for the item's department scope and admins.

A published item whose first revision held an unmasked ID number and phone: staff of another
department see what the public sees (the current, masked content) on the item page and in
every API response; history, findings, the diff and earlier attachments are not theirs. Its
own department and admins still see the diff.
"""
from __future__ import annotations

import pytest

from tests.conftest import CLEAR, World, item_payload
from workflow.services import attachments, item_scan
from workflow.services import items as svc

ID_NUMBER, PHONE = "11010519491231002X", "13800138000"


def _published_after_masking(world: World) -> tuple[int, int]:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload(
        body=f"困难学生张三，身份证号{ID_NUMBER}，联系电话{PHONE}，予以资助。"))
    old = attachments.add_attachment(app, world.drafter, item.id, "原始名单.txt", "text/plain",
                                     f"张三 {ID_NUMBER} {PHONE}".encode())
    svc.submit(app, world.drafter, item.id)
    svc.return_item(app, world.reviewer, item.id, reason="含有未脱敏的个人信息，请脱敏")
    item_scan.apply_masking(app, world.drafter, item.id)
    attachments.remove_attachment(app, world.drafter, item.id, old.id)
    attachments.add_attachment(app, world.drafter, item.id, "名单.txt", "text/plain", "张三".encode())
    svc.submit(app, world.drafter, item.id)
    svc.pass_review(app, world.reviewer, item.id, checklist={**CLEAR, "personal_info": True}, legal_basis="资助公示",
                    justifications={"personal_info": {"ground": "legal_duty"}})
    published = svc.approve(app, world.approver, item.id)
    assert published.state == "published" and ID_NUMBER not in published.body
    return item.id, old.id


def _clean(text: str) -> bool:
    return ID_NUMBER not in text and PHONE not in text


@pytest.mark.parametrize("outsider", ["other_reviewer", "other_drafter"])
def test_other_department_sees_only_the_public_view(as_user, api, world: World, outsider: str) -> None:
    item_id, old_attachment = _published_after_masking(world)
    page = as_user(outsider).get(f"/items/{item_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _clean(html) and "困难学生张三" in html  # the published content is there, the earlier one not
    assert "含有未脱敏的个人信息" not in html  # nor the history's reasons
    client = api(outsider)
    item = client.get(f"/api/v1/items/{item_id}")
    assert item.status_code == 200 and _clean(item.get_data(as_text=True))
    assert item.get_json()["view"] == "public"
    for path in (f"/api/v1/items/{item_id}/history", f"/api/v1/items/{item_id}/findings",
                 f"/api/v1/items/{item_id}/self-check"):
        response = client.get(path)
        assert response.status_code in (403, 404), path
        assert _clean(response.get_data(as_text=True)), path
    removed = as_user(outsider).get(f"/items/{item_id}/attachments/{old_attachment}")  # SQLite may reuse the id
    assert removed.status_code == 404 or _clean(removed.get_data(as_text=True))
    current = svc.get_item(world.app, world.admin, item_id).attachments[0].id
    assert as_user(outsider).get(f"/items/{item_id}/attachments/{current}").status_code == 200  # public one


@pytest.mark.parametrize("insider", ["reviewer", "drafter2", "admin"])
def test_own_department_and_admin_still_see_the_diff(as_user, api, world: World, insider: str) -> None:
    item_id, _old = _published_after_masking(world)
    html = as_user(insider).get(f"/items/{item_id}").get_data(as_text=True)
    assert ID_NUMBER in html and "第 1 次提交 → 第 2 次提交" in html  # the diff's removed lines
    assert "含有未脱敏的个人信息" in html
    client = api(insider)
    assert client.get(f"/api/v1/items/{item_id}").get_json()["view"] == "full"
    assert client.get(f"/api/v1/items/{item_id}/history").status_code == 200
    assert client.get(f"/api/v1/items/{item_id}/findings").status_code == 200


def test_earlier_item_of_a_revision_stays_inside(as_user, api, world: World) -> None:
    app = world.app
    item_id, _old = _published_after_masking(world)
    kept = svc.get_item(app, world.admin, item_id).attachments[0].id
    revision = svc.revise(app, world.drafter2, item_id)
    svc.update_item(app, world.drafter2, revision.id, {"body": "资助名单已更新。"})
    svc.submit(app, world.drafter2, revision.id)
    svc.pass_review(app, world.reviewer, revision.id, checklist=CLEAR)
    svc.approve(app, world.approver, revision.id)
    outsider = as_user("other_reviewer")
    html = outsider.get(f"/items/{revision.id}").get_data(as_text=True)
    assert "困难学生张三" not in html and _clean(html)  # no diff against the superseded item
    assert outsider.get(f"/items/{item_id}").status_code == 404
    assert outsider.get(f"/items/{item_id}/attachments/{kept}").status_code == 404
    assert api("other_reviewer").get(f"/api/v1/items/{item_id}").status_code == 404
    assert "困难学生张三" in as_user("reviewer").get(f"/items/{revision.id}").get_data(as_text=True)
