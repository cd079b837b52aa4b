"""The item page and the findings API never scan an attachment: they read its stored scan."""
from __future__ import annotations

from tests.conftest import item_payload
from tests.workflow.scan.gen import docx_bytes
from workflow.scan import worker
from workflow.services import items as svc
from workflow.services.attachments import add_attachment

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_item_page_views_and_api_reads_do_not_rescan(as_user, api, world) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload(title="关于招生工作的通知", body="见附件。"))
    add_attachment(world.app, world.drafter, item.id, "通知.docx", DOCX, docx_bytes(["手机：13812345678"]))
    scans = worker.scans_started
    drafter = as_user("drafter")
    for _ in range(3):
        page = drafter.get(f"/items/{item.id}").get_data(as_text=True)
        assert "通知.docx" in page and "138****5678" in page
        check = api("drafter").get(f"/api/v1/items/{item.id}/self-check").get_json()
        assert [f["detector"] for f in check["findings"]] == ["mobile_phone"]
    svc.submit(world.app, world.drafter, item.id)
    reviewer = as_user("reviewer")
    for _ in range(3):
        assert "138****5678" in reviewer.get(f"/items/{item.id}").get_data(as_text=True)
        found = api("reviewer").get(f"/api/v1/items/{item.id}/findings").get_json()
        assert [f["detector"] for f in found["findings"]] == ["mobile_phone"]
    assert worker.scans_started == scans
