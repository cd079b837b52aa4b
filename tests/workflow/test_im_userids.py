"""The userid validator: whatever is typed, either a clean userid (≤ 64 of letters, digits, _ - @ .) or a
422 with the field named — never anything that could break a query string or a JSON field."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.errors import ValidationFailed
from workflow.messaging.dingtalk import sign
from workflow.services.im_accounts import clean_userid


@given(st.text(max_size=80))
def test_any_input_is_a_clean_userid_or_a_422(value: str) -> None:
    try:
        cleaned = clean_userid(value, "wecom_userid")
    except ValidationFailed as error:
        assert error.status == 422 and error.field == "wecom_userid"
        return
    assert cleaned is None or (re.fullmatch(r"[A-Za-z0-9_.@-]{1,64}", cleaned) and cleaned == value.strip())


@pytest.mark.parametrize("value", ["zhangsan", "ZhangSan_01", "a.b@c-d", "0" * 64])
def test_real_userids_are_kept(value: str) -> None:
    assert clean_userid(f" {value} ", "dingtalk_userid") == value


def test_the_dingtalk_robot_signature_is_the_documented_example() -> None:
    # HMAC-SHA256 of "timestamp\nsecret" keyed by the secret, Base64 (computed independently with openssl:
    # printf '1577262236757\nSECxxx' | openssl dgst -sha256 -hmac SECxxx -binary | base64)
    assert sign(1577262236757, "SECxxx") == "TajHYUQC5a6smO3qjKNgFiJalsQ51g5gqH0iiy2oY+o="
