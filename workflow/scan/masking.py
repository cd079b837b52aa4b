"""Masking: the redacted text proposed to the drafter, and the masked excerpts of findings.

Masking is *length-preserving*: every hidden character becomes one ``*`` (separators such
as spaces and dashes stay), so a finding's offset is valid in the original and the masked
text alike.

- ID: first 6 and last 4 characters kept → ``350102********1234``.
- Mobile: first 3 and last 4 digits of the national number kept → ``138****5678`` (a +86 prefix stays).
- Bank card: first 4 and last 4 digits kept → ``6222***********1234``.
- Birth date: every digit hidden → ``****年*月*日``.
- Home address: kept up to the district/county, the rest hidden → ``福建省漳州市芗城区*******``.
- In a 名单 / 公示 (``remove_personal_info``) nothing of those is kept at all, as 教财厅函〔2017〕28号
  asks (names with school, class and major only): each match goes, with the label before it
  (「身份证号：」) and the separator it leaves behind. This is not length-preserving.
- Classification markings and sensitive words are NOT masked: a marked document must go
  back to its drafter (it may be secret as a whole), not be published with the mark removed.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Iterable

from workflow.scan.detectors import Engine, Hit, find_hits
from workflow.scan.result import PERSONAL_INFO

EXCERPT_CONTEXT = 12            # characters of context each side of a match
_LONG_DIGITS_RE = re.compile(r"[0-9０-９]{7,}")
_MAX_ROUNDS = 8


def apply_masks(text: str, hits: Iterable[Hit]) -> str:
    """``text`` with the hidden characters of ``hits`` replaced by ``*``."""
    positions = sorted({p for hit in hits for p in hit.hidden})
    if not positions:
        return text
    chars = list(text)
    for p in positions:
        chars[p] = "*"
    return "".join(chars)


def masked_match(text: str, hit: Hit) -> str:
    """The masked form of one match."""
    hidden = set(hit.hidden)
    return "".join("*" if i in hidden else text[i] for i in range(hit.start, hit.end))


def mask_personal_info(text: str, engine: Engine, today: date) -> str:
    """Mask every personal-information match until a rescan finds none.

    One round is almost always enough; the loop guarantees the property the workflow relies
    on (a masked text has no personal-information finding) even when masking one match
    reveals another. Each round hides at least one more character, so it terminates.
    """
    for _ in range(_MAX_ROUNDS):
        hits = [h for h in find_hits(text, engine, today) if h.detector in PERSONAL_INFO]
        if not hits:
            return text
        masked = apply_masks(text, hits)
        if masked == text:                       # nothing left to hide in the kept parts
            break
        text = masked
    # Pathological input: hide every character of whatever still matches.
    hits = [h for h in find_hits(text, engine, today) if h.detector in PERSONAL_INFO]
    chars = list(text)
    for hit in hits:
        for i in range(hit.start, hit.end):
            if not chars[i].isspace():
                chars[i] = "*"
    return "".join(chars)


def excerpt(text: str, hit: Hit, all_hits: list[Hit]) -> str:
    """A one-line masked excerpt around ``hit`` with a little context.

    Other matches in the window are masked too, and any remaining run of 7+ digits (an ID
    with a typo, an account number …) is hidden: an excerpt never carries raw personal data.
    """
    start = max(0, hit.start - EXCERPT_CONTEXT)
    end = min(len(text), hit.end + EXCERPT_CONTEXT)
    chars = list(text[start:end])
    for other in all_hits:
        if other.end <= start or other.start >= end:
            continue
        for p in other.hidden:
            if start <= p < end:
                chars[p - start] = "*"
    window = "".join(chars)
    window = _LONG_DIGITS_RE.sub(lambda m: "*" * len(m.group()), window)
    window = re.sub(r"\s", " ", window)
    return ("…" if start > 0 else "") + window + ("…" if end < len(text) else "")


# A label naming the removed value, right before it: 身份证号：, 联系电话:, 家庭住址 …
_LABEL_BEFORE_RE = re.compile(r"(?:身份证(?:件)?(?:号码|号)?|证件号(?:码)?|(?:联系|手机|移动)?电话(?:号码)?|手机(?:号码|号)?"
                              r"|出生(?:日期|年月)?|生日|(?:家庭)?(?:住址|地址)|银行卡(?:号|号码)?|卡号)\s*[：:]?\s*$")
_SEPARATORS = "，,、;；|/\t "
_DOUBLED_SEPARATOR_RE = re.compile(rf"([{_SEPARATORS}])[{_SEPARATORS}]+")
_LINE_END_SEPARATORS_RE = re.compile(rf"[{_SEPARATORS}（(]*[）)]?[{_SEPARATORS}]*$", re.MULTILINE)
_EMPTY_BRACKETS_RE = re.compile(r"[（(]\s*[）)]")


def remove_personal_info(text: str, engine: Engine, today: date) -> str:
    """``text`` without any personal information: for a 名单 or 公示 (教财厅函〔2017〕28号: 身份证件号码、
    家庭住址、电话号码、出生日期、银行卡号 are never published). Each match is cut out with the label in
    front of it; separators and brackets it leaves empty are tidied. Repeats until a rescan finds none,
    and falls back to masking whatever a pathological input still holds."""
    for _ in range(_MAX_ROUNDS):
        hits = sorted((h for h in find_hits(text, engine, today) if h.detector in PERSONAL_INFO),
                      key=lambda hit: hit.start, reverse=True)
        if not hits:
            return text
        for hit in hits:                                   # from the end: earlier offsets stay valid
            before = _LABEL_BEFORE_RE.search(text[:hit.start][-20:])
            start = hit.start - (len(before.group(0)) if before else 0)
            text = text[:start] + text[hit.end:]
        text = _tidy(text)
    return mask_personal_info(text, engine, today)


def _tidy(text: str) -> str:
    """Separators and brackets a removal left empty or doubled, per line."""
    lines = []
    for line in text.split("\n"):
        ending = "\r" if line.endswith("\r") else ""     # a browser's form sends CRLF: keep it, tidy before it
        line = _EMPTY_BRACKETS_RE.sub("", line.removesuffix("\r"))
        line = _DOUBLED_SEPARATOR_RE.sub(lambda m: m.group(1) if m.group(1) != " " else m.group(0)[-1], line)
        lines.append((line.rstrip(_SEPARATORS).rstrip() if line.strip() else line) + ending)
    return "\n".join(lines)
