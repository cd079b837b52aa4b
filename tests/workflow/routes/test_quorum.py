"""The quorum parser: "any" | "all" | a positive whole number, nothing else."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from workflow.errors import ValidationFailed
from workflow.i18n import locale_context
from workflow.routes import Quorum, parse_quorum
from workflow.routes.model import MAX_QUORUM


def test_words() -> None:
    assert parse_quorum("any") == Quorum("any")
    assert parse_quorum("all") == Quorum("all")


@given(st.integers(min_value=1, max_value=MAX_QUORUM))
def test_positive_numbers_round_trip(n: int) -> None:
    quorum = parse_quorum(n)
    assert quorum.needed(0) == n and quorum.to_json() == n
    assert parse_quorum(str(n)) == quorum  # a form sends digits as text


@given(st.one_of(st.integers(max_value=0), st.integers(min_value=MAX_QUORUM + 1), st.floats(), st.booleans(),
                 st.none(), st.lists(st.integers()), st.dictionaries(st.text(), st.integers()),
                 st.text().filter(lambda s: s not in ("any", "all") and not (s.isascii() and s.isdigit()
                                                                            and s[0] != "0"
                                                                            and 1 <= int(s) <= MAX_QUORUM))))
def test_everything_else_is_refused_in_plain_chinese(value: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_quorum(value)
    assert caught.value.code == "invalid_quorum" and caught.value.status == 422
    assert "任一人" in caught.value.message


@pytest.mark.parametrize("text", ["ANY", " all", "2 ", "+2", "02", "２", "1.0", "1e1", "", "0"])
def test_near_misses(text: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_quorum(text)


def test_english_message() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_quorum("most")
    with locale_context("en"):
        assert "any" in caught.value.message and "任一人" not in caught.value.message


def test_needed_votes() -> None:
    assert parse_quorum("any").needed(5) == 1
    assert parse_quorum("all").needed(3) == 3
    assert parse_quorum("all").needed(0) == 1  # "all of nobody" is never reached
    assert parse_quorum(2).needed(7) == 2
