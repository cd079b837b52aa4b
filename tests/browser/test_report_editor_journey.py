"""The report's narrative editor in the browser (issue 15): the admin opens it, sees plain text with named
placeholders (no template syntax), clicks a placeholder in the palette, sees the part's preview follow with
this year's figure, saves, downloads the Word report and finds the sentence with the figure in it."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document

from tests.browser.conftest import SCREENSHOTS, LiveServer
from tests.browser.conftest import people as browser_people

pytestmark = pytest.mark.browser
YEAR = "2024-2025"   # the live server's clock stands in September 2025: the year that has just ended
SENTENCE = "本学年评议：共公开1条。"


@pytest.fixture(scope="module")
def published_in_year(live_server: LiveServer) -> int:
    """One item published in the academic year 2024-2025."""
    from datetime import datetime


    from workflow.clock import SHANGHAI
    from workflow.services import items as svc
    app = live_server.app
    people = browser_people(app)
    before = app.clock.now()
    live_server.clock.set(datetime(2025, 3, 10, 10, 0, tzinfo=SHANGHAI))
    item = svc.create_item(app, people["drafter"], {
        "title": "2025年春季学期校历", "body": "现将校历公布如下。", "department": "xsc", "catalog_code": "1",
        "channels": ["website"], "formed_on": "2025-03-07"})
    svc.submit(app, people["drafter"], item.id)
    svc.pass_review(app, people["reviewer"], item.id, {key: False for key in __import__(
        "workflow.checklist", fromlist=["REQUIRED_KEYS"]).REQUIRED_KEYS})
    svc.approve(app, people["approver"], item.id)
    live_server.clock.set(before)
    return item.id


def test_edit_a_part_with_a_placeholder_preview_save_and_download(open_as, live_server: LiveServer,
                                                                  published_in_year: int) -> None:
    page = open_as("admin")
    page.goto(f"{live_server.url}/admin/reports/?year={YEAR}")
    body = page.inner_text("body")
    assert "{{" not in body and "{%" not in body
    assert "〔主动公开总数〕" in page.input_value("#section_active")

    page.fill("#section_evaluation", "本学年评议：共公开")
    page.click('#placeholder-palette button[data-insert="〔主动公开总数〕"]')
    page.keyboard.type("条。")
    assert page.input_value("#section_evaluation") == "本学年评议：共公开〔主动公开总数〕条。"
    preview = page.locator("#preview_evaluation .preview-body")
    preview.filter(has_text=SENTENCE).wait_for()            # the live preview, with this year's figure
    # the part, its preview and the palette beside it, as the admin sees them (docs/report.md)
    page.evaluate("document.getElementById('part_evaluation').scrollIntoView({block: 'start', behavior: 'instant'})")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"20-report-editor-{live_server.app.db.dialect}.png"))

    page.click("#narratives > .row button[type=submit]:not([name])")
    page.wait_for_load_state()
    assert "报告文字已保存" in page.inner_text("body")
    assert page.input_value("#section_evaluation") == "本学年评议：共公开〔主动公开总数〕条。"

    with page.expect_download(timeout=60000) as download:   # the charts and the Word file take a moment
        page.click(f'a[href$="year={YEAR}&format=docx"]', no_wait_after=True)
    document = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert SENTENCE in [paragraph.text for paragraph in document.paragraphs]


def test_the_english_editor_shows_english_names(open_as, live_server: LiveServer, published_in_year: int) -> None:
    page = open_as("admin")
    page.goto(f"{live_server.url}/admin/reports/?year={YEAR}&lang=en")
    page.fill("#section_improvements", "Count: ")
    page.click('#placeholder-palette button[data-insert="〔Total published〕"]')
    assert page.input_value("#section_improvements") == "Count: 〔Total published〕"
    page.locator("#preview_improvements .preview-body").filter(has_text="Count: 1").wait_for()
