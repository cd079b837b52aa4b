"""The detector engine: one pass of the combined pattern, then checks on each candidate.

:func:`find_hits` returns raw :class:`Hit` objects (positions and what to mask); turning
them into user-facing findings with severities and messages is ``workflow.scan.scanner``'s job.
A candidate that fails its check is dropped and the search resumes one character later, so a
rejected candidate never hides a real match that starts inside it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from workflow.scan import result as F
from workflow.scan.ids import (
    PROVINCE_CODES, ascii_digits, is_bank_card, is_resident_id, mobile_national_part,
)
from workflow.scan.patterns import (
    ADDRESS_DETAIL_RE, ADMIN_PREFIX_RE, COMPOUND_NEXT, DATE_RE, HARMLESS_BEFORE, compile_combined,
)

# Kinds of classification findings.
MARKING = "marking"        # a real marking (★, spaced or on its own line, 内部资料 …): return only
BARE_LEVEL = "bare_level"  # a bare 绝密/机密/秘密 word: blocking, a reviewer may clear it

# A bare level word is harmless when it is part of one of these phrases (compared with
# whitespace removed, so PDF text with spaced-out characters is judged the same way; the
# pattern already rejects the unspaced forms).
_HARMLESS_AFTER = ("性", "投票", "写票", "划票")
# 「手机密码」「有机密封」「杜绝密集」: 密 starts the next word, the level word is an accident.
_COMPOUND_NEXT = frozenset(COMPOUND_NEXT)
# 「神秘密码」「揭秘密室」: 秘 ends the previous word.
_SECRET_PREVIOUS_WORD = frozenset("神揭奥便隐诡")

_WS_RE = re.compile(r"\s+")
_NUM_CHARS = frozenset("0123456789０１２３４５６７８９XxＸｘ")
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True, slots=True)
class Hit:
    """A validated candidate: where it is, what it is and which characters to mask."""

    detector: str
    start: int
    end: int
    hidden: tuple[int, ...] = ()   # absolute positions to replace by '*' when masking
    kind: str = ""                 # MARKING / BARE_LEVEL for classification hits


@dataclass(frozen=True)
class Engine:
    """The compiled combined pattern plus the sensitive words it contains."""

    pattern: re.Pattern[str]
    words: tuple[str, ...]


def load_words(path: Path) -> tuple[str, ...]:
    """Sensitive words from a UTF-8 file: one per line, ``#`` starts a comment."""
    words: list[str] = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        word = line.split("#", 1)[0].strip()
        if word and word not in words:
            words.append(word)
    return tuple(words)


@lru_cache(maxsize=8)
def engine_for(words_file: str) -> Engine:
    """The engine for a words file, compiled once per process."""
    words = load_words(Path(words_file))
    return Engine(compile_combined(words), words)


# ---------------------------------------------------------------------------------------
def find_hits(text: str, engine: Engine, today: date) -> list[Hit]:
    """All validated matches in ``text``, in order of position (overlaps are possible)."""
    hits: list[Hit] = []
    search = engine.pattern.search
    pos = 0
    while True:
        m = search(text, pos)
        if m is None:
            return hits
        kind = m.lastgroup
        start = m.start()
        if kind == "num" or kind == "intl":
            hit = _number_hit(m.group(), start, today)
            if hit is None:
                pos = start + 1
                continue
            hits.append(hit)
        elif kind == "word":
            hits.append(Hit(F.SENSITIVE_WORD, start, m.end()))
        elif kind == "mark" or kind == "internal":
            hits.append(Hit(F.CLASSIFICATION_MARKING, start, m.end(), kind=MARKING))
        elif kind == "level":
            hit = _level_hit(text, start, m.end())
            if hit is None:
                pos = start + 1
                continue
            hits.append(hit)
        elif kind == "birth":
            vstart, vend = m.span("bval")
            if not date_is_birth_date(m.group("bval"), today):
                pos = m.end("blabel")
                continue
            hits.append(Hit(F.BIRTH_DATE, vstart, vend, _date_positions(text, vstart, vend)))
        elif kind == "bdate":
            dstart, dend = start, _strip_born_suffix(text, start, m.end())
            if not date_is_birth_date(text[dstart:dend], today):
                pos = start + 1
                continue
            hits.append(Hit(F.BIRTH_DATE, dstart, dend, _date_positions(text, dstart, dend)))
        elif kind == "addr":
            hit = _address_hit(m)
            # Resume after the label either way: the value may hold a phone number or an ID.
            pos = m.end("alabel")
            if hit is not None:
                hits.append(hit)
            continue
        pos = m.end()


# ---------------------------------------------------------------------------------------
# Numbers
def _number_hit(raw: str, start: int, today: date) -> Hit | None:
    positions = [start + i for i, ch in enumerate(raw) if ch in _NUM_CHARS]
    digits = ascii_digits("".join(raw[p - start] for p in positions)).upper()
    international = raw[0] in "+＋"
    end = start + len(raw)
    if not international and len(digits) in (15, 18) and is_resident_id(digits, today):
        # Keep the first 6 (region) and last 4 characters.
        return Hit(F.RESIDENT_ID, start, end, tuple(positions[6:-4]))
    if "X" in digits:
        return None
    national = mobile_national_part(digits)
    if national is not None and (not international or len(digits) == 13):
        national_positions = positions[-11:]
        return Hit(F.MOBILE_PHONE, start, end, tuple(national_positions[3:7]))
    if not international and is_bank_card(digits):
        return Hit(F.BANK_CARD, start, end, tuple(positions[4:-4]))
    return None


# ---------------------------------------------------------------------------------------
# Classification levels
def _level_hit(text: str, start: int, end: int) -> Hit | None:
    if level_word_is_harmless(text, start, end):
        return None
    matched = text[start:end]
    spaced = len(matched) > 2
    if spaced or _alone_on_line(text, start, end):
        return Hit(F.CLASSIFICATION_MARKING, start, end, kind=MARKING)
    return Hit(F.CLASSIFICATION_MARKING, start, end, kind=BARE_LEVEL)


def level_word_is_harmless(text: str, start: int, end: int) -> bool:
    """True for 商业秘密, 保守国家秘密, 机密性, 手机密码 …: not a classification at all."""
    before = _WS_RE.sub("", text[max(0, start - 12):start])[-4:]
    after = _WS_RE.sub("", text[end:end + 12])[:3]
    if after[:1] in _COMPOUND_NEXT and after:
        return True
    if after.startswith(_HARMLESS_AFTER):
        return True
    if text[start] == "秘" and before[-1:] in _SECRET_PREVIOUS_WORD and before:
        return True
    return before.endswith(HARMLESS_BEFORE)


def _alone_on_line(text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    if line_end < 0:
        line_end = len(text)
    return not text[line_start:start].strip() and not text[end:line_end].strip()


# ---------------------------------------------------------------------------------------
# Dates
def _cn_number(text: str) -> int | None:
    """「二〇〇三」→ 2003, 「十二」→ 12, 「二十三」→ 23."""
    if "十" in text:
        tens, _, units = text.partition("十")
        value = (_CN_DIGITS.get(tens, -100) if tens else 1) * 10
        value += _CN_DIGITS.get(units, -100) if units else 0
        return value if value > 0 else None
    if not text or any(ch not in _CN_DIGITS for ch in text):
        return None
    return int("".join(str(_CN_DIGITS[ch]) for ch in text))


_DATE_PARTS_RE = re.compile(r"[0-9]+|[〇零○一二三四五六七八九十]+")


def parse_date_parts(text: str) -> tuple[int | None, int, int | None] | None:
    """(year, month, day) of a date as written; year or day may be missing."""
    raw = ascii_digits(text)
    parts = _DATE_PARTS_RE.findall(raw)
    numbers: list[int] = []
    for part in parts:
        value = int(part) if part.isdigit() else _cn_number(part)
        if value is None:
            return None
        numbers.append(value)
    if len(parts) == 1 and parts[0].isdigit() and len(parts[0]) in (6, 8):
        digits = parts[0]
        return int(digits[:4]), int(digits[4:6]), int(digits[6:8]) if len(digits) == 8 else None
    if len(numbers) == 2 and len(parts[0]) < 4:      # 5月6日
        return None, numbers[0], numbers[1]
    if len(numbers) == 2:
        return numbers[0], numbers[1], None
    if len(numbers) == 3:
        return numbers[0], numbers[1], numbers[2]
    return None


def date_is_birth_date(text: str, today: date) -> bool:
    """A real calendar date between 1900-01-01 and ``today`` (year or day may be missing)."""
    parts = parse_date_parts(text)
    if parts is None:
        return False
    year, month, day = parts
    try:
        born = date(year if year is not None else 2000, month, day if day is not None else 1)
    except ValueError:
        return False
    if year is None:
        return True
    return 1900 <= year and born <= today


def _strip_born_suffix(text: str, start: int, end: int) -> int:
    """End of the date part of 「1985年3月出生」 (drops 出生/生 and spaces)."""
    while end > start and text[end - 1] in "出生 ":
        end -= 1
    return end


def _date_positions(text: str, start: int, end: int) -> tuple[int, ...]:
    return tuple(i for i in range(start, end) if text[i].isdigit() or text[i] in _CN_DIGITS
                 or text[i] == "十")


def birth_date_in_cell(text: str, today: date) -> Hit | None:
    """A date in a cell under a 出生日期 column header (no label needed)."""
    m = DATE_RE.search(text)
    if m is None or not date_is_birth_date(m.group(), today):
        return None
    return Hit(F.BIRTH_DATE, m.start(), m.end(), _date_positions(text, m.start(), m.end()))


# ---------------------------------------------------------------------------------------
# Addresses
def address_positions(value: str, offset: int, *, need_admin: bool = False) -> tuple[int, ...] | None:
    """Positions to mask in an address (everything after the district), or None if no address.

    An address needs detail below the county level (镇/村/路/号, a number …): 「福建省漳州市」
    alone is the level of a 生源地 and is not flagged (and a masked address ends there).
    """
    keep = ADMIN_PREFIX_RE.match(value).end()
    detail = value[keep:]
    if need_admin and keep == 0:
        return None
    if len(detail.strip()) < 2 or ADDRESS_DETAIL_RE.search(detail) is None:
        return None
    return tuple(offset + i for i in range(keep, len(value)) if not value[i].isspace())


def _address_hit(m: re.Match[str]) -> Hit | None:
    vstart, vend = m.span("aval")
    # 「住址证明请到村委会开具」: without a colon or space after the label, the value must start
    # like an address (省/市/区/县) to count.
    need_admin = not m.group("asep")
    hidden = address_positions(m.group("aval"), vstart, need_admin=need_admin)
    if hidden is None:
        return None
    return Hit(F.HOME_ADDRESS, vstart, vend, hidden)


def address_in_cell(text: str) -> Hit | None:
    """An address in a cell under a 家庭住址 column header."""
    stripped = text.strip()
    if not stripped:
        return None
    offset = text.index(stripped[0])
    hidden = address_positions(stripped, offset)
    if hidden is None:
        return None
    return Hit(F.HOME_ADDRESS, offset, offset + len(stripped), hidden)


# ---------------------------------------------------------------------------------------
# Columns whose header names the content (身份证号, 银行卡号 …)
_CELL_NUMBER_RE = re.compile(r"[0-9０-９][0-9０-９ \-]*[0-9０-９XxＸｘ]")


def _cell_number(text: str) -> tuple[int, int, str] | None:
    m = _CELL_NUMBER_RE.search(text)
    if m is None:
        return None
    digits = ascii_digits(re.sub(r"[ \-]", "", m.group())).upper()
    return m.start(), m.end(), digits


def resident_id_in_cell(text: str, today: date) -> Hit | None:
    """A number under a 身份证号 header: region and birth date suffice, no check digit needed.

    Excel turns an 18-digit ID typed as a number into ``350102200305061000`` (15 significant
    digits); the check digit is lost but the region, birth date and sequence are not.
    """
    found = _cell_number(text)
    if found is None:
        return None
    start, end, digits = found
    if len(digits) == 18 and digits[:17].isdigit():
        born = digits[6:14]
    elif len(digits) == 15 and digits.isdigit():
        born = "19" + digits[6:12]
    else:
        return None
    if digits[:2] not in PROVINCE_CODES or not date_is_birth_date(born, today):
        return None
    positions = [i for i in range(start, end) if text[i] in _NUM_CHARS]
    return Hit(F.RESIDENT_ID, start, end, tuple(positions[6:-4]))


def bank_card_in_cell(text: str) -> Hit | None:
    """A 15–19 digit number under a 银行卡号 header (Luhn not required: a card typed as a
    number loses its last digits in Excel)."""
    found = _cell_number(text)
    if found is None:
        return None
    start, end, digits = found
    if not (15 <= len(digits) <= 19 and digits.isdigit()) or len(set(digits)) <= 2:
        return None
    positions = [i for i in range(start, end) if text[i] in _NUM_CHARS]
    return Hit(F.BANK_CARD, start, end, tuple(positions[4:-4]))


def column_hit(column: str, text: str, today: date) -> Hit | None:
    """The finding a column header implies for one of its cells, if the cell fits."""
    if column == F.BIRTH_DATE:
        return birth_date_in_cell(text, today)
    if column == F.HOME_ADDRESS:
        return address_in_cell(text)
    if column == F.RESIDENT_ID:
        return resident_id_in_cell(text, today)
    if column == F.BANK_CARD:
        return bank_card_in_cell(text)
    return None
