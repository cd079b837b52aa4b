"""The ``gongkai`` command line against both databases (in-process via click's runner)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from db.session import Database
from gongkai.cli import main


def test_init_is_idempotent(cli) -> None:
    first = cli("init")
    assert first.exit_code == 0, first.output
    again = cli("init")
    assert again.exit_code == 0 and "+0 categories, +0 entries; +0 departments" in again.output


def test_department_user_token_and_errors(cli) -> None:
    assert cli("department", "add", "xsc", "学生处").exit_code == 0
    duplicate = cli("department", "add", "xsc", "学生处")
    assert duplicate.exit_code != 0 and "部门代码已存在" in duplicate.output
    added = cli("user", "add", "li", "--role", "drafter,reviewer", "--department", "xsc", "--password-stdin",
                "--email", "li@example.edu.cn", input="a-long-password\n")
    assert added.exit_code == 0, added.output
    unknown = cli("user", "add", "wang", "--role", "wizard", "--department", "xsc")
    assert unknown.exit_code != 0 and "未知的角色" in unknown.output
    token = cli("user", "token", "li").output.strip()
    assert token.startswith("gk_") and len(token) > 40


def test_calendar_explain_prints_the_national_day_deadline(cli) -> None:
    result = cli("calendar", "explain", "--from", "2025-09-26", "--workdays", "20")
    assert result.exit_code == 0
    assert "2025-10-30" in result.output and "国庆节" in result.output and "调休上班" in result.output


def test_audit_verify_exit_codes(cli, database: Database) -> None:
    cli("department", "add", "xsc", "学生处")
    cli("department", "add", "jwc", "教务处")
    ok = cli("--lang", "en", "audit", "verify")
    assert ok.exit_code == 0 and "2 events verified" in ok.output
    with database.engine.begin() as conn:
        if database.is_postgres:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))
        conn.execute(text("DELETE FROM audit_events WHERE seq = 1"))
    broken = CliRunner().invoke(main, ["audit", "verify"])
    assert broken.exit_code == 1 and "seq=2" in broken.output


def test_a_bad_setting_is_one_clear_line(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGKAI_DB_POOL_SIZE", "ten")
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 1 and "GONGKAI_DB_POOL_SIZE must be a whole number" in result.output
