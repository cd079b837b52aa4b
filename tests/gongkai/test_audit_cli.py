"""``gongkai audit verify | anchor | rotate-key`` exit codes and messages, on both databases."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from db.session import Database
from gongkai.cli import main


@pytest.fixture
def cli(database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("GONGKAI_DATABASE_URL", database.url)
    monkeypatch.setenv("GONGKAI_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.delenv("GONGKAI_AUDIT_KEY", raising=False)
    monkeypatch.delenv("GONGKAI_AUDIT_KEY_FILE", raising=False)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, ["--lang", "en", *args], catch_exceptions=False)

    return run


def _delete_newest(database: Database, keep: int) -> None:
    with database.engine.begin() as conn:  # triggers bypassed as in tests/gongkai/test_cli.py
        if database.is_postgres:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))
        conn.execute(text("DELETE FROM audit_events WHERE seq > :keep"), {"keep": keep})


def test_anchor_then_verify_and_deleted_newest_events(cli, database: Database, tmp_path: Path) -> None:
    for code in ("xsc", "jwc", "cwc", "rsc"):
        assert cli("department", "add", code, code).exit_code == 0
    anchored = cli("audit", "anchor")
    assert anchored.exit_code == 0 and "seq=4, 4 events" in anchored.output
    anchors_file = tmp_path / "instance" / "audit_anchors.jsonl"
    line = json.loads(anchors_file.read_text().splitlines()[0])
    assert line["seq"] == 4 and line["count"] == 4 and len(line["hash"]) == 64 and line["key_id"]
    ok = cli("audit", "verify")
    assert ok.exit_code == 0 and "4 events verified" in ok.output and "1 anchors" in ok.output
    _delete_newest(database, keep=2)
    broken = cli("audit", "verify")
    assert broken.exit_code == 1
    assert "events 3–4 missing after the anchor of" in broken.output
    chain_only = cli("audit", "verify", "--no-anchors")  # what the chain alone would say
    assert chain_only.exit_code == 0


def test_anchor_to_an_output_file_and_verify_against_it(cli, tmp_path: Path) -> None:
    cli("department", "add", "xsc", "学生处")
    target = tmp_path / "offsite" / "anchors.jsonl"
    assert cli("audit", "anchor", "--output", str(target), "--no-mail").exit_code == 0
    again = cli("audit", "anchor", "--output", str(target))
    assert again.exit_code == 0 and "not written again" in again.output
    assert len(target.read_text().splitlines()) == 1
    assert cli("audit", "verify", "--anchors", str(target)).exit_code == 0
    target.write_text("not json\n")
    unreadable = cli("audit", "verify", "--anchors", str(target))
    assert unreadable.exit_code == 2 and "line 1" in unreadable.output


def test_rotate_key_then_verify(cli, tmp_path: Path) -> None:
    cli("department", "add", "xsc", "学生处")
    rotated = cli("audit", "rotate-key")
    assert rotated.exit_code == 0 and "audit key rotated" in rotated.output
    cli("department", "add", "jwc", "教务处")
    ok = cli("audit", "verify")
    assert ok.exit_code == 0 and "3 events verified" in ok.output


def test_missing_key_is_exit_2_with_a_clear_message(cli, tmp_path: Path) -> None:
    cli("department", "add", "xsc", "学生处")
    (tmp_path / "instance" / "audit_keys").unlink()
    missing = cli("audit", "verify")  # catch_exceptions=False: a traceback would fail the test
    assert missing.exit_code == 2
    assert "cannot verify" in missing.output and "audit_keys" in missing.output


def test_named_key_file_missing_refuses_writes_clearly(cli, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGKAI_AUDIT_KEY_FILE", str(tmp_path / "typo" / "keys"))
    refused = cli("department", "add", "xsc", "学生处")
    assert refused.exit_code == 1 and "audit key file does not exist" in refused.output
    assert "[audit_key_unavailable]" in refused.output
