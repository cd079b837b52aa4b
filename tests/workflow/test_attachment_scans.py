"""Attachment self-check in the workflow: scanned once per content (bounded worker), page views
and API reads only read the stored scan, an unscannable file blocks like any blocking finding."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import AttachmentScan
from tests.conftest import CLEAR, World, item_payload
from tests.workflow.scan.crafted import docx_with_huge_headers, truncated_docx
from tests.workflow.scan.gen import docx_bytes
from workflow import scheduler
from workflow.context import Gongkai
from workflow.errors import BlockedByFindings
from workflow.scan import worker
from workflow.services import items as svc
from workflow.services.attachments import add_attachment
from workflow.services.item_scan import item_findings, self_check
from workflow.wiring import build_gongkai

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PHONE_DOCX = docx_bytes(["联系人：王老师", "手机：13812345678"])


def _rows(app: Gongkai) -> list[AttachmentScan]:
    with app.db.read() as session:
        return list(session.scalars(select(AttachmentScan).order_by(AttachmentScan.id)))


def _attachment_findings(report: dict, filename: str) -> list[dict]:
    return [f for f in report["findings"] if f["location"] == filename]


def test_upload_scans_once_and_page_views_only_read(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload(title="关于招生工作的通知", body="见附件。"))
    before = worker.scans_started
    add_attachment(app, world.drafter, item.id, "通知.docx", DOCX, PHONE_DOCX)
    assert worker.scans_started == before + 1
    (row,) = _rows(app)
    assert row.complete and row.reason == ""
    for _ in range(3):      # the item page of a draft shows the self-check every time
        check = self_check(app, world.drafter, item.id)
        (phone,) = _attachment_findings(check, "通知.docx")
        assert phone["detector"] == "mobile_phone" and phone["sublocation"] == "第2段"
    # The same content attached to another item, under another name: read from the cache.
    other = svc.create_item(app, world.drafter, item_payload(title="另一个通知"))
    add_attachment(app, world.drafter, other.id, "副本.docx", DOCX, PHONE_DOCX)
    assert [f["location"] for f in self_check(app, world.drafter, other.id)["findings"]] == ["副本.docx"]
    svc.submit(app, world.drafter, item.id)
    report = item_findings(app, world.reviewer, item.id)
    assert [f["detector"] for f in _attachment_findings(report, "通知.docx")] == ["mobile_phone"]
    assert worker.scans_started == before + 1 and len(_rows(app)) == 1
    assert _rows(app)[0].scanned_at == row.scanned_at


@pytest.mark.parametrize("filename,make", [("通知.docx", docx_with_huge_headers), ("名单.docx", truncated_docx)])
def test_an_attachment_that_cannot_be_scanned_blocks_review(world: World, filename, make) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload(title="关于招生工作的通知", body="见附件。"))
    add_attachment(app, world.drafter, item.id, filename, DOCX, make())
    assert not _rows(app)[0].complete and _rows(app)[0].reason.startswith("无法完成自检")
    svc.submit(app, world.drafter, item.id)
    report = item_findings(app, world.reviewer, item.id)
    (finding,) = _attachment_findings(report, filename)
    assert finding["detector"] == "scan_incomplete" and finding["severity"] == "blocking"
    assert finding["message"].startswith("无法完成自检：") and not finding["acceptable"]
    assert report["blocking_open"] == 1
    with pytest.raises(BlockedByFindings):
        svc.pass_review(app, world.reviewer, item.id, checklist=CLEAR)


def test_new_scanner_settings_rescan_in_the_scheduler_not_on_a_page_view(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload(title="关于招生工作的通知", body="见附件。"))
    add_attachment(app, world.drafter, item.id, "通知.docx", DOCX, PHONE_DOCX)
    changed = build_gongkai(db=app.db, settings=app.settings.with_overrides({"scan_worker": {"max_pages": 100}}),
                      clock=app.clock)
    before = worker.scans_started
    (pending,) = _attachment_findings(self_check(changed, world.drafter, item.id), "通知.docx")
    assert pending["detector"] == "scan_incomplete" and "尚未完成自检" in pending["message"]
    assert worker.scans_started == before
    assert scheduler.scan_attachments(changed) == 1
    assert scheduler.scan_attachments(changed) == 0          # nothing left to do
    (phone,) = _attachment_findings(self_check(changed, world.drafter, item.id), "通知.docx")
    assert phone["detector"] == "mobile_phone"
    with app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(AttachmentScan)) == 2


def test_submission_scans_what_is_missing(world: World) -> None:
    app = world.app
    quiet = build_gongkai(db=app.db, settings=app.settings.with_overrides({"scan_worker": {"scan_on_upload": False}}),
                    clock=app.clock)
    item = svc.create_item(quiet, world.drafter, item_payload(title="关于招生工作的通知", body="见附件。"))
    add_attachment(quiet, world.drafter, item.id, "通知.docx", DOCX, PHONE_DOCX)
    assert _rows(app) == []
    svc.submit(quiet, world.drafter, item.id)
    assert len(_rows(app)) == 1
    report = item_findings(quiet, world.reviewer, item.id)
    assert [f["detector"] for f in _attachment_findings(report, "通知.docx")] == ["mobile_phone"]
