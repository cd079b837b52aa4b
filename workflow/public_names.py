"""The name a published attachment carries in public.

Drafters mask a sheet and upload it as 「奖学金名单-脱敏.xlsx」; the public is given the document's own
name (「奖学金名单.xlsx」): how the office prepared a file is internal. Staff pages keep the stored name.
"""
from __future__ import annotations

import re

# 「-脱敏」「_已脱敏」「（脱敏版）」「【脱敏后】」… at the end of the name, before its extension
_MASKING_MARK_RE = re.compile(r"[\s_\-—]*[（(【\[]?\s*已?脱敏(?:版|后|稿)?\s*[）)】\]]?\s*$")


def public_filename(filename: str) -> str:
    """``filename`` without a masking mark at the end of its stem (the name itself when nothing is left)."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    cleaned = _MASKING_MARK_RE.sub("", stem)
    if not cleaned.strip():
        return filename
    return f"{cleaned}.{extension}" if dot else cleaned
