"""Attachments: .txt/.csv/.docx/.xlsx/.pdf, limits, and files that cannot be read."""
from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from workflow.scan import blocking, scan_attachment, scan_item
from workflow.scan.result import (
    BANK_CARD, BIRTH_DATE, CLASSIFICATION_MARKING, HOME_ADDRESS, MOBILE_PHONE, RESIDENT_ID, UNREADABLE,
)
from workflow.settings import load_settings

from .gen import bank_card, docx_bytes, pdf_bytes, resident_id, scholarship_rows, xlsx_bytes

ID = resident_id("35", date(2003, 5, 6), 123)


def detectors(findings):
    return [(f.detector, f.sublocation) for f in findings]


def unreadable(findings):
    return [f for f in findings if f.detector == UNREADABLE]


# ----------------------------------------------------------------------------- text files
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_text_file_encodings(encoding):
    data = "关于某事的说明\n联系人手机：13812345678\n机密★1年\n".encode(encoding)
    found = scan_attachment("说明.txt", data)
    assert detectors(found) == [(MOBILE_PHONE, "第2行"), (CLASSIFICATION_MARKING, "第3行")]
    assert found[0].offset == 6


def test_binary_posing_as_text_is_unreadable():
    (finding,) = scan_attachment("a.txt", b"\x00\x01\x02binary")
    assert finding.detector == UNREADABLE and finding.severity == "blocking"
    assert finding.message.startswith("无法完成自检")
    (finding,) = scan_attachment("a.txt", bytes([0x81, 0x30, 0xFF, 0xFE, 0x80]))
    assert finding.detector == UNREADABLE


def test_csv_is_a_table_with_column_rules():
    data = ("姓名,出生日期,家庭住址,备注\n"
            "张三,2003-05-06,福建省漳州市芗城区胜利西路12号,无\n"
            "李四,不详,住校,\n").encode("gb18030")
    found = scan_attachment("名单.csv", data)
    assert detectors(found) == [(BIRTH_DATE, "B2"), (HOME_ADDRESS, "C2")]
    assert all(f.severity == "blocking" for f in found)


def test_empty_text_file_is_clean():
    assert scan_attachment("empty.txt", b"") == []


# ----------------------------------------------------------------------------- Word
def test_docx_paragraphs_tables_and_header():
    data = docx_bytes(
        paragraphs=["机密★1年", "关于2023年奖学金评审的通知", "联系人：张老师 13812345678"],
        table=[["姓名", "身份证号", "家庭住址"], ["张三", ID, "福建省漳州市芗城区胜利西路12号"]],
        header="内部资料 注意保存",
    )
    found = scan_attachment("通知.docx", data)
    assert detectors(found) == [
        (CLASSIFICATION_MARKING, "第1段"), (MOBILE_PHONE, "第3段"),
        (RESIDENT_ID, "表1!B2"), (HOME_ADDRESS, "表1!C2"), (CLASSIFICATION_MARKING, "页眉第1段"),
    ]
    by_place = {f.sublocation: f for f in found}
    assert by_place["第3段"].severity == "warning"               # prose, not a list
    assert by_place["表1!C2"].severity == "blocking"            # a table is a list
    assert by_place["第1段"].acceptable is False


def test_docx_paragraphs_count_as_a_list_when_the_item_is_one():
    data = docx_bytes(paragraphs=["联系人：张老师 13812345678"])
    assert [f.severity for f in scan_attachment("a.docx", data)] == ["warning"]
    assert [f.severity for f in scan_attachment("a.docx", data, is_list=True)] == ["blocking"]
    assert [f.severity for f in scan_item("奖学金公示", "", [("a.docx", data)])] == ["blocking"]


# ----------------------------------------------------------------------------- spreadsheets
def test_scholarship_spreadsheet_is_caught_cell_by_cell():
    rows, people = scholarship_rows(20)
    data = xlsx_bytes({"Sheet1": rows, "说明": [["本表为内部资料"]]})
    found = scan_attachment("2023年奖学金公示.xlsx", data)
    expected = []
    for index, _person in enumerate(people):
        row = index + 3                                   # title row, header row, then people
        expected += [(RESIDENT_ID, f"Sheet1!C{row}"), (MOBILE_PHONE, f"Sheet1!D{row}"),
                     (BANK_CARD, f"Sheet1!E{row}"), (HOME_ADDRESS, f"Sheet1!F{row}"),
                     (BIRTH_DATE, f"Sheet1!G{row}")]
    expected.append((CLASSIFICATION_MARKING, "说明!A1"))
    assert detectors(found) == expected
    assert all(f.severity == "blocking" for f in found)
    assert not any(f.sublocation.startswith("Sheet1!B") for f in found)   # 学号 are not flagged
    phone = next(f for f in found if f.sublocation == "Sheet1!D5")
    assert phone.match_masked == people[2]["phone"][:3] + "****" + people[2]["phone"][-4:]
    dumped = repr([f.to_dict() for f in found])
    assert not any(p["id"] in dumped or p["phone"] in dumped or p["card"] in dumped for p in people)


def test_spreadsheet_near_misses():
    data = xlsx_bytes({"成绩": [["姓名", "学号", "出生地", "住址情况"],
                               ["张三", "202100000001", "福建漳州", "住校"],
                               ["李四", 2021000002, "福建厦门", "住址不详"]]})
    assert scan_attachment("成绩.xlsx", data) == []


# ----------------------------------------------------------------------------- PDF
def test_pdf_page_by_page():
    card = bank_card("622202", 19)
    data = pdf_bytes([["Annual report", "Contact 13812345678"], ["Page two", f"Card {card}", f"ID {ID}"]])
    found = scan_attachment("report.pdf", data)
    assert detectors(found) == [(MOBILE_PHONE, "第1页"), (BANK_CARD, "第2页"), (RESIDENT_ID, "第2页")]


def test_pdf_without_text_is_unreadable_but_acceptable_after_manual_check():
    (finding,) = scan_attachment("scan.pdf", pdf_bytes([[]]))
    assert finding.detector == UNREADABLE and finding.severity == "blocking"
    assert finding.acceptable is True


def test_type_comes_from_magic_bytes():
    data = pdf_bytes([["Contact 13812345678"]])
    assert detectors(scan_attachment("report.txt", data)) == [(MOBILE_PHONE, "第1页")]
    assert detectors(scan_attachment("report", data)) == [(MOBILE_PHONE, "第1页")]


# ----------------------------------------------------------------------------- unreadable
def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize("filename,data", [
    ("a.docx", b"not a zip at all"),
    ("a.docx", docx_bytes(["机密★"])[:500]),                          # truncated
    ("a.docx", _zip({"word/document.xml": b"<not xml", "[Content_Types].xml": b"<x/>"})),
    ("a.xlsx", b"PK\x03\x04 broken"),
    ("a.xlsx", _zip({"xl/workbook.xml": b"garbage"})),
    ("a.xlsx", xlsx_bytes({"S": [["a"]]})[:300]),
    ("a.pdf", b"%PDF-1.4\n garbage without objects"),
    ("a.pdf", pdf_bytes([["hello"]])[:60]),
    ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),    # legacy / encrypted Office
    ("a.docx", _zip({"foo.txt": b"hello"})),                          # a zip, but no Word document
])
def test_malformed_files_are_unreadable_not_a_crash(filename, data):
    found = scan_attachment(filename, data)
    assert unreadable(found), found
    assert all(f.severity == "blocking" for f in unreadable(found))
    assert unreadable(found)[0].acceptable is False


def test_zip_bomb_is_refused_before_parsing():
    bomb = _zip({"word/document.xml": b"0" * (12 * 1024 * 1024), "[Content_Types].xml": b"<x/>"})
    assert len(bomb) < 100_000
    (finding,) = scan_attachment("bomb.docx", bomb)
    assert finding.detector == UNREADABLE and "压缩炸弹" in finding.message


def test_encrypted_pdf_is_unreadable():
    from pypdf import PdfWriter
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    (finding,) = scan_attachment("locked.pdf", out.getvalue())
    assert finding.detector == UNREADABLE and "加密" in finding.message


def test_unsupported_types_block_but_may_be_cleared_by_hand():
    (finding,) = scan_attachment("photo.jpg", b"\xff\xd8\xff\xe0JFIF")
    assert finding.detector == UNREADABLE and finding.severity == "blocking"
    assert finding.acceptable is True and "jpg" in finding.message


def test_size_limit_from_settings():
    settings = load_settings().with_overrides({"limits": {"attachment_max_bytes": 10}})
    (finding,) = scan_attachment("a.txt", b"0123456789ABC", settings=settings)
    assert finding.detector == UNREADABLE and "上限" in finding.message


def test_allowed_types_from_settings():
    settings = load_settings().with_overrides({"scan": {"attachment_types": ["txt"]}})
    (finding,) = scan_attachment("a.pdf", pdf_bytes([["x"]]), settings=settings)
    assert finding.detector == UNREADABLE


def test_scan_item_collects_everything_and_blocking_filters():
    rows, _ = scholarship_rows(2)
    found = scan_item("奖学金公示", "详见附件。", [("名单.xlsx", xlsx_bytes({"S": rows})),
                                                ("bad.docx", b"junk")])
    assert {f.location for f in found} == {"名单.xlsx", "bad.docx"}
    assert len(blocking(found)) == len(found)


def test_numbers_mangled_by_excel_are_caught_by_their_column_header():
    # An ID typed as a number keeps 15 significant digits (the check digit is lost); a card
    # typed as a number loses its tail and no longer passes Luhn. The header still tells.
    data = xlsx_bytes({"名单": [["姓名", "身份证号码", "银行卡号"],
                               ["张三", 350102200305061000, 6.22202000012345e18],
                               ["李四", 3.50102199901011e17, "6222020000123456780"],
                               ["王五", "不公开", "000000000000000000"]]})
    found = scan_attachment("名单.xlsx", data)
    assert detectors(found) == [(RESIDENT_ID, "名单!B2"), (BANK_CARD, "名单!C2"),
                                (RESIDENT_ID, "名单!B3"), (BANK_CARD, "名单!C3")]
    assert found[0].match_masked.startswith("350102") and "20030506" not in found[0].match_masked


def test_docx_text_boxes_and_content_controls_are_scanned_once():
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    paragraph = document.add_paragraph("正文第一段")
    paragraph._p.append(parse_xml(
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<mc:AlternateContent><mc:Choice Requires="wps"><wps:txbx><w:txbxContent><w:p><w:r>'
        '<w:t>机密★1年</w:t></w:r></w:p></w:txbxContent></wps:txbx></mc:Choice>'
        '<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>机密★1年</w:t>'
        '</w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>'))
    document.element.body.insert(0, parse_xml(
        '<w:sdt xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:sdtContent>'
        '<w:p><w:r><w:t>手机13812345678</w:t></w:r></w:p></w:sdtContent></w:sdt>'))
    out = io.BytesIO()
    document.save(out)
    assert detectors(scan_attachment("a.docx", out.getvalue())) == [
        (MOBILE_PHONE, "第1段"), (CLASSIFICATION_MARKING, "文本框1")]
