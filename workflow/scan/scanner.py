"""The public scanning functions: text, attachments, whole items, and masking."""
from __future__ import annotations

import re
import warnings
from bisect import bisect_right
from datetime import date
from typing import Callable, Iterable, Sequence

from workflow.clock import Clock, SystemClock, local_date
from workflow.i18n import _
from workflow.scan import result as F
from workflow.scan.detectors import (
    BARE_LEVEL, Hit, column_hit, find_hits,
)
from workflow.scan.extract import (
    TextUnit, Unreadable, R_CORRUPT, R_MEMORY, R_PARSER_LIMIT, R_TOO_LARGE, R_TOO_MUCH_TEXT, csv_units, docx_units, pdf_units, sniff_kind,
    text_units, xlsx_units,
)
from workflow.scan.result import Finding, make_finding
from workflow.scan.masking import excerpt, mask_personal_info, masked_match, remove_personal_info
from workflow.scan.options import ScanOptions, options_for
from workflow.settings import Settings

# ---------------------------------------------------------------------------------------
# Is it a list (公示名单)?

LIST_TITLE_RE = re.compile("名单|公示|名册|花名册|一览表|汇总表")
_COLUMN_SPLIT_RE = re.compile(r"\t|,|\||\u3000+| {2,}")


def _columns(line: str) -> int:
    if "。" in line:
        return 1                                   # prose, whatever its commas
    fields = [f for f in _COLUMN_SPLIT_RE.split(line.strip()) if f.strip()]
    if len(fields) < 3 or sum(map(len, fields)) > 20 * len(fields):
        return 1
    return len(fields)


def looks_like_list(title: str = "", body: str = "") -> bool:
    """The list heuristic: does this content publish a list of people (名单)?

    True when the title (or file name) contains 名单/公示/名册/花名册/一览表/汇总表, or when the
    body has at least 5 "table lines" — or at least 3 making up half of its non-empty lines.
    A table line splits into 3+ short fields (average ≤ 20 characters) on tabs, ASCII commas,
    ``|``, ideographic spaces or runs of 2+ spaces, and has no 「。」 (prose is not a table,
    however many commas it has).
    """
    if LIST_TITLE_RE.search(title or ""):
        return True
    lines = [line for line in (body or "").splitlines() if line.strip()]
    tabular = sum(1 for line in lines if _columns(line) >= 3)
    return tabular >= 5 or (tabular >= 3 and 2 * tabular >= len(lines))


# ---------------------------------------------------------------------------------------
# Findings from hits


def _today(clock: Clock | None) -> date:
    return local_date((clock or SystemClock()).now())


def _one_line(text: str, limit: int = 40) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit] + "…"


def _message(hit: Hit, masked: str, list_blocking: bool) -> str:
    det = hit.detector
    if det == F.CLASSIFICATION_MARKING:
        if hit.kind == BARE_LEVEL:
            return _("出现密级词语「%(match)s」：须审查人核实内容不涉密并记录决定后方可公开",
                     match=_one_line(masked))
        return _("含密级或内部资料标志「%(match)s」：不得公开，须退回起草人处理", match=_one_line(masked))
    if det == F.SENSITIVE_WORD:
        return _("含敏感词「%(match)s」：请核实是否适宜公开", match=_one_line(masked))
    if det == F.RESIDENT_ID:
        message = _("含居民身份证号码 %(masked)s", masked=masked)
    elif det == F.MOBILE_PHONE:
        message = _("含手机号码 %(masked)s", masked=masked)
    elif det == F.BANK_CARD:
        message = _("含银行卡号 %(masked)s", masked=masked)
    elif det == F.BIRTH_DATE:
        message = _("含出生日期 %(masked)s", masked=masked)
    else:
        message = _("含家庭住址 %(masked)s", masked=_one_line(masked))
    if list_blocking:
        message += _("（公示名单中不得公开此类个人信息）")
    return message


def _severity(detector: str, is_list: bool, opts: ScanOptions) -> F.Severity:
    if detector == F.SENSITIVE_WORD:
        return "warning"
    if detector in F.LIST_SENSITIVE:
        return opts.in_lists if is_list else opts.elsewhere
    return "blocking"             # markings, bare level words, resident IDs


def _line_locator(text: str) -> Callable[[int], tuple[str, int]]:
    """Map an offset in a whole text file to ("第N行", offset in that line)."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def locate(offset: int) -> tuple[str, int]:
        line = bisect_right(starts, offset) - 1
        return f"第{line + 1}行", offset - starts[line]

    return locate


def _findings(text: str, hits: list[Hit], *, location: str, sublocation: str, is_list: bool,
              opts: ScanOptions, by_line: bool = False) -> list[Finding]:
    out = []
    locate = _line_locator(text) if by_line else None
    for hit in hits:
        where, offset = locate(hit.start) if locate else (sublocation, hit.start)
        severity = _severity(hit.detector, is_list, opts)
        masked = masked_match(text, hit)
        acceptable = hit.detector != F.CLASSIFICATION_MARKING or hit.kind == BARE_LEVEL
        out.append(make_finding(
            detector=hit.detector, severity=severity, location=location, sublocation=where,
            offset=offset, length=hit.end - hit.start, excerpt=excerpt(text, hit, hits),
            match_masked=masked,
            message=_message(hit, masked, is_list and severity == "blocking"
                             and hit.detector in F.LIST_SENSITIVE),
            acceptable=acceptable,
        ))
    return out


def _unit_hits(unit: TextUnit, opts: ScanOptions, today: date) -> list[Hit]:
    hits = find_hits(unit.text, opts.engine, today)
    if unit.column is not None and not any(h.detector == unit.column for h in hits):
        extra = column_hit(unit.column, unit.text, today)
        if extra is not None:
            hits.append(extra)
            hits.sort(key=lambda h: h.start)
    return hits


# ---------------------------------------------------------------------------------------
# Public API


def scan_text(text: str, *, location: str, is_list: bool = False, settings: Settings | None = None,
              clock: Clock | None = None) -> list[Finding]:
    """Scan one text (a title, a body …) with every detector.

    ``location`` names the text in the findings ("title", "body"); ``is_list`` selects the
    list severities for phone numbers, bank cards, birth dates and addresses
    (``scan.personal_info_in_lists`` instead of ``scan.personal_info_elsewhere``). ``clock``
    gives "today" for the birth-date checks (system clock by default).
    """
    if not text:
        return []
    opts = options_for(settings)
    hits = find_hits(text, opts.engine, _today(clock))
    if not hits:
        return []
    return _findings(text, hits, location=location, sublocation="", is_list=is_list, opts=opts)


def scan_attachment(filename: str, data: bytes, *, is_list: bool | None = None,
                    settings: Settings | None = None, clock: Clock | None = None) -> list[Finding]:
    """Scan an attachment (.txt, .csv, .docx, .xlsx, .pdf) in this process; never raises on bad input.

    The type comes from the magic bytes first, then the extension. Spreadsheet, CSV and Word
    table cells always count as a list; other text counts as one when ``is_list`` is True,
    or — if ``is_list`` is None — when :func:`looks_like_list` says so for the file name and
    text. A file that is too large, of an unsupported type, corrupt, encrypted, bomb-like or
    over a structural limit yields one blocking ``scan_incomplete`` finding (after any findings
    made before the failure).

    This runs the parsers in the calling process with the structural limits only; the
    application scans through :func:`workflow.scan.worker.scan_bounded`, which adds limits on
    time and memory in a child process.
    """
    return scan_attachment_modes(filename, data, (is_list,), options_for(settings), _today(clock))[0]


def scan_attachment_modes(filename: str, data: bytes, modes: Sequence[bool | None], opts: ScanOptions,
                          today: date) -> list[list[Finding]]:
    """Extract the attachment once, then its findings for each ``is_list`` in ``modes``."""
    return extract_and_scan(filename, data, modes, opts, today)[0]


def extract_units(filename: str, data: bytes, opts: ScanOptions) -> tuple[list[TextUnit], Unreadable | None, bool]:
    """The attachment's text units within the limits (what was read before a failure), the failure if
    any, and whether it is a table file (xlsx/csv). Never raises for a bad file: a failure is returned."""
    units: list[TextUnit] = []
    failure: Unreadable | None = None
    table_kind = False
    try:
        if len(data) > opts.max_bytes:
            raise Unreadable(R_TOO_LARGE, params={"size": len(data), "limit": opts.max_bytes})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kind = sniff_kind(filename, data, opts)
            table_kind = kind in ("xlsx", "csv")
            source: Iterable[TextUnit] = {
                "xlsx": xlsx_units, "csv": csv_units, "docx": docx_units, "pdf": pdf_units,
            }[kind](data, opts) if kind != "txt" else text_units(data)
            chars = 0
            for unit in source:
                chars += len(unit.text)
                if chars > opts.max_text_chars:
                    raise Unreadable(R_TOO_MUCH_TEXT, params={"limit": opts.max_text_chars})
                units.append(unit)
    except Unreadable as exc:
        failure = exc
    except MemoryError:
        units.clear()                    # give the memory back before building findings
        failure = Unreadable(R_MEMORY)
    except Exception as exc:  # noqa: BLE001 - any parser failure means "could not scan", never a pass
        failure = Unreadable(_parser_failure(exc))
    return units, failure, table_kind


def extract_and_scan(filename: str, data: bytes, modes: Sequence[bool | None], opts: ScanOptions,
                     today: date) -> tuple[list[list[Finding]], str]:
    """:func:`scan_attachment_modes` and the text it read (its units joined by line breaks; what was
    read before a failure), for the full-text search: one extraction serves both."""
    units, failure, table_kind = extract_units(filename, data, opts)
    hits = [(unit, _unit_hits(unit, opts, today)) for unit in units]
    auto_list: bool | None = None
    results: list[list[Finding]] = []
    for is_list in modes:
        if table_kind:
            text_is_list = True
        elif is_list is None:
            if auto_list is None:
                auto_list = looks_like_list(filename, "\n".join(u.text for u in units if not u.in_table))
            text_is_list = auto_list
        else:
            text_is_list = is_list
        out: list[Finding] = []
        for unit, unit_hits in hits:
            if unit_hits:
                out.extend(_findings(unit.text, unit_hits, location=filename, sublocation=unit.sublocation,
                                     is_list=unit.in_table or text_is_list, opts=opts, by_line=unit.by_line))
        out = _capped(out, opts.max_findings)
        if failure is not None:
            out.append(incomplete_finding(filename, _(failure.reason, **failure.params),
                                          acceptable=failure.acceptable))
        results.append(out)
    return results, "\n".join(unit.text for unit in units)


def _parser_failure(exc: Exception) -> str:
    """The reason for a parser's exception: memory and parser limits are told apart from corruption."""
    text = str(exc).lower()
    if "memory" in text:
        return R_MEMORY
    if "resource limit" in text or "huge" in text:
        return R_PARSER_LIMIT
    return R_CORRUPT


def _capped(findings: list[Finding], limit: int) -> list[Finding]:
    """At most ``limit`` findings, blocking ones first, in their original order."""
    if len(findings) <= limit:
        return findings
    order = sorted(range(len(findings)), key=lambda i: findings[i].severity != "blocking")[:limit]
    return [findings[i] for i in sorted(order)]


def incomplete_finding(filename: str, reason: str, *, acceptable: bool = False) -> Finding:
    """The blocking 「无法完成自检」 finding of an attachment that could not be scanned in full.

    ``reason`` is already translated (plain Chinese by default). ``acceptable`` is True only
    where a reviewer can check the file by hand (an unsupported type, a scanned PDF); a file
    over a limit, corrupt or encrypted must be replaced.
    """
    return make_finding(
        detector=F.SCAN_INCOMPLETE, severity="blocking", location=filename,
        message=_("无法完成自检：%(reason)s", reason=reason), match_masked="", acceptable=acceptable,
    )


def scan_item(title: str, body: str, attachments: Iterable[tuple[str, bytes]] = (), *,
              is_list: bool | None = None, settings: Settings | None = None,
              clock: Clock | None = None) -> list[Finding]:
    """Scan a disclosure item: its title, body and every attachment.

    ``is_list=None`` applies :func:`looks_like_list` to the title and body. When the item is a
    list, its attachments are too; otherwise each attachment decides for itself.
    """
    title, body = title or "", body or ""
    listed = looks_like_list(title, body) if is_list is None else is_list
    out = scan_text(title, location="title", is_list=listed, settings=settings, clock=clock)
    out += scan_text(body, location="body", is_list=listed, settings=settings, clock=clock)
    for filename, data in attachments:
        out += scan_attachment(filename, data, is_list=True if listed else None, settings=settings,
                               clock=clock)
    return out


def mask_text(text: str, *, settings: Settings | None = None, clock: Clock | None = None,
              remove: bool = False) -> str:
    """The text with every personal-information match masked (length-preserving), or with ``remove``
    (a 名单 or 公示) cut out altogether, as 教财厅函〔2017〕28号 asks.

    Classification markings and sensitive words are left as they are: they need a decision,
    not redaction. ``scan_text(mask_text(t), is_list=True)`` has no personal-information finding.
    """
    if not text:
        return text
    engine, today = options_for(settings).engine, _today(clock)
    return remove_personal_info(text, engine, today) if remove else mask_personal_info(text, engine, today)
