"""The password policy: length, no trivial patterns, not the username, not a common password.

Applied to every password a person chooses: ``gongkai user add``, the admin's 添加用户 form,
one's own 修改密码 and an admin's reset (``gongkai user set-password``). Messages are Chinese
msgids; each names the rule that failed so the person knows what to change.
"""
from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from workflow.errors import ValidationFailed
from workflow.settings import config_path

if TYPE_CHECKING:
    from workflow.settings import Settings

ABSOLUTE_MIN_LENGTH = 8  # a setting may raise the minimum, never lower it below this
MAX_LENGTH = 256         # hashing megabytes of "password" is a denial of service, not security
_SEQUENCES = (string.digits + string.digits, string.ascii_lowercase, "qwertyuiop", "asdfghjkl", "zxcvbnm",
              "1qaz2wsx3edc4rfv", "qazwsxedcrfv", "1q2w3e4r5t6y7u8i9o0p")


@lru_cache(maxsize=4)
def common_passwords(path: Path) -> frozenset[str]:
    """The refused list (lower case), read once per file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def min_length(settings: "Settings") -> int:
    """The configured minimum length (``auth.password_min_length``), never below 8."""
    return max(ABSOLUTE_MIN_LENGTH, int(settings.get("auth.password_min_length", 10)))


def _is_sequence(text: str) -> bool:
    """``12345678``, ``87654321``, ``abcdefgh``, ``qwertyui``: a run along a row or the alphabet."""
    lowered = text.lower()
    return any(lowered in run or lowered[::-1] in run for run in _SEQUENCES)


def _repeats_a_short_unit(text: str) -> bool:
    """``aaaaaaaaaa``, ``abababab``, ``123123123``: one unit of up to 3 characters repeated."""
    for size in (1, 2, 3):
        unit = text[:size]
        if len(text) >= 2 * size and unit * (len(text) // size) + unit[: len(text) % size] == text:
            return True
    return False


def check_password(settings: "Settings", password: str, username: str = "", *, field: str = "password") -> None:
    """Raise ValidationFailed (code ``weak_password``) naming the first rule the password breaks."""
    password = password or ""
    minimum = min_length(settings)
    if len(password) < minimum:
        raise ValidationFailed("密码至少需要 %(n)d 个字符", code="weak_password", field=field, n=minimum)
    if len(password) > MAX_LENGTH:
        raise ValidationFailed("密码最多 %(n)d 个字符", code="weak_password", field=field, n=MAX_LENGTH)
    if password.isdigit():
        raise ValidationFailed("密码不能全是数字，请加入字母或符号", code="weak_password", field=field)
    if _repeats_a_short_unit(password) or _is_sequence(password):
        raise ValidationFailed("密码不能是重复的字符或连续的字符序列（如 aaaaaaaa、abcdefgh、qwertyui）",
                               code="weak_password", field=field)
    name = (username or "").strip().lower()
    if len(name) >= 3 and name in password.lower():
        raise ValidationFailed("密码不能包含用户名", code="weak_password", field=field)
    listed = common_passwords(config_path(str(settings.get("auth.common_passwords_file", "common_passwords.txt"))))
    if password.lower() in listed:
        raise ValidationFailed("该密码过于常见，容易被猜中，请换一个", code="weak_password", field=field)
