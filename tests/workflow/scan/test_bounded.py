"""Hostile attachments: refused by structural limits before parsing, or stopped by the bounded
worker (wall time, CPU time, memory) — and always a blocking 「无法完成自检」, never "clean"."""
from __future__ import annotations

import math
import time
from datetime import date

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from workflow.scan import scan_attachment
from workflow.scan.result import SCAN_INCOMPLETE
from workflow.scan.options import options_for, positive_int
from workflow.scan.worker import scan_bounded
from workflow.settings import load_settings

from .crafted import docx_with_huge_headers, many_page_pdf, truncated_docx, xlsx_bomb
from .gen import docx_bytes

TODAY = date(2025, 9, 26)


def _settings(**worker: object):
    return load_settings().with_overrides({"scan_worker": worker}) if worker else load_settings()


def _incomplete(findings):
    return [f for f in findings if f.detector == SCAN_INCOMPLETE]


def _assert_blocked(findings, *words: str) -> None:
    (finding,) = _incomplete(findings)
    assert finding.severity == "blocking" and finding.message.startswith("无法完成自检：")
    assert all(word in finding.message for word in words), finding.message


# ----------------------------------------------------------------------------- structural limits
def test_docx_with_huge_headers_is_refused_before_parsing():
    """A ~140 KB .docx with two ~10 MB headers: was 45 s per page view and "clean"."""
    data = docx_with_huge_headers()
    assert len(data) < 200_000
    started = time.monotonic()
    found = scan_attachment("通知.docx", data)
    assert time.monotonic() - started < 5          # refused from the zip directory, nothing inflated
    _assert_blocked(found, "压缩比")


def test_docx_header_over_the_part_limit():
    found = scan_attachment("通知.docx", docx_with_huge_headers(), settings=_settings(
        max_part_mb=2, max_compression_ratio=100_000))
    _assert_blocked(found, "解压后", "超过上限")


def test_zip_bomb_like_xlsx_is_refused_before_parsing():
    data = xlsx_bomb()
    assert len(data) < 100_000
    _assert_blocked(scan_attachment("名单.xlsx", data), "压缩比")


def test_xlsx_cells_are_counted_even_when_the_dimension_lies():
    """The sheet declares one cell; the running count stops it at scan_worker.max_cells."""
    found = scan_attachment("名单.xlsx", xlsx_bomb(5_000), settings=_settings(max_cells=1_000))
    _assert_blocked(found, "单元格")


def test_xlsx_declared_dimensions_are_refused_before_parsing():
    from .crafted import rezip
    from .gen import xlsx_bytes
    import io
    import zipfile
    data = xlsx_bytes({"S": [["a"]]})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    import re
    sheet = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', sheet)
    found = scan_attachment("a.xlsx", rezip(data, {"xl/worksheets/sheet1.xml": sheet.encode()}))
    _assert_blocked(found, "单元格")


def test_many_page_pdf_is_refused_by_page_count():
    """327 KB, 2,000 pages: ran past 240 s and came back "clean"."""
    data = many_page_pdf(2000)
    assert len(data) < 400_000
    _assert_blocked(scan_attachment("年报.pdf", data), "页数 2000")


def test_text_length_limit():
    data = ("一段很长的文字。" * 2000).encode()
    _assert_blocked(scan_attachment("长文.txt", data, settings=_settings(max_text_chars=1000)), "文字")


def test_truncated_docx_is_incomplete_not_clean():
    found = scan_attachment("名单.docx", truncated_docx())
    _assert_blocked(found)
    assert _incomplete(found)[0].acceptable is False


def test_zip_entry_count_limit():
    import io
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("word/document.xml", "<x/>")
        for n in range(50):
            zf.writestr(f"junk/{n}.xml", "")
    _assert_blocked(scan_attachment("a.docx", out.getvalue(), settings=_settings(max_zip_entries=20)), "文件数")


# ----------------------------------------------------------------------------- the bounded worker
def test_worker_scans_a_normal_file_completely():
    result = scan_bounded(docx_bytes(["联系人手机：13812345678", "机密★1年"]), "docx", settings=_settings(),
                          today=TODAY)
    assert result.complete and result.reason == ""
    assert [f.detector for f in result.as_list] == ["mobile_phone", "classification_marking"]
    assert [f.severity for f in result.as_list] == ["blocking", "blocking"]      # in a list
    assert [f.severity for f in result.auto] == ["warning", "blocking"]          # decided by the file


def test_worker_wall_time_limit_kills_a_slow_scan():
    """With the page limit lifted, the 2,000-page PDF is killed at the wall limit, not waited for."""
    settings = _settings(max_pages=100_000, wall_seconds=2, cpu_seconds=600)
    started = time.monotonic()
    result = scan_bounded(many_page_pdf(2000), "pdf", settings=settings, today=TODAY)
    assert not result.complete and "处理时间超过 2 秒" in result.reason
    assert result.elapsed < 10
    _assert_blocked(result.as_list)
    _assert_blocked(result.auto)
    assert time.monotonic() - started < 200       # interpreter start on a loaded host + 2 s


def test_worker_cpu_limit():
    settings = _settings(max_pages=100_000, wall_seconds=300, cpu_seconds=3)
    result = scan_bounded(many_page_pdf(4000), "pdf", settings=settings, today=TODAY)
    assert not result.complete and "CPU" in result.reason, result.reason
    assert result.elapsed < 60


def test_worker_memory_limit():
    """Structural limits lifted: the memory limit (RLIMIT_AS) still stops the huge headers."""
    settings = _settings(max_part_mb=1000, max_uncompressed_mb=1000, max_compression_ratio=100_000,
                         max_text_chars=10**9, memory_mb=300, wall_seconds=120, cpu_seconds=120)
    result = scan_bounded(docx_with_huge_headers(40), "docx", settings=settings, today=TODAY)
    assert not result.complete and "内存" in result.reason, result.reason


def test_worker_reports_corrupt_files():
    result = scan_bounded(truncated_docx(), "docx", settings=_settings(), today=TODAY)
    assert not result.complete and "损坏" in result.reason


# ----------------------------------------------------------------------------- settings
@given(st.integers(min_value=1, max_value=10**12))
def test_positive_limits_are_accepted(value):
    assert positive_int(value, "k") == value


@given(st.one_of(st.integers(max_value=0), st.booleans(), st.text(), st.none(),
                 st.floats().filter(lambda f: not (math.isfinite(f) and f > 0 and f.is_integer()))))
@hsettings(max_examples=200)
def test_other_limits_are_refused(value):
    with pytest.raises((ValueError, OverflowError)):
        positive_int(value, "k")


def test_limits_are_part_of_the_fingerprint():
    a = options_for(_settings())
    b = options_for(_settings(max_pages=10))
    assert a.max_pages == 500 and b.max_pages == 10 and a.fingerprint != b.fingerprint


@given(st.integers(min_value=1, max_value=16384), st.integers(min_value=1, max_value=1_048_576))
@hsettings(max_examples=50, deadline=None)
def test_declared_dimensions_are_read(cols, rows):
    """The <dimension> pre-check counts columns × rows exactly (refused just above max_cells)."""
    import io
    import re
    import zipfile

    from workflow.scan.extract import Unreadable, check_xlsx_dimensions, column_letter
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("xl/worksheets/sheet1.xml",
                    f'<worksheet><dimension ref="A1:{column_letter(cols)}{rows}"/></worksheet>')
    data = out.getvalue()
    cells = cols * rows
    base = options_for(_settings())
    from dataclasses import replace
    check_xlsx_dimensions(data, replace(base, max_cells=cells))
    with pytest.raises(Unreadable):
        check_xlsx_dimensions(data, replace(base, max_cells=cells - 1)) if cells > 1 else (_ for _ in ()).throw(
            Unreadable("x"))
    assert re  # noqa: B018


def test_xlsx_data_outside_a_lying_dimension_is_still_scanned():
    """openpyxl's read-only reader skipped every cell outside <dimension>: an ID in row 3 of a
    sheet declaring "A1" was never seen."""
    import io
    import re
    import zipfile

    from .crafted import rezip
    from .gen import resident_id, xlsx_bytes
    number = resident_id("35", date(2003, 5, 6), 123)
    data = xlsx_bytes({"S": [["姓名", "身份证号"], ["张三", "无"], ["李四", number]]})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    sheet = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1"/>', sheet)
    found = scan_attachment("a.xlsx", rezip(data, {"xl/worksheets/sheet1.xml": sheet.encode()}))
    assert [(f.detector, f.sublocation) for f in found] == [("resident_id", "S!B3")]
