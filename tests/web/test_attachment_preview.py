"""Attachments previewed inline for their reviewers (issue 15): sheets as tables with the flagged cells
highlighted, Word paragraphs, PDF pages, text lines; read by the scanner's parsers in the bounded worker;
internal readers only."""
from __future__ import annotations

import re

import pytest

from tests.conftest import World, item_payload
from tests.workflow.scan.gen import docx_bytes, pdf_bytes, resident_id, xlsx_bytes
from workflow.services import attachments as attachment_svc
from workflow.services import items as svc

ID_NUMBER = resident_id()


def _with_file(world: World, filename: str, data: bytes) -> tuple[int, int]:
    item = svc.create_item(world.app, world.drafter, item_payload())
    row = attachment_svc.add_attachment(world.app, world.drafter, item.id, filename, None, data)
    return item.id, row.id


def _preview(client, item_id: int, attachment_id: int):
    return client.get(f"/items/{item_id}/attachments/{attachment_id}/preview")


def _flagged(page: str) -> list[str]:
    return re.findall(r'class="[^"]*flagged[^"]*">(?:<span[^>]*>[^<]*</span>)?(?:<span[^>]*>)?([^<]*)', page)


def test_a_sheet_is_a_table_with_the_flagged_cell_highlighted(as_user, world: World) -> None:
    data = xlsx_bytes({"获奖名单": [["姓名", "班级", "身份证号"], ["张三", "数学2101班", ID_NUMBER], ["李四", "物理2102班", ""]]})
    item_id, attachment_id = _with_file(world, "名单.xlsx", data)
    response = _preview(as_user("reviewer"), item_id, attachment_id)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "获奖名单" in page and "<th class=\"text-muted text-center\">C</th>" in page
    assert _flagged(page) == [ID_NUMBER]                         # the reviewer sees what the scan saw, marked
    assert "李四" in page and "物理2102班" in page


def test_word_paragraphs_pdf_pages_and_text_lines(as_user, world: World) -> None:
    reviewer = as_user("reviewer")
    item_id, attachment_id = _with_file(world, "通知.docx", docx_bytes(["第一段：评审办法。", f"联系人身份证 {ID_NUMBER}"]))
    page = _preview(reviewer, item_id, attachment_id).get_data(as_text=True)
    assert "第1段" in page and "评审办法" in page and _flagged(page) == [f"联系人身份证 {ID_NUMBER}"]
    item_id, attachment_id = _with_file(world, "scan.pdf", pdf_bytes([["Page one"], ["Page two"]]))
    page = _preview(reviewer, item_id, attachment_id).get_data(as_text=True)
    assert "第1页" in page and "Page one" in page and "第2页" in page and "Page two" in page
    item_id, attachment_id = _with_file(world, "说明.txt", "第一行\n联系电话 13812345678\n第三行".encode())
    page = _preview(reviewer, item_id, attachment_id).get_data(as_text=True)
    assert "第3行" in page and _flagged(page) == ["联系电话 13812345678"]


def test_an_unreadable_file_says_why(as_user, world: World) -> None:
    item_id, attachment_id = _with_file(world, "坏文件.xlsx", b"PK\x03\x04" + b"\x00" * 200)
    response = _preview(as_user("reviewer"), item_id, attachment_id)
    assert response.status_code == 200 and 'id="preview-problem"' in response.get_data(as_text=True)


@pytest.mark.parametrize("who, status", [("drafter", 200), ("approver", 200), ("admin", 200),
                                         ("other_drafter", 404), ("other_reviewer", 404)])
def test_only_internal_readers_preview(as_user, world: World, who: str, status: int) -> None:
    item_id, attachment_id = _with_file(world, "a.txt", b"text")
    assert _preview(as_user(who), item_id, attachment_id).status_code == status


def test_anonymous_and_unknown_attachments(as_user, world: World) -> None:
    item_id, attachment_id = _with_file(world, "a.txt", b"text")
    anonymous = _preview(as_user(None), item_id, attachment_id)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert _preview(as_user("reviewer"), item_id, attachment_id + 999).status_code == 404
    other_item, _attachment = _with_file(world, "b.txt", b"other")
    assert _preview(as_user("reviewer"), other_item, attachment_id).status_code == 404   # not this item's file


def test_the_item_page_links_each_attachment_to_its_preview(as_user, world: World) -> None:
    item_id, attachment_id = _with_file(world, "a.txt", b"text")
    page = as_user("drafter").get(f"/items/{item_id}").get_data(as_text=True)
    assert f"/items/{item_id}/attachments/{attachment_id}/preview" in page
