"""Text for XML-based outputs (Atom feed, XLSX, DOCX): drop what XML 1.0 cannot carry.

Input is checked on the way in (``workflow.inputs.check_text``), but rows stored before that check,
or written by other tools, may still hold control characters; rendering strips them here, in one
place, so a feed or an export never fails (a 500) on one bad title.
"""
from __future__ import annotations

import re
from typing import Any

# Everything outside XML 1.0's Char production: C0 controls but tab/LF/CR, surrogates, U+FFFE/U+FFFF.
_NOT_XML_CHAR = re.compile("[^\\x09\\x0a\\x0d\\x20-\\ud7ff\\ue000-\\ufffd\\U00010000-\\U0010ffff]")


def xml_safe(text: Any) -> Any:
    """``text`` without characters XML cannot carry; non-strings are returned unchanged."""
    if not isinstance(text, str):
        return text
    return _NOT_XML_CHAR.sub("", text)
