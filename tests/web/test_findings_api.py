"""GET /api/v1/items/{id}/findings and the 409 for blocking findings."""
from __future__ import annotations

from tests.conftest import CLEAR, item_payload
from tests.workflow.scan.gen import resident_id
from workflow.services import items as svc

ID_NUMBER = resident_id()


def test_findings_api_shape(api, world) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload(body=f"身份证号：{ID_NUMBER}"))
    svc.submit(world.app, world.drafter, item.id)
    item_id = item.id
    response = api("reviewer").get(f"/api/v1/items/{item_id}/findings")
    assert response.status_code == 200
    assert response.json["blocking_open"] == 1 and ID_NUMBER not in response.get_data(as_text=True)
    blocked = api("reviewer").post(f"/api/v1/items/{item_id}/transitions",
                                   json={"trigger": "pass_review", "checklist": CLEAR})
    assert blocked.status_code == 409 and blocked.json["error"] == "blocking_findings"
    assert api("other_drafter").get(f"/api/v1/items/{item_id}/findings").status_code == 404
