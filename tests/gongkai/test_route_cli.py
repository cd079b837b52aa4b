"""``gongkai route add | update | list | show | activate | deactivate`` on both databases (docs/routes.md)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import AuditEvent
from db.session import Database

ZHAOSHENG = {
    "name": "招生类信息", "catalog_codes": ["zsks"], "departments": [],
    "steps": [
        {"stage": "secrecy_review", "name": "部门负责人审核", "role": "reviewer", "quorum": "any"},
        {"stage": "secrecy_review", "name": "保密办复审", "role": "reviewer", "department": "bmb", "quorum": "any"},
        {"stage": "approval", "name": "招生就业处、财务处会签", "role": "approver", "users": ["cw", "zs"],
         "quorum": "all"},
        {"stage": "approval", "name": "分管校领导审批", "role": "approver", "quorum": 1, "workdays": 2},
    ]}
ZHAOSHENG_STEPS = ("--step", "secrecy_review:部门负责人审核:reviewer:any",
                   "--step", "保密审查:保密办复审:reviewer:department=bmb:任一人",
                   "--step", "approval:招生就业处、财务处会签:approver:users=zs,cw:all",
                   "--step", "审批:分管校领导审批:审批人:1:2")
TWO_STEPS = ("--step", "secrecy_review:部门审核:reviewer:any", "--step", "approval:部门审批:approver:any")


@pytest.fixture
def cli(cli):
    """A college: 学生处 and 教务处 with a reviewer and an approver each, the 保密办, the 会签 approvers, an admin."""
    run = cli
    assert run("init").exit_code == 0
    for code, name in (("xsc", "学生处"), ("jwc", "教务处"), ("bmb", "保密办"), ("zsjyc", "招生就业处"),
                       ("cwc", "财务处")):
        run("department", "add", code, name)
    for name, role, scope in (("r_xsc", "reviewer", "xsc"), ("a_xsc", "approver", "xsc"), ("d_xsc", "drafter", "xsc"),
                              ("r_jwc", "reviewer", "jwc"), ("a_jwc", "approver", "jwc"), ("d_jwc", "drafter", "jwc"),
                              ("bm1", "reviewer", "bmb"), ("zs", "approver", "zsjyc"), ("cw", "approver", "cwc"),
                              ("boss", "admin", "*")):
        added = run("user", "add", name, "--role", role, "--department", scope, "--password-stdin",
                    input="a-long-password\n")
        assert added.exit_code == 0, added.output
    return run


def _events(database: Database, action: str) -> list[AuditEvent]:
    with database.engine.connect() as conn:
        return list(conn.execute(select(AuditEvent.actor_name, AuditEvent.subject)
                                 .where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def test_add_with_options_then_list_and_show(cli, database: Database) -> None:
    added = cli("route", "add", "--name", "招生类信息", "--category", "zsks", *ZHAOSHENG_STEPS)
    assert added.exit_code == 0, added.output
    assert "路线“招生类信息”已创建（编号 1）" in added.output
    listing = cli("route", "list")
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert lines[0].split() == ["ID", "路线名称", "状态", "适用范围"]
    assert lines[1].split() == ["1", "招生类信息", "使用中", "各部门的“招生考试信息”类事项"]
    assert lines[2:6] == ["    1. [保密审查] 部门负责人审核：事项所在部门的保密审查员，任一人同意",
                          "    2. [保密审查] 保密办复审：保密办的保密审查员，任一人同意",
                          "    3. [审批] 招生就业处、财务处会签：cw、zs，全部同意",
                          "    4. [审批] 分管校领导审批：事项所在部门的审批人，1人同意，限2个工作日"]
    assert "默认路线（其他路线都不适用的事项）：" in listing.output
    assert "secrecy_review" not in listing.output and "item_department" not in listing.output
    shown = cli("route", "show", "1")
    assert shown.exit_code == 0 and "招生类信息（使用中，版本 1）" in shown.output and "最后修改" in shown.output
    # the same route as the API body gives
    as_json = json.loads(cli("route", "show", "1", "--json").output)
    assert {k: v for k, v in as_json.items() if k not in ("id", "active", "version")} == ZHAOSHENG
    assert _events(database, "route_create") == [("system", "route:1")]


def test_add_from_a_json_file_and_update_with_the_version_lock(cli, database: Database, tmp_path: Path) -> None:
    path = tmp_path / "route.json"
    path.write_text(json.dumps(ZHAOSHENG, ensure_ascii=False), encoding="utf-8")
    added = cli("route", "add", "--file", str(path))
    assert added.exit_code == 0, added.output
    shown = cli("route", "show", "1", "--json").output
    (tmp_path / "shown.json").write_text(shown.replace("分管校领导审批", "校长审批"), encoding="utf-8")
    updated = cli("route", "update", "1", "--file", str(tmp_path / "shown.json"))
    assert updated.exit_code == 0, updated.output
    assert "校长审批" in cli("route", "list").output
    stale = cli("route", "update", "1", "--file", str(tmp_path / "shown.json"))  # still says version 1
    assert stale.exit_code == 1 and "该路线已被他人修改（当前版本 2，您的版本 1）" in stale.output
    from_stdin = cli("route", "add", "--file", "-", input=json.dumps({**ZHAOSHENG, "name": "另一条",
                                                                     "catalog_codes": ["jbxx"]}))
    assert from_stdin.exit_code == 0, from_stdin.output
    assert len(_events(database, "route_update")) == 1 and len(_events(database, "route_create")) == 2


def test_a_refused_route_prints_every_problem_and_stores_nothing(cli, database: Database) -> None:
    bad = cli("route", "add", "--name", "坏路线", "--department", "xsc",
              "--step", "secrecy_review:审查:reviewer:department=nosuch:any",
              "--step", "approval:会签:approver:users=zs,ghost:all")
    assert bad.exit_code == 1
    assert "步骤“审查”：未知或已停用的部门：nosuch" in bad.output
    assert "步骤“会签”：用户不存在或已停用：ghost" in bad.output
    too_many = cli("route", "add", "--name", "三人会签", "--department", "xsc",
                   "--step", "secrecy_review:审查:reviewer:any", "--step", "approval:三人会签:approver:3")
    assert too_many.exit_code == 1
    assert "步骤“三人会签”（学生处的事项）需要 3 人决定，但只有 1 人有资格 [too_few_eligible]" in too_many.output
    english = cli("--lang", "en", "route", "add", "--name", "x", "--department", "xsc",
                  "--step", "approval:审批:approver:any", "--step", "secrecy_review:审查:reviewer:0")
    assert english.exit_code == 1
    assert "steps[1].quorum must be any (one of them), all (every one of them) or a whole number" in english.output
    assert "还没有自定义路线" in cli("route", "list").output
    assert _events(database, "route_create") == []


@pytest.mark.parametrize("step", ["approval:审批", "approval:审批:approver:owner=x:any",
                                  "approval:审批:approver:any:2:9", "approval:审批:approver:users=a:any:b=c"])
def test_a_step_written_wrongly_is_a_usage_error(cli, step: str) -> None:
    result = cli("route", "add", "--name", "x", "--department", "xsc", "--step", "secrecy_review:审:reviewer:any",
                 "--step", step)
    assert result.exit_code == 2 and "--step" in result.output
    assert "STAGE:NAME:ROLE" in result.output or "department=" in result.output


def test_file_and_options_are_not_mixed(cli, tmp_path: Path) -> None:
    both = cli("route", "add", "--file", str(tmp_path / "r.json"), "--name", "x")
    assert both.exit_code == 2 and "--file" in both.output
    neither = cli("route", "add")
    assert neither.exit_code == 2
    missing = cli("route", "add", "--file", str(tmp_path / "missing.json"))
    assert missing.exit_code == 1 and "无法读取路线文件" in missing.output
    (tmp_path / "bad.json").write_text("{name:", encoding="utf-8")
    broken = cli("route", "add", "--file", str(tmp_path / "bad.json"))
    assert broken.exit_code == 1 and "不是有效的 JSON" in broken.output


def test_as_an_admin_or_refused(cli, database: Database) -> None:
    by_reviewer = cli("route", "add", "--name", "学生处", "--department", "xsc", *TWO_STEPS, "--as", "r_xsc")
    assert by_reviewer.exit_code == 1 and "需要信息公开办公室管理员角色" in by_reviewer.output
    unknown = cli("route", "add", "--name", "学生处", "--department", "xsc", *TWO_STEPS, "--as", "ghost")
    assert unknown.exit_code == 1 and "用户不存在或已停用：ghost" in unknown.output
    by_admin = cli("route", "add", "--name", "学生处", "--department", "xsc", *TWO_STEPS, "--as", "boss")
    assert by_admin.exit_code == 0, by_admin.output
    assert "最后修改" in (shown := cli("route", "show", "1").output) and "boss" in shown
    assert _events(database, "route_create") == [("boss", "route:1")]


def test_deactivate_and_activate(cli, database: Database) -> None:
    cli("route", "add", "--name", "学生处甲", "--department", "xsc", *TWO_STEPS)
    off = cli("route", "deactivate", "1", "--as", "boss")
    assert off.exit_code == 0 and "已停用，新提交的事项不再使用它" in off.output
    assert "已停用" in cli("route", "list").output
    assert "已是停用状态" in cli("route", "deactivate", "1").output
    # while it is off, another route takes its place; switching it back on would make a tie: refused
    assert cli("route", "add", "--name", "学生处乙", "--department", "xsc", *TWO_STEPS).exit_code == 0
    tie = cli("route", "activate", "1")
    assert tie.exit_code == 1 and "学生处乙" in tie.output and "[route_tie]" in tie.output
    assert cli("route", "deactivate", "2").exit_code == 0
    on = cli("route", "activate", "1")
    assert on.exit_code == 0 and "路线“学生处甲”已启用" in on.output
    assert "学生处甲（使用中，版本 3）" in cli("route", "show", "1").output
    assert cli("route", "show", "99").exit_code == 1
    assert [e.actor_name for e in _events(database, "route_deactivate")] == ["boss", "system"]
