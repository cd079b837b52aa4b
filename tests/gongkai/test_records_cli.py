"""``gongkai records export --from --to --output PATH`` (issue 14), on both databases."""
from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from tests.conftest import World
from tests.records_helpers import TITLE, published


def test_the_export_writes_the_zip_with_its_index(cli, world: World, tmp_path: Path) -> None:
    published(world)
    output = tmp_path / "归档" / "2025-09.zip"
    output.parent.mkdir()
    result = cli("records", "export", "--from", "2025-09-01", "--to", "2025-09-30", "--output", str(output),
                 "--progress")
    assert result.exit_code == 0, result.output
    assert "1 records published 2025-09-01 – 2025-09-30" in result.output
    with zipfile.ZipFile(output) as bundle:
        index = list(csv.reader(io.StringIO(bundle.read("index.csv").decode("utf-8-sig"))))
        assert [row[3] for row in index[1:]] == [TITLE]
        assert bundle.read(index[1][2]).startswith(b"%PDF")
    assert not list(output.parent.glob("*.partial"))
    again = cli("records", "export", "--from", "2025-09-01", "--to", "2025-09-30", "--output", str(output))
    assert again.exit_code != 0 and "exists already" in again.output


@pytest.mark.parametrize(("start", "end", "message"), [("2025-09-30", "2025-09-01", "起始日期不能晚于截止日期"),
                                                       ("2025-9-31", "2025-10-01", "不是有效日期")])
def test_a_bad_period_writes_nothing(cli, world: World, tmp_path: Path, start: str, end: str, message: str) -> None:
    output = tmp_path / "out.zip"
    result = cli("records", "export", "--from", start, "--to", end, "--output", str(output))
    assert result.exit_code == 1 and message in result.output
    assert not output.exists() and not list(tmp_path.glob("*.partial"))


def test_only_an_admin_may_export_as_themselves(cli, world: World, tmp_path: Path) -> None:
    result = cli("records", "export", "--from", "2025-09-01", "--to", "2025-09-30", "--output",
                 str(tmp_path / "x.zip"), "--as", "reviewer")
    assert result.exit_code == 1 and "[forbidden]" in result.output and "管理员" in result.output
    assert cli("records", "export", "--from", "2025-09-01", "--to", "2025-09-30", "--output",
               str(tmp_path / "y.zip"), "--as", "admin").exit_code == 0


def test_an_unknown_user_is_one_clear_line_and_writes_nothing(cli, world: World, tmp_path: Path) -> None:
    result = cli("records", "export", "--from", "2025-09-01", "--to", "2025-09-30", "--output",
                 str(tmp_path / "x.zip"), "--as", "ghost")
    assert result.exit_code == 1 and "用户不存在或已停用：ghost" in result.output
    assert "Traceback" not in result.output and not list(tmp_path.glob("x.zip*"))
