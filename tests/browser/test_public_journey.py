"""The public side in Chromium (issue 15): a member of the public files an application with a postal address
and an identity document, gets the printable 回执, checks the status with its steps; the office finds the
identity document on the application page; a published item shows the block disclosure sites show."""
from __future__ import annotations

import re

import pytest

from tests.applications_helpers import ID_PNG
from tests.browser.conftest import LiveServer, shot
from tests.browser.conftest import people as browser_people
from tests.conftest import CLEAR

pytestmark = pytest.mark.browser
ADDRESS = "福建省漳州市龙文区某某路1号 363000"
CONTACT = "13800138000"


@pytest.fixture(scope="module")
def published_item(live_server: LiveServer) -> int:
    """A published item of 学生处 with a 文号."""

    from workflow.services import items as svc
    app = live_server.app
    people = browser_people(app)
    item = svc.create_item(app, people["drafter"], {
        "title": "关于2025年国家助学金评审结果的公示", "body": "经学院评审委员会评审，现将结果公示如下。",
        "department": "xsc", "catalog_code": "1", "channels": ["website"], "formed_on": "2025-09-26",
        "doc_number": "漳理工学〔2025〕12号"})
    svc.submit(app, people["drafter"], item.id)
    svc.pass_review(app, people["reviewer"], item.id, CLEAR)
    svc.approve(app, people["approver"], item.id)
    return item.id


def test_an_item_page_shows_the_block_and_the_public_header(open_as, live_server: LiveServer,
                                                            published_item: int) -> None:
    page = open_as(None)
    page.goto(f"{live_server.url}/public/items/{published_item}")
    assert page.inner_text("#public-brand") == "漳州理工职业学院 信息公开"
    assert "保密审查" not in page.inner_text("nav")
    assert page.inner_text("#meta-index") == "ZZIT/XSC-2025-00001"
    assert page.inner_text("#meta-publisher") == "学生处"
    assert page.inner_text("#meta-doc-number") == "漳理工学〔2025〕12号"
    assert page.inner_text("#meta-published") == "2025年9月26日"
    assert page.inner_text("#meta-category").startswith("基本信息 · ")
    shot(page, f"20-public-item-{live_server.app.db.dialect}")


def test_a_member_of_the_public_applies_prints_the_receipt_and_follows_the_steps(
        open_as, live_server: LiveServer) -> None:
    page = open_as(None)
    page.goto(f"{live_server.url}/public/apply")
    assert page.input_value("#delivery_form") == "paper"
    page.fill("#name", "王小明")
    page.fill("#contact", CONTACT)
    page.fill("#request_text", "请提供2024-2025学年学生资助资金的使用情况。")
    page.fill("#postal_address", ADDRESS)
    page.set_input_files("#identity_document", files=[{"name": "身份证.png", "mimeType": "image/png",
                                                       "buffer": ID_PNG}])
    shot(page, f"21-public-apply-{live_server.app.db.dialect}")
    page.click("button[type=submit]")
    page.wait_for_selector("#receipt")
    number = page.inner_text("#receipt-tracking-no")
    assert re.fullmatch(r"2025[2-9A-Z]{12}", number)
    assert page.inner_text("#receipt-received") == "2025年9月26日"
    assert page.inner_text("#receipt-due") == "2025年10月23日"
    shot(page, f"22-public-receipt-{live_server.app.db.dialect}")
    page.emulate_media(media="print")              # the receipt prints alone
    assert page.is_visible("#receipt") and not page.is_visible("#public-nav")
    assert not page.is_visible("#print-receipt") and not page.is_visible(".alert-success")
    page.emulate_media(media="screen")

    page.click("#status-link")
    page.fill("#contact", CONTACT)
    page.click("form button[type=submit]")
    page.wait_for_selector("#status-steps")
    steps = page.locator("#status-steps li")
    assert steps.count() == 4
    assert "收到申请" in steps.nth(0).inner_text() and "2025年9月26日" in steps.nth(0).inner_text()
    assert "step-current" in (steps.nth(1).get_attribute("class") or "")
    assert not page.is_visible("#download-letter")
    shot(page, f"23-public-status-{live_server.app.db.dialect}")

    office = open_as("admin")
    office.goto(f"{live_server.url}/applications")
    office.click(f"text={number}")
    office.wait_for_selector("#office-details")
    assert ADDRESS in office.inner_text("#postal-address")
    assert office.inner_text("#identity-document").startswith("身份证.png")
    with office.expect_download() as download:
        office.click("#identity-document a")
    assert download.value.suggested_filename == "身份证.png"
    shot(office, f"24-application-office-{live_server.app.db.dialect}")
