"""The scanner's view of the settings, read once per distinct configuration and cached."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from workflow.scan.detectors import Engine, engine_for
from workflow.scan.findings import Severity
from workflow.settings import Settings, config_path, load_settings

SUPPORTED_TYPES = ("txt", "csv", "docx", "xlsx", "pdf")
_SEVERITIES = ("blocking", "warning")


@dataclass(frozen=True)
class ScanOptions:
    """Everything the scanner needs from ``Settings``."""

    in_lists: Severity                 # scan.personal_info_in_lists
    elsewhere: Severity                # scan.personal_info_elsewhere
    words_file: str                    # scan.sensitive_words_file, resolved
    max_bytes: int                     # limits.attachment_max_bytes
    types: frozenset[str]              # scan.attachment_types (default: txt csv docx xlsx pdf)
    max_uncompressed_bytes: int        # scan.max_uncompressed_bytes: zip-bomb guard for docx/xlsx
    max_cells: int                     # scan.max_cells: cells visited per spreadsheet
    max_pages: int                     # scan.max_pages: PDF pages

    @property
    def engine(self) -> Engine:
        """The compiled detectors (cached per words file)."""
        return engine_for(self.words_file)


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


@lru_cache(maxsize=32)
def _options(in_lists: str, elsewhere: str, words: str, max_bytes: int, types: tuple[str, ...],
             max_uncompressed: int, max_cells: int, max_pages: int) -> ScanOptions:
    return ScanOptions(
        in_lists=_severity(in_lists, "scan.personal_info_in_lists"),
        elsewhere=_severity(elsewhere, "scan.personal_info_elsewhere"),
        words_file=_words_path(words),
        max_bytes=max_bytes,
        types=frozenset(t.lower().lstrip(".") for t in types),
        max_uncompressed_bytes=max_uncompressed,
        max_cells=max_cells,
        max_pages=max_pages,
    )


def options_for(settings: Settings | None) -> ScanOptions:
    """The scan options of ``settings`` (default settings when None)."""
    s = settings if settings is not None else default_settings()
    max_bytes = int(s.get("limits.attachment_max_bytes", 10 * 1024 * 1024))
    return _options(
        str(s.get("scan.personal_info_in_lists", "blocking")),
        str(s.get("scan.personal_info_elsewhere", "warning")),
        str(s.get("scan.sensitive_words_file", "sensitive_words.txt")),
        max_bytes,
        tuple(s.get("scan.attachment_types", SUPPORTED_TYPES)),
        int(s.get("scan.max_uncompressed_bytes", max(20 * max_bytes, 200 * 1024 * 1024))),
        int(s.get("scan.max_cells", 2_000_000)),
        int(s.get("scan.max_pages", 2000)),
    )
