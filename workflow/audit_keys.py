"""The audit chain's HMAC keys, kept outside the database (docs/audit.md).

Where the keys come from, first match wins:

1. ``GONGKAI_AUDIT_KEY`` — one or more keys separated by commas or whitespace; the LAST one
   signs new events, all of them verify old ones. Rotate by appending a key.
2. A keyring file: ``GONGKAI_AUDIT_KEY_FILE``, else the ``audit.key_file`` setting (a relative
   path is taken in the instance folder). One key per line, ``#`` comments; the last key signs.
   The default file is generated once (mode 0600) on the first audited write, like the web
   secret key; ``gongkai audit rotate-key`` appends a fresh key to it.

A key's id is the first 8 hex digits of the SHA-256 of the key; every event records the id
of the key that signed it, so verification picks the right key after a rotation. The id
reveals nothing useful about a random 256-bit key.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workflow.errors import DomainError

if TYPE_CHECKING:
    from workflow.settings import Settings

ENV_KEY = "GONGKAI_AUDIT_KEY"
ENV_KEY_FILE = "GONGKAI_AUDIT_KEY_FILE"
DEFAULT_KEY_FILE = "audit_keys"
_SEPARATORS = re.compile(r"[\s,]+")
_HEADER = ("# Gongkai audit-chain HMAC keys: one per line, the last one signs new events.\n"
           "# Never delete a line: old events are verified with the key they name. Keep a copy of\n"
           "# this file OUTSIDE the database backups (docs/audit.md).\n")


class AuditKeyError(DomainError):
    """No usable audit key (missing or unreadable key file, unknown key id)."""

    status, code = 503, "audit_key_unavailable"


def key_id(key: bytes) -> str:
    """The public name of a key: the first 8 hex digits of its SHA-256."""
    return hashlib.sha256(key).hexdigest()[:8]


@dataclass(frozen=True)
class Keyring:
    """Keys by id in the order they were added; the last one signs new events."""

    keys: dict[str, bytes]
    source: str

    @property
    def current_id(self) -> str:
        return next(reversed(self.keys))

    @property
    def current(self) -> tuple[str, bytes]:
        """``(key id, key)`` that signs new events."""
        return self.current_id, self.keys[self.current_id]

    def get(self, kid: str) -> bytes | None:
        """The key named ``kid``, or None when this keyring does not hold it."""
        return self.keys.get(kid)


def parse_keys(text: str, source: str) -> Keyring | None:
    """Keys from a keyring file's text or ``GONGKAI_AUDIT_KEY``; None when there is none."""
    keys: dict[str, bytes] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        for token in _SEPARATORS.split(line):
            if token:
                key = token.encode("utf-8")
                keys.pop(key_id(key), None)  # a repeated key moves to the end (becomes current)
                keys[key_id(key)] = key
    return Keyring(keys, source) if keys else None


class AuditKeys:
    """The keyring of one instance, re-read when its file changes (another process rotated it)."""

    def __init__(self, settings: "Settings"):
        self._env = os.environ.get(ENV_KEY)
        explicit = os.environ.get(ENV_KEY_FILE) or None
        configured = str(settings.get("audit.key_file", DEFAULT_KEY_FILE) or DEFAULT_KEY_FILE)
        path = Path(explicit or configured).expanduser()
        self.path = path if path.is_absolute() else settings.instance_dir / path
        # Only the default file is generated; a file the operator named must exist (a typo must
        # not silently start a new key).
        self.may_create = explicit is None and configured == DEFAULT_KEY_FILE
        self._cached: tuple[tuple[int, int, int], Keyring] | None = None
        self._lock = threading.Lock()

    @property
    def source(self) -> str:
        """Where the keys come from, for messages."""
        return ENV_KEY if self._env else str(self.path)

    def keyring(self, create: bool = False) -> Keyring:
        """The current keyring; with ``create`` the default key file is generated if missing."""
        if self._env:
            keyring = parse_keys(self._env, ENV_KEY)
            if keyring is None:
                raise AuditKeyError("审计密钥未配置：环境变量 %(source)s 为空", source=ENV_KEY)
            return keyring
        with self._lock:
            if create and self.may_create and not self.path.exists():
                _create_file(self.path, _HEADER + secrets.token_hex(32) + "\n")
            try:
                stat = self.path.stat()
            except FileNotFoundError:
                raise AuditKeyError("审计密钥文件不存在：%(source)s（设置 GONGKAI_AUDIT_KEY 或 "
                                    "GONGKAI_AUDIT_KEY_FILE，见 docs/audit.md）", source=str(self.path)) from None
            mark = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            if self._cached is None or self._cached[0] != mark:
                try:
                    text = self.path.read_text(encoding="utf-8")
                except OSError as error:
                    raise AuditKeyError("无法读取审计密钥文件 %(source)s：%(error)s", source=str(self.path),
                                        error=str(error)) from error
                keyring = parse_keys(text, str(self.path))
                if keyring is None:
                    raise AuditKeyError("审计密钥文件中没有密钥：%(source)s", source=str(self.path))
                self._cached = (mark, keyring)
            return self._cached[1]

    def current(self) -> tuple[str, bytes]:
        """``(key id, key)`` for a new event; generates the default key file on first use."""
        return self.keyring(create=True).current

    def rotate(self) -> tuple[str | None, str]:
        """Append a fresh random key to the key file; returns ``(old id, new id)``.

        Keys given in ``GONGKAI_AUDIT_KEY`` cannot be rotated here: the operator appends a key
        to the variable instead (docs/audit.md).
        """
        if self._env:
            raise AuditKeyError("审计密钥来自环境变量 %(source)s：请在其末尾追加新密钥（保留旧密钥）后重启",
                                source=ENV_KEY)
        old = None
        if self.path.exists():
            old = self.keyring().current_id
            text = self.path.read_text(encoding="utf-8")
        elif self.may_create:
            text = _HEADER
        else:
            self.keyring()  # raises the "file missing" error
            text = ""
        new_key = secrets.token_hex(32)
        if text and not text.endswith("\n"):
            text += "\n"
        _replace_file(self.path, text + new_key + "\n")
        with self._lock:
            self._cached = None
        return old, key_id(new_key.encode("utf-8"))


def _create_file(path: Path, content: str) -> None:
    """Write ``content`` to a new file readable by the owner only; if another process won the
    race, keep its file (both then use the same key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    _write_private(temporary, content)
    try:
        os.link(temporary, path)  # atomic and refuses to overwrite: no half-written key is ever read
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)


def _replace_file(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    _write_private(temporary, content)
    os.replace(temporary, path)


def _write_private(path: Path, content: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


_INFO_KEY = "gongkai_audit_keys"


def install(database: object, keys: AuditKeys) -> None:
    """Make ``keys`` the keyring of every session of ``database`` (``Database.info``)."""
    info = getattr(database, "info", None)
    if isinstance(info, dict):
        info[_INFO_KEY] = keys


def keys_of(session: object) -> AuditKeys:
    """The keyring installed for ``session``'s database; without one (a bare ``Database``),
    the keyring the default settings name — what ``create_gongkai()`` would use."""
    keys = getattr(session, "info", {}).get(_INFO_KEY)
    if keys is None:
        from workflow.settings import load_settings
        keys = AuditKeys(load_settings())
    return keys
