"""Resident IDs, mobile numbers and bank cards in text."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from workflow.clock import FixedClock
from workflow.scan import scan_text
from workflow.scan.result import BANK_CARD, MOBILE_PHONE, RESIDENT_ID

from .gen import bank_card, resident_id, wrong_check

ID = resident_id("35", date(2003, 5, 6), 123)
ID_X = "11010519491231002X"
CARD = bank_card("622202", 19)
CARD16 = bank_card("4", 16)


def detected(text: str, *, is_list: bool = False):
    return [(f.detector, f.severity) for f in scan_text(text, location="body", is_list=is_list)]


@pytest.mark.parametrize("text", [
    f"身份证号：{ID}", f"{ID}", f"身份证{ID_X}。", f"证件号码 {ID[:6]} {ID[6:14]} {ID[14:]}",
    "身份证号350102850506123（旧证）", f"身份证号：{ID.translate(str.maketrans('0123456789', '０１２３４５６７８９'))}",
    f"ID:{ID_X.lower()}",
])
def test_resident_ids_are_blocking_everywhere(text):
    assert detected(text) == [(RESIDENT_ID, "blocking")]
    assert detected(text, is_list=True) == [(RESIDENT_ID, "blocking")]


@pytest.mark.parametrize("text", [
    f"身份证号：{wrong_check(ID)}",                 # wrong check digit
    f"编号1{ID}",                                   # inside a longer digit run
    f"编号{ID}7",
    f"订单{ID}{ID}",
    "学号202100000123",
    f"{ID[:17]}",                                   # 17 digits
    f"{ID_X}Y2",                                    # part of a longer code
    "金额3.350102200305061234元",                    # the fraction of a decimal number
])
def test_id_near_misses(text):
    assert RESIDENT_ID not in [d for d, _ in detected(text)]


def test_birth_date_in_the_future_is_not_an_id():
    clock = FixedClock(datetime(2024, 1, 1, 12))
    number = resident_id("35", date(2024, 6, 1), 1)
    assert scan_text(number, location="body", clock=clock) == []
    later = FixedClock(datetime(2024, 7, 1, 12))
    assert [f.detector for f in scan_text(number, location="body", clock=later)] == [RESIDENT_ID]


@pytest.mark.parametrize("text", [
    "手机13812345678", "电话：138 1234 5678", "138-1234-5678", "+86 138 1234 5678",
    "+8613812345678", "86-13812345678", "0086 13812345678", "0086-138-1234-5678",
    "联系方式：19912345678。", "１３８１２３４５６７８",
])
def test_mobile_numbers(text):
    assert detected(text) == [(MOBILE_PHONE, "warning")]
    assert detected(text, is_list=True) == [(MOBILE_PHONE, "blocking")]


@pytest.mark.parametrize("text", [
    "电话0596-2345678",            # a landline (office numbers are published on purpose)
    "12345678901",                 # no mobile prefix
    "14012345678",
    "编号138123456789",            # 12 digits
    "编号913812345678",
    "+1 415 555 2671",             # not a Chinese mobile number
    "QQ12345678901",               # glued to letters: a code, not a phone
    "1381234567",                  # 10 digits
])
def test_mobile_near_misses(text):
    assert MOBILE_PHONE not in [d for d, _ in detected(text)]


@pytest.mark.parametrize("text", [
    f"银行卡号：{CARD}", f"卡号{CARD16}", f"{CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:16]} {CARD[16:]}",
    f"{CARD16[:4]}-{CARD16[4:8]}-{CARD16[8:12]}-{CARD16[12:]}",
])
def test_bank_cards(text):
    assert detected(text) == [(BANK_CARD, "warning")]
    assert detected(text, is_list=True) == [(BANK_CARD, "blocking")]


@pytest.mark.parametrize("text", [
    f"卡号{CARD[:-1]}{(int(CARD[-1]) + 1) % 10}",     # Luhn fails
    f"流水号1{CARD}",                                  # inside a longer digit run
    "订单号1234567812345670",                           # Luhn-valid, but 1… is no bank card
    f"{CARD[:15]}",
])
def test_bank_card_near_misses(text):
    assert BANK_CARD not in [d for d, _ in detected(text)]


def test_an_id_is_not_also_a_bank_card():
    # Some IDs also pass Luhn; they are reported once, as IDs.
    for seq in range(200):
        number = resident_id("35", date(2001, 2, 3), seq)
        assert [d for d, _ in detected(number)] == [RESIDENT_ID]


def test_several_numbers_in_one_line():
    text = f"张三 {ID} 13812345678 {CARD}；李四 13912345678"
    assert [d for d, _ in detected(text)] == [RESIDENT_ID, MOBILE_PHONE, BANK_CARD, MOBILE_PHONE]


def test_settings_choose_severities():
    from workflow.settings import load_settings
    strict = load_settings().with_overrides({"scan": {"personal_info_elsewhere": "blocking"}})
    assert [f.severity for f in scan_text("手机13812345678", location="body", settings=strict)] == ["blocking"]
    lenient = load_settings().with_overrides({"scan": {"personal_info_in_lists": "warning"}})
    assert [f.severity for f in scan_text("手机13812345678", location="body", is_list=True,
                                          settings=lenient)] == ["warning"]
    # IDs block whatever the settings say.
    assert [f.severity for f in scan_text(ID, location="body", settings=lenient)] == ["blocking"]
