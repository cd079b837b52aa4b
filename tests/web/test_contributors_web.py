"""Hole 2 through the API and the UI: a contributor gets 403 ``separation_of_duties`` and no button."""
from __future__ import annotations

import pytest

from tests.conftest import CLEAR, World, item_payload
from workflow.services import items as svc


def _submitted_after(api, edit: str) -> int:
    created = api("drafter").post("/api/v1/items", json=item_payload())
    item_id = created.get_json()["id"]
    helper = api("all_rounder")
    if edit == "body":
        assert helper.patch(f"/api/v1/items/{item_id}", json={"body": "他人修改的正文"}).status_code == 200
    elif edit == "mask":
        api("drafter").patch(f"/api/v1/items/{item_id}", json={"body": "电话13800138000"})
        assert helper.post(f"/api/v1/items/{item_id}/masking", json={}).status_code == 200
    assert api("drafter").post(f"/api/v1/items/{item_id}/transitions", json={"trigger": "submit"}).status_code == 200
    return item_id


@pytest.mark.parametrize("edit", ["body", "mask"])
def test_api_contributor_cannot_pass_review_or_approve(api, world: World, edit: str) -> None:
    item_id = _submitted_after(api, edit)
    refused = api("all_rounder").post(f"/api/v1/items/{item_id}/transitions",
                                      json={"trigger": "pass_review", "checklist": CLEAR})
    assert refused.status_code == 403 and refused.get_json()["error"] == "separation_of_duties"
    assert api("reviewer").post(f"/api/v1/items/{item_id}/transitions",
                                json={"trigger": "pass_review", "checklist": CLEAR}).status_code == 200
    refused = api("all_rounder").post(f"/api/v1/items/{item_id}/transitions", json={"trigger": "approve"})
    assert refused.status_code == 403 and refused.get_json()["error"] == "separation_of_duties"
    assert api("all_rounder").get(f"/api/v1/items/{item_id}").get_json()["state"] == "approval"


@pytest.mark.parametrize("edit", ["attachment_add", "attachment_remove"])
def test_ui_attachment_contributor_sees_no_decision_buttons(as_user, world: World, edit: str) -> None:
    import io
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    helper = as_user("all_rounder")
    if edit == "attachment_remove":
        from workflow.services import attachments
        row = attachments.add_attachment(app, world.drafter, item.id, "a.txt", "text/plain", b"x")
        response = helper.post(f"/items/{item.id}/attachments/{row.id}/delete")
    else:
        response = helper.post(f"/items/{item.id}/attachments", data={"file": (io.BytesIO(b"list"), "b.txt")},
                               content_type="multipart/form-data")
    assert response.status_code == 302
    svc.submit(app, world.drafter, item.id)
    page = helper.get(f"/items/{item.id}").get_data(as_text=True)
    assert "/do/pass_review" not in page
    refused = helper.post(f"/items/{item.id}/do/pass_review",
                          data={f"q_{k}": "no" for k in CLEAR})
    assert refused.status_code == 403
    assert svc.get_item(app, world.admin, item.id).state == "secrecy_review"
    assert "/do/pass_review" in as_user("reviewer").get(f"/items/{item.id}").get_data(as_text=True)
