"""A real annual report (with 保守国家秘密法, 保密审查 …) must scan completely clean."""
from __future__ import annotations

from pathlib import Path

import pytest

from workflow.scan import scan_attachment, scan_item, scan_text

REFERENCE = (Path(__file__).resolve().parents[3] / ".." / "shared" / "reference"
             / "annual-report-2022-2023-zhangzhou.txt")


@pytest.fixture(scope="module")
def report() -> bytes:
    if not REFERENCE.is_file():
        pytest.skip(f"reference annual report not available at {REFERENCE}")
    return REFERENCE.read_bytes()


def test_reference_annual_report_has_no_findings_at_all(report):
    text = report.decode("utf-8")
    assert "保守国家秘密法" in text                        # the harmless phrase is really there
    assert scan_text(text, location="body") == []
    assert scan_text(text, location="body", is_list=True) == []


def test_reference_annual_report_as_item_and_attachment(report):
    text = report.decode("utf-8")
    assert scan_item("漳州理工职业学院2022-2023学年信息公开年度报告", text,
                     [("annual-report.txt", report), ("annual-report-gbk.txt", text.encode("gb18030"))]) == []
    assert scan_attachment("annual-report.txt", report) == []
