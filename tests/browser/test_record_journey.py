"""Printing the 审查审批表 of a published item and verifying it through its QR code, in the browser (issue 14):
the reviewer opens the record from the item page, the PDF downloads with the six answers and a QR code, the
QR code scanned off the screen opens the verify page, which says 一致; someone of another department gets
nothing."""
from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import LiveServer, shot
from tests.browser.conftest import people as browser_people
from tests.records_helpers import pdf_qr_links, pdf_text, squeeze
from workflow.checklist import REQUIRED_KEYS, BY_KEY

pytestmark = pytest.mark.browser
TITLE = "2025年秋季学期学生宿舍调整方案"
LEGAL_BASIS = "《高等学校信息公开办法》第七条"


@pytest.fixture(scope="module")
def published_item(live_server: LiveServer) -> int:
    """An item drafted, reviewed ("yes" to personal information, on a legal duty) and approved."""

    from workflow.services import items as svc
    app = live_server.app
    people = browser_people(app)
    item = svc.create_item(app, people["drafter"], {
        "title": TITLE, "body": "经研究，现将调整方案公布如下。", "department": "xsc", "catalog_code": "1",
        "channels": ["website", "wechat"], "formed_on": "2025-09-26"})
    svc.submit(app, people["drafter"], item.id)
    svc.pass_review(app, people["reviewer"], item.id, {**{key: False for key in REQUIRED_KEYS}, "personal_info": True},
                    legal_basis=LEGAL_BASIS, justifications={"personal_info": {"ground": "legal_duty"}})
    svc.approve(app, people["approver"], item.id)
    return item.id


def _scan(png: bytes) -> str:
    import zxingcpp
    from PIL import Image
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return code.text


def test_print_the_record_download_its_pdf_and_verify_it_by_its_qr_code(open_as, live_server: LiveServer,
                                                                        published_item: int, tmp_path: Path) -> None:
    url = live_server.url
    page = open_as("reviewer")
    page.goto(f"{url}/items/{published_item}")
    page.click("#record-link")
    page.wait_for_load_state()
    assert page.url == f"{url}/items/{published_item}/record"
    assert page.inner_text("h1") == "信息公开保密审查审批表"
    assert page.inner_text("#record-title") == TITLE
    steps = page.inner_text("#record-steps")
    for key in REQUIRED_KEYS:                      # the six questions of the first checklist, answered
        assert BY_KEY[key].label in steps
    assert LEGAL_BASIS in steps and "审查通过" in steps and "批准" in steps
    shot(page, f"14-record-{live_server.app.db.dialect}")
    page.emulate_media(media="print")
    assert not page.is_visible("#record-toolbar")  # the buttons are not printed
    page.emulate_media(media="screen")

    link = _scan(page.locator("#record-qr").screenshot())   # the QR code, read off the screen
    assert link == page.inner_text("#record-verify-url")
    parts = urlsplit(link)
    assert parts.path == f"/items/{published_item}/record/verify"

    with page.expect_download(timeout=60000) as download:  # a first PDF loads the fonts: a few seconds
        page.click("#record-pdf", no_wait_after=True)
    pdf = Path(download.value.path()).read_bytes()
    text = pdf_text(pdf)
    for key in REQUIRED_KEYS:
        assert squeeze(BY_KEY[key].label) in text
    assert squeeze(LEGAL_BASIS) in text and pdf_qr_links(pdf) == [link]

    page.goto(f"{url}{parts.path}?{parts.query}")  # the QR code's link, on this server
    result = page.locator("#verify-result")
    assert result.get_attribute("data-result") == "consistent" and "一致" in result.inner_text()
    shot(page, f"14-record-verify-{live_server.app.db.dialect}")

    outsider = open_as("jwc-drafter")
    response = outsider.goto(f"{url}{parts.path}?{parts.query}")
    assert response is not None and response.status == 404
    anonymous = open_as(None)
    anonymous.goto(f"{url}{parts.path}?{parts.query}")
    assert "/login" in anonymous.url  # the link holds no secret: it asks for a login first
