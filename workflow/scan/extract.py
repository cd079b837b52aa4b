"""Attachment text extraction: bytes → :class:`TextUnit` s (a paragraph, a cell, a page …).

Every failure to read a file raises :class:`Unreadable` (or any exception, which the caller
turns into the same blocking finding): a file the scanner cannot read is never a silent pass.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any, Iterable, Iterator, Sequence

from workflow.scan.result import BANK_CARD, BIRTH_DATE, HOME_ADDRESS, RESIDENT_ID
from workflow.scan.options import ScanOptions

# ---------------------------------------------------------------------------------------
# Results and errors


@dataclass(frozen=True)
class TextUnit:
    """One piece of text of an attachment, scanned on its own."""

    sublocation: str                 # "第3段", "Sheet1!C5", "第2页", "第7行" …
    text: str
    in_table: bool = False           # a table/spreadsheet cell: always treated as a list
    column: str | None = None        # detector implied by the column header (出生日期, 身份证号 …)
    by_line: bool = False            # a whole text file: findings are located as "第N行"


class Unreadable(Exception):
    """The attachment cannot be scanned; ``reason`` is a Chinese msgid filled with ``params``."""

    def __init__(self, reason: str, *, acceptable: bool = False, params: dict[str, Any] | None = None):
        super().__init__(reason % params if params else reason)
        self.reason = reason
        # True when a reviewer may clear it after checking the file by hand (an unsupported
        # type, a scanned PDF); False when the file must be replaced (corrupt, encrypted …).
        self.acceptable = acceptable
        self.params = params or {}


def N_(message: str) -> str:
    """Mark a message id for extraction (babel's default ``N_`` keyword); translated later."""
    return message


# Message ids (translated when the finding is built).
R_TOO_LARGE = N_("附件大小 %(size)s 字节，超过上限 %(limit)s 字节")
R_UNSUPPORTED = N_("不支持的文件类型「%(ext)s」，请人工核查或转换为 %(types)s")
R_LEGACY_OFFICE = N_("旧版 Office 格式（.doc/.xls）或加密的 Office 文档，请另存为 .docx/.xlsx 并去除密码")
R_MISMATCH = N_("文件内容与扩展名「%(ext)s」不符，或文件已损坏")
R_CORRUPT = N_("文件已损坏或格式无法解析")
R_ZIP_ENTRIES = N_("压缩包内文件数 %(count)s 超过上限 %(limit)s（疑似压缩炸弹）")
R_PART_TOO_LARGE = N_("文件内部件「%(part)s」解压后 %(size)s 字节，超过上限 %(limit)s 字节")
R_RATIO = N_("文件内部件「%(part)s」压缩比 %(ratio)s 倍，超过上限 %(limit)s 倍（疑似压缩炸弹）")
R_TOTAL_TOO_LARGE = N_("文件解压后共 %(size)s 字节，超过上限 %(limit)s 字节（疑似压缩炸弹）")
R_TOO_MUCH_TEXT = N_("提取的文字超过上限 %(limit)s 个字符")
R_MEMORY = N_("处理时内存超过上限")
R_PARSER_LIMIT = N_("文件内容超出解析器的限制（如单段文字过长）")
R_ENCRYPTED = N_("PDF 已加密，无法读取文字，请提供未加密的版本")
R_TOO_MANY_PAGES = N_("PDF 页数 %(pages)s 超过上限 %(limit)s")
R_NO_TEXT = N_("PDF 中没有可提取的文字（可能是扫描图片），须人工核查")
R_TOO_MANY_CELLS = N_("表格单元格超过上限 %(limit)s 个")
R_NOT_TEXT = N_("不是文本文件（含二进制内容）")
R_ENCODING = N_("无法识别文字编码（支持 UTF-8、GB18030）")

# ---------------------------------------------------------------------------------------
# Type detection

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def extension(filename: str) -> str:
    """Lower-case extension without the dot ('' if none)."""
    return PurePath(filename).suffix.lower().lstrip(".")


def sniff_kind(filename: str, data: bytes, opts: ScanOptions) -> str:
    """'txt', 'csv', 'docx', 'xlsx' or 'pdf' from magic bytes first, then the extension.

    Raises :class:`Unreadable` for unsupported, legacy, mismatched or corrupt containers.
    """
    ext = extension(filename)
    kind: str | None = None
    if b"%PDF-" in data[:1024]:
        kind = "pdf"
    elif data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        names = _zip_names(data, opts)
        if "word/document.xml" in names:
            kind = "docx"
        elif "xl/workbook.xml" in names:
            kind = "xlsx"
        elif ext in ("docx", "xlsx"):
            raise Unreadable(R_MISMATCH, params={"ext": ext})
    elif data[:8] == _OLE_MAGIC:
        raise Unreadable(R_LEGACY_OFFICE)
    elif ext in ("txt", "csv"):
        kind = ext
    elif ext in ("docx", "xlsx", "pdf"):
        raise Unreadable(R_MISMATCH, params={"ext": ext})
    if kind is None or kind not in opts.types:
        raise Unreadable(R_UNSUPPORTED, acceptable=True,
                         params={"ext": ext or filename, "types": "、".join(sorted(opts.types))})
    return kind


def _zip_names(data: bytes, opts: ScanOptions) -> set[str]:
    """Member names of a zip container, refusing anything bomb-like."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise Unreadable(R_CORRUPT) from exc
    check_zip_structure(infos, opts)
    return {info.filename for info in infos}


_RATIO_FLOOR = 1024 * 1024   # small parts may compress very well (empty styles …)


def check_zip_structure(infos: Sequence[zipfile.ZipInfo], opts: ScanOptions) -> None:
    """Refuse a .docx/.xlsx container from its central directory alone, before inflating.

    Declared sizes bound what ``zipfile`` will inflate (it stops at ``file_size`` and checks
    the CRC), so checking them is enough: entry count, each part's size and compression ratio,
    and the total (entries sharing their data — overlapping-file bombs — count every time).
    """
    if len(infos) > opts.max_zip_entries:
        raise Unreadable(R_ZIP_ENTRIES, params={"count": len(infos), "limit": opts.max_zip_entries})
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > opts.max_part_bytes:
            raise Unreadable(R_PART_TOO_LARGE, params={"part": info.filename[:80], "size": info.file_size,
                                                       "limit": opts.max_part_bytes})
        ratio = info.file_size // max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > opts.max_ratio:
            raise Unreadable(R_RATIO, params={"part": info.filename[:80], "ratio": ratio, "limit": opts.max_ratio})
    if total > opts.max_uncompressed_bytes:
        raise Unreadable(R_TOTAL_TOO_LARGE, params={"size": total, "limit": opts.max_uncompressed_bytes})


# ---------------------------------------------------------------------------------------
# Plain text


def decode_text(data: bytes) -> str:
    """Decode a text file: BOMs, then UTF-8, UTF-8 with BOM, GB18030."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise Unreadable(R_ENCODING) from exc
    if b"\x00" in data:
        raise Unreadable(R_NOT_TEXT)
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text.removeprefix("\ufeff")
    raise Unreadable(R_ENCODING)


def text_units(data: bytes) -> list[TextUnit]:
    """A .txt file as one unit, scanned in one pass; findings name their line ("第7行")."""
    return [TextUnit("", decode_text(data), by_line=True)]


def csv_units(data: bytes, opts: ScanOptions) -> Iterator[TextUnit]:
    """A .csv file as a table: cells named like spreadsheet cells ("C5")."""
    text = decode_text(data)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows = ((no, row) for no, row in enumerate(reader, 1))
    yield from table_units(rows, "", opts)


# ---------------------------------------------------------------------------------------
# Tables (spreadsheets, CSV, Word tables)

_HEADERS: dict[str, tuple[str, ...]] = {
    RESIDENT_ID: ("身份证号", "身份证号码", "身份证", "公民身份号码", "身份证件号码", "证件号码"),
    BANK_CARD: ("银行卡号", "银行卡", "卡号", "银行账号", "银行卡账号"),
    BIRTH_DATE: ("出生日期", "出生年月", "出生年月日", "生日", "出生时间"),
    HOME_ADDRESS: ("家庭住址", "家庭地址", "家庭详细住址", "家庭详细地址", "住址", "家庭住所",
                   "居住地址", "现住址", "户籍地址"),
}
_HEADER_NOISE_RE = re.compile(r"[（(][^）)]*[）)]|[\s:：*＊]")


def header_columns(cells: Sequence[tuple[int, str]]) -> dict[int, str]:
    """Columns named 出生日期/家庭住址/身份证号/银行卡号 … in a header row (empty if none).

    A header cell must *be* the label (remarks in brackets allowed: 「出生日期（年月日）」),
    so a data cell like 「住址不详」 does not turn its row into a header.
    """
    columns: dict[int, str] = {}
    for col, text in cells:
        norm = _HEADER_NOISE_RE.sub("", text)
        for detector, labels in _HEADERS.items():
            if norm in labels:
                columns[col] = detector
    return columns


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_text(value: object) -> str:
    """A cell value as the text a reader would see."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e20:
        return str(int(value))          # 3.50102200305061E+17 is shown as digits, and scanned so
    return str(value)


def table_units(rows: Iterable[tuple[int, Sequence[object]]], prefix: str,
                opts: ScanOptions) -> Iterator[TextUnit]:
    """Cells of a table; a header row (出生日期, 家庭住址 …) tags the cells below it."""
    columns: dict[int, str] = {}
    visited = 0
    for row_no, values in rows:
        visited += len(values) + 1
        if visited > opts.max_cells:
            raise Unreadable(R_TOO_MANY_CELLS, params={"limit": opts.max_cells})
        cells = [(col, cell_text(v)) for col, v in enumerate(values) if v is not None]
        cells = [(col, text) for col, text in cells if text.strip()]
        if not cells:
            continue
        header = header_columns(cells)
        if header:
            columns = header
        for col, text in cells:
            yield TextUnit(f"{prefix}{column_letter(col + 1)}{row_no}", text, in_table=True,
                           column=None if header else columns.get(col))


# ---------------------------------------------------------------------------------------
# Spreadsheets


def xlsx_units(data: bytes, opts: ScanOptions) -> Iterator[TextUnit]:
    """Every cell of every sheet (hidden ones included), named "Sheet1!C5"."""
    import openpyxl

    check_xlsx_dimensions(data, opts)
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            # The read-only reader trusts <dimension> and silently skips every cell outside
            # it: a sheet declaring "A1" would hide the rest of its data from the scanner.
            sheet.reset_dimensions()
            rows = enumerate(sheet.iter_rows(min_row=1, min_col=1, values_only=True), 1)
            yield from table_units(rows, f"{sheet.title}!", opts)
    finally:
        workbook.close()


_DIMENSION_RE = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?\"")


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def check_xlsx_dimensions(data: bytes, opts: ScanOptions) -> None:
    """Refuse a workbook whose sheets declare more cells than ``max_cells`` in all.

    Reads only the first 64 KiB of each sheet (where ``<dimension>`` is); a sheet that lies
    about its size is still stopped by the running count in :func:`table_units`.
    """
    declared = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            with zf.open(info) as part:
                head = part.read(65536)
            m = _DIMENSION_RE.search(head)
            if m is None or m.group(3) is None:
                continue
            rows = int(m.group(4)) - int(m.group(2)) + 1
            cols = _column_number(m.group(3)) - _column_number(m.group(1)) + 1
            declared += max(rows, 0) * max(cols, 0)
            if declared > opts.max_cells:
                raise Unreadable(R_TOO_MANY_CELLS, params={"limit": opts.max_cells})


# ---------------------------------------------------------------------------------------
# Word documents


def docx_units(data: bytes, opts: ScanOptions) -> list[TextUnit]:
    """Paragraphs ("第3段"), table cells ("表1!B3"), headers/footers, text boxes, notes."""
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    units: list[TextUnit] = []
    counters = {"para": 0, "table": 0}

    def add_table(table: Table, prefix: str) -> None:
        counters["table"] += 1
        name = f"{prefix}表{counters['table']}!"
        # The set holds the lxml elements themselves (not their ids): keeping the proxies
        # alive keeps their identity stable.
        seen: set[Any] = set()
        nested: list[Table] = []
        rows: list[tuple[int, list[object]]] = []
        for row_no, row in enumerate(table.rows, 1):
            values: list[object] = []
            for cell in row.cells:
                if cell._tc in seen:                # a merged cell repeats: scan it once
                    values.append(None)
                    continue
                seen.add(cell._tc)
                values.append(cell.text)
                nested.extend(cell.tables)
            rows.append((row_no, values))
        units.extend(table_units(rows, name, opts))
        for inner in nested:
            add_table(inner, prefix)

    def walk(container: Any, parent: Any) -> None:
        for child in container.iterchildren():
            if child.tag == qn("w:p"):
                counters["para"] += 1
                text = Paragraph(child, parent).text
                if text.strip():
                    units.append(TextUnit(f"第{counters['para']}段", text))
            elif child.tag == qn("w:tbl"):
                add_table(Table(child, parent), "")
            elif child.tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    walk(content, parent)

    walk(document.element.body, document._body)

    sections = list(document.sections)
    for number, section in enumerate(sections, 1):
        where = "" if len(sections) == 1 else f"第{number}节"
        for attr, label in (("header", "页眉"), ("first_page_header", "首页页眉"),
                            ("even_page_header", "偶数页页眉"), ("footer", "页脚"),
                            ("first_page_footer", "首页页脚"), ("even_page_footer", "偶数页页脚")):
            part = getattr(section, attr)
            if part.is_linked_to_previous:
                continue
            for index, paragraph in enumerate(part.paragraphs, 1):
                if paragraph.text.strip():
                    units.append(TextUnit(f"{where}{label}第{index}段", paragraph.text))
            for table in part.tables:
                add_table(table, f"{where}{label}")

    units.extend(_docx_extra_units(document, qn))
    return units


_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_NOTE_PARTS = {"/word/footnotes.xml": "脚注", "/word/endnotes.xml": "尾注", "/word/comments.xml": "批注"}


def _docx_extra_units(document: Any, qn: Any) -> list[TextUnit]:
    """Text boxes (not in python-docx's paragraphs) and foot/end notes and comments."""
    from lxml import etree

    units: list[TextUnit] = []
    boxes = 0
    for box in document.element.body.iter(qn("w:txbxContent")):
        if any(True for _ in box.iterancestors(_MC_FALLBACK)):
            continue                                 # the VML copy of a DrawingML text box
        boxes += 1
        text = _paragraphs_text(box, qn)
        if text.strip():
            units.append(TextUnit(f"文本框{boxes}", text))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    for part in document.part.package.parts:
        label = _NOTE_PARTS.get(str(part.partname))
        if label is None:
            continue
        root = etree.fromstring(part.blob, parser)
        text = _paragraphs_text(root, qn)
        if text.strip():
            units.append(TextUnit(label, text))
    return units


def _paragraphs_text(element: Any, qn: Any) -> str:
    lines = []
    for paragraph in element.iter(qn("w:p")):
        lines.append("".join(t.text or "" for t in paragraph.iter(qn("w:t"))))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# PDF


def pdf_units(data: bytes, opts: ScanOptions) -> list[TextUnit]:
    """One unit per page ("第2页"); an image-only PDF is itself unreadable."""
    from pypdf import PasswordType, PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        try:
            decrypted = reader.decrypt("")
        except Exception as exc:  # noqa: BLE001 - missing crypto backend, broken dictionary …
            raise Unreadable(R_ENCRYPTED) from exc
        if decrypted == PasswordType.NOT_DECRYPTED:
            raise Unreadable(R_ENCRYPTED)
    pages = len(reader.pages)
    if pages > opts.max_pages:
        raise Unreadable(R_TOO_MANY_PAGES, params={"pages": pages, "limit": opts.max_pages})
    units = []
    for number, page in enumerate(reader.pages, 1):
        text = page.extract_text() or ""
        if text.strip():
            units.append(TextUnit(f"第{number}页", text))
    if pages and not units:
        raise Unreadable(R_NO_TEXT, acceptable=True)
    if not pages:
        raise Unreadable(R_CORRUPT)
    return units
