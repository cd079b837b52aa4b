"""The scanner's result type: one :class:`Finding` per suspicious match (or unreadable file)."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Literal

Severity = Literal["blocking", "warning"]

CLASSIFICATION_MARKING = "classification_marking"
RESIDENT_ID = "resident_id"
MOBILE_PHONE = "mobile_phone"
BANK_CARD = "bank_card"
BIRTH_DATE = "birth_date"
HOME_ADDRESS = "home_address"
SENSITIVE_WORD = "sensitive_word"
# An attachment that could not be scanned in full (「无法完成自检」): corrupt, encrypted, of an
# unsupported type, over a limit, killed for time or memory. Always blocking, never "clean".
SCAN_INCOMPLETE = "scan_incomplete"
UNREADABLE = SCAN_INCOMPLETE   # the former name of the same finding

DETECTORS: tuple[str, ...] = (
    CLASSIFICATION_MARKING, RESIDENT_ID, MOBILE_PHONE, BANK_CARD, BIRTH_DATE, HOME_ADDRESS,
    SENSITIVE_WORD, SCAN_INCOMPLETE,
)
# Detectors about a person (个人信息); a reviewer may accept these with a legal basis.
PERSONAL_INFO: frozenset[str] = frozenset({RESIDENT_ID, MOBILE_PHONE, BANK_CARD, BIRTH_DATE, HOME_ADDRESS})
# Personal-information detectors whose severity depends on whether the text is a list.
LIST_SENSITIVE: frozenset[str] = frozenset({MOBILE_PHONE, BANK_CARD, BIRTH_DATE, HOME_ADDRESS})


@dataclass(frozen=True)
class Finding:
    """One thing the pre-scanner (保密自检) found in a title, body or attachment.

    ``excerpt`` and ``match_masked`` are always masked: a finding can be stored, logged and
    shown without spreading the personal data it is about. ``offset``/``length`` point into the
    text unit named by ``location`` + ``sublocation`` (the title, the body, one spreadsheet
    cell, one PDF page …); masking is length-preserving, so they are valid in the masked text too.
    """

    detector: str
    severity: Severity
    location: str
    sublocation: str
    offset: int
    length: int
    excerpt: str
    match_masked: str
    message: str
    acceptable: bool
    key: str

    @property
    def is_blocking(self) -> bool:
        """True when publication must wait for a fix (or an accepted reviewer decision)."""
        return self.severity == "blocking"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with every field."""
        return asdict(self)


def finding_key(detector: str, location: str, sublocation: str, offset: int, match_masked: str) -> str:
    """A stable fingerprint (64 hex chars) a reviewer decision can refer to.

    Built from the *masked* match, never the raw one: a bare SHA-256 of an ID number or a
    phone number could be reversed by brute force (the number space is small).
    """
    raw = "\x1f".join((detector, location, sublocation, str(offset), match_masked))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def make_finding(
    *,
    detector: str,
    severity: Severity,
    location: str,
    sublocation: str = "",
    offset: int = 0,
    length: int = 0,
    excerpt: str = "",
    match_masked: str = "",
    message: str,
    acceptable: bool,
) -> Finding:
    """A :class:`Finding` with its ``key`` computed."""
    return Finding(
        detector=detector, severity=severity, location=location, sublocation=sublocation,
        offset=offset, length=length, excerpt=excerpt, match_masked=match_masked, message=message,
        acceptable=acceptable,
        key=finding_key(detector, location, sublocation, offset, match_masked),
    )


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that block publication."""
    return [f for f in findings if f.severity == "blocking"]
