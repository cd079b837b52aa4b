"""Property-based tests: the scanner never raises, always finds valid numbers, masking works."""
from __future__ import annotations

import io
import zipfile
from datetime import date

from hypothesis import HealthCheck, assume, given, settings, strategies as st

from workflow.scan import PERSONAL_INFO, Finding, mask_text, scan_attachment, scan_item, scan_text
from workflow.scan.result import BANK_CARD, MOBILE_PHONE, RESIDENT_ID, UNREADABLE
from workflow.scan.ids import PROVINCE_CODES, is_resident_id, luhn_check_digit, resident_id_check_char

from .gen import MOBILE_PREFIXES, docx_bytes, pdf_bytes, scholarship_rows, xlsx_bytes

PROFILE = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=100)
TODAY = date.today()

chinese = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), max_size=40)


@st.composite
def resident_ids(draw) -> str:
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    area = draw(st.integers(0, 9999))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    seq = draw(st.integers(0, 999))
    first17 = f"{province}{area:04d}{born:%Y%m%d}{seq:03d}"
    number = first17 + resident_id_check_char(first17)
    return number.lower() if draw(st.booleans()) else number


@st.composite
def bank_cards(draw) -> str:
    length = draw(st.integers(16, 19))
    first = draw(st.sampled_from("34569"))
    body = draw(st.text(alphabet="0123456789", min_size=length - 2, max_size=length - 2))
    assume(len(set(first + body)) > 2)
    partial = first + body
    number = partial + luhn_check_digit(partial)
    if draw(st.booleans()) and length in (16, 19):
        number = " ".join(number[i:i + 4] for i in range(0, length, 4))
    return number


@st.composite
def mobiles(draw) -> str:
    number = draw(st.sampled_from(MOBILE_PREFIXES)) + draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    style = draw(st.sampled_from(["plain", "space", "dash", "+86", "0086", "86-"]))
    grouped = {"plain": number, "space": f"{number[:3]} {number[3:7]} {number[7:]}",
               "dash": f"{number[:3]}-{number[3:7]}-{number[7:]}"}
    return grouped.get(style, {"+86": "+86 ", "0086": "0086", "86-": "86-"}.get(style, "") + number)


def _found_at(findings: list[Finding], offset: int, detectors: set[str]) -> bool:
    return any(f.offset == offset and f.detector in detectors for f in findings)


# ----------------------------------------------------------------------------- never raises
@PROFILE
@given(st.text(), st.booleans())
def test_scan_text_never_raises(text, is_list):
    for finding in scan_text(text, location="body", is_list=is_list):
        assert 0 <= finding.offset and finding.offset + finding.length <= len(text)
        assert finding.severity in ("blocking", "warning")
    assert len(mask_text(text)) == len(text)


@PROFILE
@given(st.text(max_size=30), st.text(), st.one_of(st.none(), st.booleans()))
def test_scan_item_never_raises(title, body, is_list):
    scan_item(title, body, [], is_list=is_list)


@PROFILE
@given(st.binary(max_size=2000), st.sampled_from(["a.docx", "b.xlsx", "c.pdf", "d.txt", "e.csv", "f.bin"]))
def test_arbitrary_bytes_never_raise(data, filename):
    found = scan_attachment(filename, data)
    assert all(isinstance(f, Finding) for f in found)
    if filename.endswith((".docx", ".xlsx", ".pdf")) and not data.startswith((b"PK", b"%PDF")):
        assert [f.detector for f in found] == [UNREADABLE]


_ROWS, _ = scholarship_rows(3)
REAL_FILES = {
    "a.docx": docx_bytes(["机密★1年", "手机13812345678"], [["姓名", "住址"], ["张三", "胜利路1号"]], "页眉"),
    "b.xlsx": xlsx_bytes({"Sheet1": _ROWS}),
    "c.pdf": pdf_bytes([["Contact 13812345678"], ["page 2"]]),
}


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(REAL_FILES)), st.data())
def test_damaged_real_files_never_raise(filename, data):
    original = REAL_FILES[filename]
    cut = data.draw(st.integers(0, len(original)))
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(original) - 1), st.integers(0, 255)), max_size=4))
    damaged = bytearray(original)
    for position, value in flips:
        damaged[position] = value
    damaged = bytes(damaged[:cut] if data.draw(st.booleans()) else damaged)
    found = scan_attachment(filename, damaged)
    assert all(isinstance(f, Finding) for f in found)


def test_zip_with_garbage_members_is_unreadable():
    for members in ({"word/document.xml": b"\x00\xff"}, {"xl/workbook.xml": b"<workbook/>"}):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            for name, content in members.items():
                zf.writestr(name, content)
        name = "x.docx" if "word/document.xml" in members else "x.xlsx"
        assert UNREADABLE in [f.detector for f in scan_attachment(name, out.getvalue())]


# ----------------------------------------------------------------------------- always found
@PROFILE
@given(chinese, resident_ids(), chinese)
def test_every_valid_id_is_found(before, number, after):
    findings = scan_text(before + number + after, location="body")
    assert _found_at(findings, len(before), {RESIDENT_ID})


@PROFILE
@given(chinese, bank_cards(), chinese)
def test_every_valid_bank_card_is_found(before, number, after):
    findings = scan_text(before + number + after, location="body", is_list=True)
    digits = number.replace(" ", "")
    expected = {BANK_CARD} | ({RESIDENT_ID} if is_resident_id(digits, TODAY) else set())
    assert _found_at(findings, len(before), expected)


@PROFILE
@given(chinese, mobiles(), chinese)
def test_every_valid_mobile_is_found(before, number, after):
    findings = scan_text(before + number + after, location="body", is_list=True)
    assert _found_at(findings, len(before), {MOBILE_PHONE})
    assert [f.severity for f in findings if f.detector == MOBILE_PHONE] == ["blocking"]


# ----------------------------------------------------------------------------- masking
TOKENS = ["出生日期：", "出生年月", "生日", "住址：", "家庭住址", "福建省", "漳州市", "芗城区", "胜利路", "号",
          "村", "年", "月", "日", "生", "出生", " ", "-", "+", "86", "0086", "X", "x", ".", "，", "\n", "\t",
          "1", "2", "3", "9", "0", "13", "138", "1234", "5678", "2003", "05", "06", "350102", "6222",
          "机密", "★", "张三", "学号", "１", "０"]


@st.composite
def tricky_texts(draw) -> str:
    parts = draw(st.lists(st.one_of(st.sampled_from(TOKENS), resident_ids(), bank_cards(), mobiles()),
                          max_size=25))
    return "".join(parts)


def _personal(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.detector in PERSONAL_INFO]


@PROFILE
@given(st.one_of(tricky_texts(), st.text()))
def test_masking_removes_every_blocking_personal_match(text):
    masked = mask_text(text)
    assert len(masked) == len(text)
    assert [f for f in _personal(scan_text(masked, location="body", is_list=True)) if f.is_blocking] == []
    assert _personal(scan_text(masked, location="body", is_list=False)) == []


@PROFILE
@given(chinese, resident_ids(), chinese, mobiles(), bank_cards())
def test_masking_hides_embedded_numbers(before, number, middle, phone, card):
    text = f"{before}{number}{middle}，{phone}，{card}"
    masked = mask_text(text)
    for raw in (number, phone.replace(" ", "").replace("-", "")[-11:], card.replace(" ", "")):
        assert raw.upper() not in masked.replace(" ", "").replace("-", "").upper()


@PROFILE
@given(tricky_texts())
def test_excerpts_never_carry_a_found_number(text):
    for finding in scan_text(text, location="body", is_list=True):
        if finding.detector in (RESIDENT_ID, BANK_CARD, MOBILE_PHONE):
            raw = text[finding.offset:finding.offset + finding.length]
            digits = "".join(ch for ch in raw if ch.isdigit())
            assert digits not in "".join(ch for ch in finding.excerpt if ch.isdigit() or ch == "*")
