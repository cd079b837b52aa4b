"""``gongkai report annual`` with and without a Chinese font for the charts (issue 15): the report, or one
clear line naming the package to install — never a report with boxes for its Chinese."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def test_report_annual_without_a_chinese_font_names_the_package(cli, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("init").exit_code == 0
    fonts = tmp_path / "latin-fonts"
    fonts.mkdir()
    if DEJAVU.exists():
        shutil.copy(DEJAVU, fonts)
    monkeypatch.setenv("GONGKAI_REPORT_FONT_DIR", str(fonts))
    refused = cli("report", "annual", "--year", "2022-2023", "--format", "html", "-o", str(tmp_path / "r.html"))
    assert refused.exit_code == 1
    assert "apt-get install fonts-noto-cjk" in refused.output and "[chart_font_missing]" in refused.output
    assert not (tmp_path / "r.html").exists()

    monkeypatch.delenv("GONGKAI_REPORT_FONT_DIR")
    done = cli("report", "annual", "--year", "2022-2023", "--format", "html", "-o", str(tmp_path / "r.html"))
    assert done.exit_code == 0, done.output
    assert "<img" in (tmp_path / "r.html").read_text(encoding="utf-8")
