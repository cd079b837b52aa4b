"""Validation of the numbers the scanner looks for: PRC resident IDs, mobile numbers, bank cards.

All functions take the *digits only* (ASCII, separators already removed; an ID may end in
``X``). They are pure and cheap: the scanner calls them only on regex candidates.
"""
from __future__ import annotations

from datetime import date

# GB 11643-1999: weights of the first 17 digits and the check character for sum mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# Province-level codes (GB/T 2260) plus 71 台湾, 81 香港, 82 澳门 and 83, used by the
# 港澳台居民居住证 numbers. The first two digits of a real ID are always one of these.
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15",
    "21", "22", "23",
    "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46",
    "50", "51", "52", "53", "54",
    "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
})

# Second and third digit of valid mobile numbers (MIIT numbering plan, incl. 14x data cards
# used as phones, 16x/19x new ranges and 17x virtual operators).
_MOBILE_PREFIXES = frozenset(
    [f"13{d}" for d in "0123456789"]
    + [f"14{d}" for d in "56789"]
    + [f"15{d}" for d in "012356789"]
    + [f"16{d}" for d in "2567"]
    + [f"17{d}" for d in "012345678"]
    + [f"18{d}" for d in "0123456789"]
    + [f"19{d}" for d in "012356789"]
)

# Major industry identifier of a payment card: 3 travel/entertainment (JCB, Amex), 4 Visa,
# 5 Mastercard, 6 UnionPay (62…), 9 older Chinese domestic cards. 1/2/7/8 are not bank cards,
# and 0 never starts one: requiring these cuts Luhn's 1-in-10 false positives on order numbers.
_CARD_FIRST_DIGITS = frozenset("34569")

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")


def ascii_digits(text: str) -> str:
    """Full-width digits and X → ASCII; everything else unchanged (same length)."""
    return text.translate(_FULLWIDTH_DIGITS)


def resident_id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character (``0``–``9`` or ``X``) for 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _valid_date(year: int, month: int, day: int, today: date) -> bool:
    if year < 1900:
        return False
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return born <= today


def is_resident_id(number: str, today: date) -> bool:
    """An 18-digit ID with a valid check character, birth date and province, or a 15-digit one.

    The 15-digit form (issued before 1999) has a ``YYMMDD`` birth date in the 1900s and no
    check digit.
    """
    number = number.upper()
    if len(number) == 18:
        if not number[:17].isdigit() or number[:2] not in PROVINCE_CODES:
            return False
        if not _valid_date(int(number[6:10]), int(number[10:12]), int(number[12:14]), today):
            return False
        return resident_id_check_char(number[:17]) == number[17]
    if len(number) == 15:
        if not number.isdigit() or number[:2] not in PROVINCE_CODES:
            return False
        return _valid_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]), today)
    return False


def mobile_national_part(number: str) -> str | None:
    """The 11-digit national number if ``number`` is a mobile number (with or without 86/0086)."""
    for prefix in ("0086", "86", ""):
        if number.startswith(prefix) and len(number) == len(prefix) + 11:
            national = number[len(prefix):]
            if national[:3] in _MOBILE_PREFIXES:
                return national
    return None


def luhn_valid(number: str) -> bool:
    """The Luhn (mod 10) checksum of an all-digit string."""
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = ord(char) - 48
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial + digit`` pass Luhn (used by tests and the benchmark)."""
    for digit in "0123456789":
        if luhn_valid(partial + digit):
            return digit
    raise AssertionError("unreachable: one of ten digits always completes a Luhn number")


def is_bank_card(number: str) -> bool:
    """16–19 digits, a bank-card industry digit first, not all the same digit, Luhn-valid."""
    return (
        16 <= len(number) <= 19
        and number.isdigit()
        and number[0] in _CARD_FIRST_DIGITS
        and len(set(number)) > 2
        and luhn_valid(number)
    )
