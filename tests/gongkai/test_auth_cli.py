"""Issue 10: ``gongkai user token --expires-days``, ``tokens``, ``revoke-token``, ``set-password``."""
from __future__ import annotations

import re

import pytest



@pytest.fixture
def cli(cli):
    run = cli
    assert run("department", "add", "xsc", "学生处").exit_code == 0
    added = run("user", "add", "li", "--role", "drafter", "--department", "xsc", "--password-stdin",
                input="a-long-password\n")
    assert added.exit_code == 0, added.output
    return run


def test_user_add_refuses_12345678(cli) -> None:
    weak = cli("user", "add", "wang", "--role", "drafter", "--department", "xsc", "--password-stdin", input="12345678\n")
    assert weak.exit_code != 0 and "密码至少需要 10 个字符" in weak.output
    common = cli("user", "add", "wang", "--role", "drafter", "--department", "xsc", "--password-stdin",
                 input="basketball\n")
    assert common.exit_code != 0 and "过于常见" in common.output


def test_tokens_listed_and_revoked_by_id_or_all(cli) -> None:
    first = cli("user", "token", "li", "--label", "nightly", "--expires-days", "7")
    assert first.exit_code == 0 and first.output.strip().startswith("gk_")
    cli("user", "token", "li", "--label", "report")
    listing = cli("user", "tokens", "li")
    assert listing.exit_code == 0 and "nightly" in listing.output and "report" in listing.output
    assert listing.output.count("active") == 2
    nightly_id = re.search(r"^\s*(\d+)\s+active.*nightly$", listing.output, re.M).group(1)
    one = cli("user", "revoke-token", "li", "--id", nightly_id)
    assert one.exit_code == 0 and f"revoked 1 token(s) of li: {nightly_id}" in one.output
    rest = cli("user", "revoke-token", "li", "--all")
    assert rest.exit_code == 0 and "revoked 1 token(s)" in rest.output
    assert cli("user", "tokens", "li").output.count("revoked") == 2
    assert cli("user", "revoke-token", "li").exit_code != 0  # neither --id nor --all
    too_long = cli("user", "token", "li", "--expires-days", "5000")
    assert too_long.exit_code != 0 and "令牌有效期须为 1 到 730 天" in too_long.output


def test_set_password_applies_the_policy(cli) -> None:
    weak = cli("user", "set-password", "li", "--password-stdin", input="li-li-li-li\n")
    assert weak.exit_code != 0 and "重复的字符" in weak.output
    ok = cli("user", "set-password", "li", "--password-stdin", input="Another-Passphrase-42\n")
    assert ok.exit_code == 0 and "password of li set; 0 session(s) ended" in ok.output
    unknown = cli("user", "set-password", "nobody", "--password-stdin", input="Another-Passphrase-42\n")
    assert unknown.exit_code != 0 and "用户不存在" in unknown.output
