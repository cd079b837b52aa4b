"""The drafter sees the pre-submit self-check on a draft and masks it in one click."""
from __future__ import annotations

from tests.conftest import item_payload
from tests.workflow.scan.gen import resident_id
from workflow.services import items as svc

ID_NUMBER = resident_id()


def test_one_click_masking(as_user, world) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload(body=f"王五 身份证号 {ID_NUMBER}"))
    drafter = as_user("drafter")
    page = drafter.get(f"/items/{item.id}").get_data(as_text=True)
    preview = page.split('id="masked-preview">')[1].split("</pre>")[0]
    assert 'id="self-check"' in page and "一键脱敏" in page
    assert ID_NUMBER not in preview and ID_NUMBER[:6] in preview
    response = drafter.post(f"/items/{item.id}/mask", data={"version": item.version})
    assert response.status_code == 302
    assert ID_NUMBER not in svc.get_item(world.app, world.drafter, item.id).body
    assert 'id="btn-mask"' not in drafter.get(f"/items/{item.id}").get_data(as_text=True)
    assert as_user("reviewer").post(f"/items/{item.id}/mask", data={}).status_code == 403
