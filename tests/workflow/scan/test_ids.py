"""Check digits, Luhn and number validity."""
from __future__ import annotations

from datetime import date

import pytest

from workflow.scan.ids import (
    is_bank_card, is_resident_id, luhn_check_digit, luhn_valid, mobile_national_part,
    resident_id_check_char,
)

from .gen import bank_card, resident_id, wrong_check

TODAY = date(2024, 6, 1)


def test_check_character_of_the_gb11643_example():
    # The example of GB 11643-1999 (11010519491231002X).
    assert resident_id_check_char("11010519491231002") == "X"
    assert is_resident_id("11010519491231002X", TODAY)
    assert is_resident_id("11010519491231002x", TODAY)


def test_valid_and_invalid_resident_ids():
    number = resident_id("35", date(2003, 5, 6), 123)
    assert is_resident_id(number, TODAY)
    assert not is_resident_id(wrong_check(number), TODAY)
    assert not is_resident_id("99" + number[2:], TODAY)               # no such province


@pytest.mark.parametrize("born", ["18991231", "20030230", "20031301", "20250101"])
def test_birth_date_must_be_real_and_between_1900_and_today(born):
    first17 = f"350102{born}123"
    assert not is_resident_id(first17 + resident_id_check_char(first17), TODAY)


def test_fifteen_digit_legacy_ids():
    assert is_resident_id("350102850506123", TODAY)                   # 1985-05-06
    assert not is_resident_id("350102851306123", TODAY)               # month 13
    assert not is_resident_id("990102850506123", TODAY)


def test_luhn():
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    card = bank_card("622202", 19)
    assert luhn_valid(card) and is_bank_card(card)
    assert luhn_check_digit("411111111111111") == "1"


def test_bank_card_rules():
    assert not is_bank_card("1" + bank_card("622202", 16)[1:])      # 1… is no bank card
    assert not is_bank_card("0000000000000000")                      # Luhn-valid but all zeros
    assert not is_bank_card(bank_card("622202", 15))                 # too short
    assert is_bank_card(bank_card("4", 16)) and is_bank_card(bank_card("6", 18))


@pytest.mark.parametrize("number,national", [
    ("13812345678", "13812345678"), ("8613812345678", "13812345678"),
    ("008613812345678", "13812345678"), ("14512345678", "14512345678"),
    ("19912345678", "19912345678"), ("16612345678", "16612345678"),
])
def test_mobile_prefixes(number, national):
    assert mobile_national_part(number) == national


@pytest.mark.parametrize("number", ["14012345678", "15412345678", "16012345678", "17912345678",
                                    "19412345678", "12345678901", "1381234567", "8713812345678"])
def test_not_mobile(number):
    assert mobile_national_part(number) is None
