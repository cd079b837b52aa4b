"""The read-only preview of an attachment for the people who review it: spreadsheets and CSV as tables,
Word documents as paragraphs and tables, PDF as the text of each page, text files by line — with the
places the scan flagged highlighted.

The file is read by the scanner's own parsers under the scanner's limits, in the bounded child
process (``workflow.scan.worker.extract_bounded``): previewing a crafted file costs no more than
scanning it. What is shown is capped again for the page (rows, columns, characters).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from workflow.scan.extract import TextUnit

MAX_ROWS = 500                 # rows of one table shown
MAX_COLUMNS = 40               # columns of one table shown
MAX_BLOCKS = 2000              # paragraphs, pages or lines shown
MAX_CHARS = 200_000            # characters shown in all

# "Sheet1!C5", "表1!B3", "页眉表2!A1", "C5" (CSV)
_CELL_RE = re.compile(r"^(?:(?P<table>.*)!)?(?P<column>[A-Z]{1,3})(?P<row>\d+)$")


@dataclass
class PreviewTable:
    """One sheet or table: its name, and its rows as ``(row number, [cell text or None …])``."""

    name: str
    rows: dict[int, dict[int, str]] = field(default_factory=dict)
    flagged: set[tuple[int, int]] = field(default_factory=set)
    columns: int = 0
    truncated: bool = False

    def grid(self) -> list[tuple[int, list[tuple[str, bool]]]]:
        """Rows in order, each cell as ``(text, flagged)`` — empty cells as ``("", False)``."""
        return [(row, [(cells.get(col, ""), (row, col) in self.flagged) for col in range(1, self.columns + 1)])
                for row, cells in sorted(self.rows.items())]

    @property
    def column_letters(self) -> list[str]:
        return [_letters(col) for col in range(1, self.columns + 1)]


@dataclass(frozen=True)
class PreviewBlock:
    """A paragraph, a page or a line: where it is (第3段, 第2页, 第7行), its text, whether it is flagged."""

    label: str
    text: str
    flagged: bool


@dataclass
class Preview:
    """What the preview page shows of one attachment."""

    tables: list[PreviewTable] = field(default_factory=list)
    blocks: list[PreviewBlock] = field(default_factory=list)
    truncated: bool = False
    problem: str = ""                # why the file could not be read (fully), in the reader's words


def build_preview(units: list[TextUnit], flagged: set[str], problem: str = "") -> Preview:
    """Arrange the extracted units for the page; ``flagged`` holds the sublocations of the scan's findings
    (a cell "Sheet1!C5", a paragraph "第3段", a page "第2页", a line "第7行")."""
    preview = Preview(problem=problem)
    tables: dict[str, PreviewTable] = {}
    chars = 0
    for unit in units:
        if chars > MAX_CHARS:
            preview.truncated = True
            break
        chars += len(unit.text)
        cell = _CELL_RE.match(unit.sublocation) if unit.in_table else None
        if cell is not None:
            _add_cell(tables, cell, unit, unit.sublocation in flagged)
        elif unit.by_line:
            _add_lines(preview, unit.text, flagged)
        else:
            _add_block(preview, PreviewBlock(unit.sublocation, unit.text, unit.sublocation in flagged))
    preview.tables = list(tables.values())
    preview.truncated = preview.truncated or any(table.truncated for table in preview.tables)
    return preview


def _add_cell(tables: dict[str, PreviewTable], cell: re.Match[str], unit: TextUnit, flagged: bool) -> None:
    name = cell.group("table") or ""
    table = tables.setdefault(name, PreviewTable(name))
    row, column = int(cell.group("row")), _number(cell.group("column"))
    if column > MAX_COLUMNS or (row not in table.rows and len(table.rows) >= MAX_ROWS):
        table.truncated = True
        return
    table.rows.setdefault(row, {})[column] = unit.text
    table.columns = max(table.columns, column)
    if flagged:
        table.flagged.add((row, column))


def _add_lines(preview: Preview, text: str, flagged: set[str]) -> None:
    for number, line in enumerate(text.splitlines(), 1):
        label = f"第{number}行"
        _add_block(preview, PreviewBlock(label, line, label in flagged))


def _add_block(preview: Preview, block: PreviewBlock) -> None:
    if len(preview.blocks) >= MAX_BLOCKS:
        preview.truncated = True
        return
    preview.blocks.append(block)


def _number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
