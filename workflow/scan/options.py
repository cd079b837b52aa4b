"""The scanner's view of the settings, read once per distinct configuration and cached.

Extraction limits live in ``[scan_worker]`` (config/default.toml); the older keys
``scan.max_uncompressed_bytes``, ``scan.max_cells`` and ``scan.max_pages`` are still honoured
when ``[scan_worker]`` does not set the corresponding limit.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from workflow.scan.detectors import Engine, engine_for
from workflow.scan.result import Severity
from workflow.settings import Settings, config_path, load_settings

SUPPORTED_TYPES = ("txt", "csv", "docx", "xlsx", "pdf")
_SEVERITIES = ("blocking", "warning")
# Bump when a change to the scanner can change its findings: every cached attachment scan
# (table attachment_scans) is then redone by the scheduler.
SCANNER_VERSION = "2"
MIB = 1024 * 1024


@dataclass(frozen=True)
class ScanOptions:
    """Everything the scanner needs from ``Settings``."""

    in_lists: Severity                 # scan.personal_info_in_lists
    elsewhere: Severity                # scan.personal_info_elsewhere
    words_file: str                    # scan.sensitive_words_file, resolved
    max_bytes: int                     # limits.attachment_max_bytes
    types: frozenset[str]              # scan.attachment_types (default: txt csv docx xlsx pdf)
    max_uncompressed_bytes: int        # scan_worker.max_uncompressed_mb: all parts of a docx/xlsx
    max_cells: int                     # scan_worker.max_cells: cells visited per spreadsheet
    max_pages: int                     # scan_worker.max_pages: PDF pages
    max_zip_entries: int = 2000        # scan_worker.max_zip_entries
    max_part_bytes: int = 50 * MIB     # scan_worker.max_part_mb: one part of a docx/xlsx
    max_ratio: int = 100               # scan_worker.max_compression_ratio (parts over 1 MiB)
    max_text_chars: int = 5_000_000    # scan_worker.max_text_chars: extracted text per file
    max_findings: int = 1000           # scan_worker.max_findings: kept per attachment

    @property
    def engine(self) -> Engine:
        """The compiled detectors (cached per words file)."""
        return engine_for(self.words_file)

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the scanner version, every option and the sensitive words themselves.

        Two scans with the same fingerprint of the same bytes give the same findings, so the
        result can be cached by content hash + fingerprint.
        """
        fields = asdict(self)
        fields["types"] = sorted(self.types)
        fields["words"] = hashlib.sha256(Path(self.words_file).read_bytes()).hexdigest()
        fields["words_file"] = ""
        raw = json.dumps({"version": SCANNER_VERSION, **fields}, sort_keys=True)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    """``load_settings()``, once per process."""
    return load_settings()


def _severity(value: object, key: str) -> Severity:
    if value not in _SEVERITIES:
        raise ValueError(f"{key} must be 'blocking' or 'warning', not {value!r}")
    return value  # type: ignore[return-value]


def _words_path(name: str) -> str:
    path = Path(name)
    if not path.is_absolute():
        path = config_path(name)
    if not path.is_file():
        raise FileNotFoundError(f"scan.sensitive_words_file not found: {path}")
    return str(path)


def positive_int(value: object, key: str) -> int:
    """A setting that must be a positive integer (bool and text refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or value <= 0:
        raise ValueError(f"{key} must be a positive integer, not {value!r}")
    return int(value)


@lru_cache(maxsize=32)
def _options(in_lists: str, elsewhere: str, words: str, max_bytes: int, types: tuple[str, ...],
             limits: tuple[tuple[str, int], ...]) -> ScanOptions:
    return ScanOptions(
        in_lists=_severity(in_lists, "scan.personal_info_in_lists"),
        elsewhere=_severity(elsewhere, "scan.personal_info_elsewhere"),
        words_file=_words_path(words),
        max_bytes=max_bytes,
        types=frozenset(t.lower().lstrip(".") for t in types),
        **dict(limits),
    )


def _limit(s: Settings, key: str, legacy: str | None, default: int, scale: int = 1) -> int:
    value = s.get(f"scan_worker.{key}")
    if value is not None:
        return positive_int(value, f"scan_worker.{key}") * scale
    if legacy is not None and s.get(legacy) is not None:
        return positive_int(s.get(legacy), legacy)
    return default * scale


def options_for(settings: Settings | None) -> ScanOptions:
    """The scan options of ``settings`` (default settings when None)."""
    s = settings if settings is not None else default_settings()
    max_bytes = int(s.get("limits.attachment_max_bytes", 10 * MIB))
    limits = (
        ("max_uncompressed_bytes", _limit(s, "max_uncompressed_mb", "scan.max_uncompressed_bytes", 200, MIB)),
        ("max_cells", _limit(s, "max_cells", "scan.max_cells", 1_000_000)),
        ("max_pages", _limit(s, "max_pages", "scan.max_pages", 500)),
        ("max_zip_entries", _limit(s, "max_zip_entries", None, 2000)),
        ("max_part_bytes", _limit(s, "max_part_mb", None, 50, MIB)),
        ("max_ratio", _limit(s, "max_compression_ratio", None, 100)),
        ("max_text_chars", _limit(s, "max_text_chars", None, 5_000_000)),
        ("max_findings", _limit(s, "max_findings", None, 1000)),
    )
    return _options(
        str(s.get("scan.personal_info_in_lists", "blocking")),
        str(s.get("scan.personal_info_elsewhere", "warning")),
        str(s.get("scan.sensitive_words_file", "sensitive_words.txt")),
        max_bytes,
        tuple(s.get("scan.attachment_types", SUPPORTED_TYPES)),
        limits,
    )
