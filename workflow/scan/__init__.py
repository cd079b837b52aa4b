"""The secrecy and personal-information pre-scanner (保密自检).

Pure domain code (no database, no Flask): give it text or attachment bytes, get
:class:`Finding` objects back. See ``docs/scanner.md`` for detectors, severities, the list
heuristic, masking rules and limits.

    from workflow.scan import scan_item, blocking
    findings = scan_item(title, body, [("名单.xlsx", data)], settings=settings)
    if blocking(findings): ...
"""
from __future__ import annotations

from workflow.scan.result import DETECTORS, PERSONAL_INFO, Finding, blocking
from workflow.scan.scanner import looks_like_list, mask_text, scan_attachment, scan_item, scan_text

__all__ = [
    "DETECTORS", "PERSONAL_INFO", "Finding", "blocking", "looks_like_list", "mask_text",
    "scan_attachment", "scan_item", "scan_text",
]
