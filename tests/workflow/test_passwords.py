"""Issue 10: the password policy (length, trivial patterns, username, common passwords) everywhere a password is set."""
from __future__ import annotations

import pytest

from tests.conftest import World
from workflow.errors import ValidationFailed
from workflow.passwords import check_password
from workflow.services.users import add_user, change_password, set_password
from workflow.settings import load_settings

SETTINGS = load_settings()


@pytest.mark.parametrize("password, rule", [
    ("12345678", "至少需要 10 个字符"),
    ("short-1", "至少需要"),
    ("1234567890123", "全是数字"),
    ("aaaaaaaaaaaa", "重复的字符"),
    ("abababababab", "重复的字符"),
    ("abcdefghijkl", "连续的字符"),
    ("qwertyuiop", "连续的字符"),
    ("lkjihgfedcba", "连续的字符"),
    ("zhangwei-2025", "用户名"),
    ("ZHANGWEI-2025", "用户名"),
    ("basketball", "过于常见"),
    ("Password123", "过于常见"),
    ("1qaz2wsx3edc", "连续"),
    ("a123456789", "过于常见"),
])
def test_weak_passwords_are_refused_with_the_reason(password: str, rule: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_password(SETTINGS, password, "zhangwei")
    assert refused.value.code == "weak_password" and rule in refused.value.message


@pytest.mark.parametrize("password", ["gongkai-demo", "password-123", "春天的风很温柔2025", "correct horse battery"])
def test_reasonable_passwords_pass(password: str) -> None:
    check_password(SETTINGS, password, "zhangwei")


def test_minimum_length_is_a_setting_but_never_below_8() -> None:
    longer = SETTINGS.with_overrides({"auth": {"password_min_length": 14}})
    with pytest.raises(ValidationFailed):
        check_password(longer, "gongkai-demo", "x")
    lax = SETTINGS.with_overrides({"auth": {"password_min_length": 4}})
    with pytest.raises(ValidationFailed):
        check_password(lax, "k7#pQ2x", "x")


def test_policy_applies_to_add_change_and_reset(world: World) -> None:
    with pytest.raises(ValidationFailed, match="至少需要"):
        add_user(world.app, "newbie", roles=["drafter"], departments=["xsc"], password="12345678")
    with pytest.raises(ValidationFailed, match="全是数字"):
        change_password(world.app, world.drafter, "password-123", "123456789012")
    with pytest.raises(ValidationFailed, match="过于常见"):
        set_password(world.app, "drafter", "basketball", actor=world.admin)
