"""Distinguished names (RFC 4514) reduced to one comparable form, and the parent OU of an entry.

Directories hand back the same DN in several spellings (``OU=Staff, DC=Example`` and
``ou=staff,dc=example``; ``\\,`` or ``\\2C`` for an escaped comma). Department keys and the
link of a user to its entry compare the normalised form. Attribute types and values are
compared case-insensitively, as ``ou``/``cn``/``dc``/``uid`` are in every directory schema.
"""
from __future__ import annotations

from ldap3.utils.dn import escape_rdn


class DnError(ValueError):
    """Text that is not a distinguished name."""


def _unescape(value: str) -> str:
    """The value of an RDN with its backslash escapes resolved (``\\,`` and ``\\2C`` both give ``,``)."""
    out = bytearray()
    index = 0
    raw = value.encode("utf-8")
    while index < len(raw):
        char = raw[index]
        if char == 0x5C:  # backslash
            pair = raw[index + 1:index + 3]
            if len(pair) == 2 and all(c in b"0123456789abcdefABCDEF" for c in pair):
                out.append(int(pair, 16))
                index += 3
                continue
            if index + 1 >= len(raw):
                raise DnError("a DN ends in a lone backslash")
            out.append(raw[index + 1])
            index += 2
            continue
        out.append(char)
        index += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DnError("a DN escapes bytes that are not UTF-8") from error


def _split(text: str, separators: str) -> list[str]:
    """``text`` cut at every separator that is not escaped by a backslash."""
    parts, current, index = [], [], 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            current.append(text[index:index + 2])
            index += 2
            continue
        if char in separators:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def _attribute(text: str) -> str:
    """One ``type=value`` pair in normal form: type lower-cased, value unescaped, trimmed, re-escaped, lower-cased."""
    kind, equals, value = text.partition("=")
    kind = kind.strip().lower()
    if not equals or not kind or not all(c.isalnum() or c in "-." for c in kind):
        raise DnError(f"not an attribute=value pair: {text!r}")
    value = value.strip()
    if value.endswith("\\") and not value.endswith("\\\\"):
        value += " "  # an escaped trailing space was cut off by strip()
    return f"{kind}={escape_rdn(_unescape(value)).lower()}"


def rdns(dn: str) -> list[str]:
    """The RDNs of ``dn`` in normal form, leftmost first (``DnError`` for text that is not a DN)."""
    text = (dn or "").strip()
    if not text:
        return []
    return ["+".join(sorted(_attribute(part) for part in _split(rdn, "+"))) for rdn in _split(text, ",;")]


def normalize_dn(dn: str) -> str:
    """One spelling of ``dn``: compare these to know whether two DNs name the same entry."""
    return ",".join(rdns(dn))


def parent_dn(dn: str) -> str:
    """The normalised DN of the entry that holds ``dn`` (its OU, for a person): the department key in ``ou`` mode."""
    return ",".join(rdns(dn)[1:])


def first_value(dn: str) -> str:
    """The unescaped value of the leftmost RDN (``ou=学生处,dc=…`` → ``学生处``)."""
    parts = _split((dn or "").strip(), ",;")
    return _unescape(_split(parts[0], "+")[0].partition("=")[2].strip()) if parts and parts[0] else ""
