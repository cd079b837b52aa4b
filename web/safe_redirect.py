"""Where to go after logging in: only a path on our own site, judged as a browser would read it.

Browsers remove tab, CR and LF anywhere in a URL, strip leading/trailing control characters and
spaces, and read ``\\`` as ``/`` — so ``/\\t/evil.example`` and ``/\\evil`` are really
``//evil.example`` and ``//evil``: another host. Rather than try to repair such input we refuse
it: any control character or backslash, a scheme, an authority (``//``), or an over-long value
sends the user to their landing page instead.
"""
from __future__ import annotations

from urllib.parse import quote, urlsplit

MAX_LENGTH = 2000
# Characters kept as they are when quoting: RFC 3986 reserved and unreserved ones, and "%" (already
# encoded input stays as it was). Everything else (spaces, non-ASCII) is percent-encoded.
_SAFE = "!#$%&'()*+,/:;=?@[]~-._"


def safe_next(target: str | None) -> str | None:
    """``target`` as a same-origin path (``/…``) fit for a Location header, or None to use the landing page."""
    if not target or len(target) > MAX_LENGTH:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        return None
    try:
        quoted = quote(target, safe=_SAFE)
    except UnicodeEncodeError:  # a lone surrogate (\ud800) cannot be a URL
        return None
    # Quoting cannot create "//" or a backslash, but check the final form, which is what the browser reads.
    return quoted if quoted.startswith("/") and not quoted.startswith("//") else None
