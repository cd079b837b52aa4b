"""The yearly report as a Word document (python-docx), laid out like a Chinese 公文.

Conventions followed (GB/T 9704 where it applies to a report): A4, margins 3.7/3.5/2.8/2.6 cm;
title 二号 方正小标宋简体 centred; level-1 headings 三号 黑体, level-2 三号 楷体_GB2312; body
三号 仿宋_GB2312 with a two-character first-line indent and fixed 28 pt lines; page numbers
四号 “— 1 —” centred in the footer; the issuing institution and the date in Chinese numerals
at the end. East-Asian font names are written into the styles (``w:eastAsia``), theme fonts
are removed so that Word does not substitute Calibri/宋体.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from workflow.clock import SHANGHAI
from workflow.report.model import ReportDocument, StatTable
from workflow.xml_text import xml_safe

# Chinese type sizes (号) in points.
SIZE_ER = 22.0  # 二号
SIZE_SAN = 16.0  # 三号
SIZE_SI = 14.0  # 四号
SIZE_XIAOSI = 12.0  # 小四
SIZE_WU = 10.5  # 五号
BLACK = RGBColor(0, 0, 0)
LINK_BLUE = RGBColor(0x05, 0x63, 0xC1)
APPENDIX_WIDTHS_CM = (1.1, 2.3, 5.6, 2.2, 1.5, 2.9)  # sums to the 15.6 cm text width


@dataclass(frozen=True)
class DocxFonts:
    """Font names; an institution without the GB2312 fonts may pass ``body="仿宋"``."""

    title: str = "方正小标宋简体"
    heading1: str = "黑体"
    heading2: str = "楷体_GB2312"
    body: str = "仿宋_GB2312"
    latin: str = "Times New Roman"


def render_docx(document: ReportDocument, fonts: DocxFonts = DocxFonts()) -> bytes:
    """The report as ``.docx`` bytes."""
    doc = Document()
    _page_setup(doc)
    _styles(doc, fonts)
    _footer_page_number(doc, fonts)
    _properties(doc, document)

    title = _para(doc, document.title, "Title")
    title.paragraph_format.keep_with_next = True
    for block in document.preamble:
        _block(doc, block.kind, block.text)

    for section in document.sections:
        _para(doc, section.heading, "Heading 1")
        for block in section.blocks:
            _block(doc, block.kind, block.text)
        for table in section.tables:
            _stat_table(doc, table)
        for figure in section.figures:
            pic = _para(doc, "", "Figure")
            pic.add_run().add_picture(io.BytesIO(figure.png), width=Cm(14.5))
            _para(doc, figure.caption, "Caption")

    _signature(doc, document)
    _appendix(doc, document)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- page and styles

def _page_setup(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.footer_distance = Cm(2.5)


def set_style_fonts(style: ParagraphStyle, east_asia: str, latin: str, size: float,
                    bold: bool = False) -> None:
    """Give ``style`` an explicit east-Asian and Latin font, size and black colour.

    Theme font attributes (``w:asciiTheme`` …) win over explicit names in Word, so they
    are removed.
    """
    font = style.font
    font.name = latin
    font.size = Pt(size)
    font.bold = bold
    font.italic = False
    font.color.rgb = BLACK
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:cs"), latin)


def _indent_two_chars(style: ParagraphStyle, size: float) -> None:
    fmt = style.paragraph_format
    fmt.first_line_indent = Pt(2 * size)
    # Word measures the indent in characters when firstLineChars is present (200 = 2 chars).
    style.element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200")


def _fixed_lines(style: ParagraphStyle, points: float = 28.0) -> None:
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(points)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def _paragraph_style(doc: DocxDocument, name: str) -> ParagraphStyle:
    try:
        return doc.styles[name]  # type: ignore[return-value]
    except KeyError:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        style.quick_style = True
        return style  # type: ignore[return-value]


def _styles(doc: DocxDocument, fonts: DocxFonts) -> None:
    normal = doc.styles["Normal"]
    set_style_fonts(normal, fonts.body, fonts.latin, SIZE_SAN)
    _fixed_lines(normal)
    _indent_two_chars(normal, SIZE_SAN)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    normal.paragraph_format.widow_control = True
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)

    title = doc.styles["Title"]
    set_style_fonts(title, fonts.title, fonts.latin, SIZE_ER)
    ppr = title.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):  # the default template underlines the title
        ppr.remove(border)
    fmt = title.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt.first_line_indent = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(36)
    fmt.space_before, fmt.space_after = Pt(0), Pt(28)
    title.font.spacing = Pt(0)

    for name, face in (("Heading 1", fonts.heading1), ("Heading 2", fonts.heading2)):
        heading = doc.styles[name]
        set_style_fonts(heading, face, fonts.latin, SIZE_SAN)
        _fixed_lines(heading)
        _indent_two_chars(heading, SIZE_SAN)
        heading.paragraph_format.keep_with_next = True
        heading.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT

    caption = doc.styles["Caption"]
    set_style_fonts(caption, fonts.heading1, fonts.latin, SIZE_XIAOSI)
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.first_line_indent = Pt(0)
    caption.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    caption.paragraph_format.space_before = Pt(4)
    caption.paragraph_format.space_after = Pt(10)

    table_caption = _paragraph_style(doc, "Table Caption")
    set_style_fonts(table_caption, fonts.heading1, fonts.latin, SIZE_XIAOSI)
    table_caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    table_caption.paragraph_format.first_line_indent = Pt(0)
    table_caption.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    table_caption.paragraph_format.space_before = Pt(10)
    table_caption.paragraph_format.space_after = Pt(4)
    table_caption.paragraph_format.keep_with_next = True

    for name, face in (("Table Text", fonts.body), ("Table Header", fonts.heading1)):
        style = _paragraph_style(doc, name)
        set_style_fonts(style, face, fonts.latin, SIZE_WU)
        fmt = style.paragraph_format
        fmt.first_line_indent = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        fmt.space_before = fmt.space_after = Pt(1)
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER if name == "Table Header" else WD_ALIGN_PARAGRAPH.LEFT

    figure = _paragraph_style(doc, "Figure")
    fmt = figure.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt.first_line_indent = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE  # an exact line height would crop the picture
    fmt.space_before = Pt(6)
    fmt.keep_with_next = True

    signature = _paragraph_style(doc, "Signature")
    fmt = signature.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    fmt.first_line_indent = Pt(0)
    fmt.right_indent = Pt(2 * SIZE_SAN)


def _footer_page_number(doc: DocxDocument, fonts: DocxFonts) -> None:
    footer = doc.sections[0].footer
    paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = Pt(0)
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _run(paragraph, "— ", fonts, SIZE_SI)
    add_field(paragraph, "PAGE", fonts, SIZE_SI)
    _run(paragraph, " —", fonts, SIZE_SI)


def _run(paragraph: Paragraph, text: str, fonts: DocxFonts, size: float) -> Run:
    run = paragraph.add_run(xml_safe(text))
    run.font.size = Pt(size)
    run.font.name = fonts.latin
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    return run


def add_field(paragraph: Paragraph, instruction: str, fonts: DocxFonts, size: float) -> None:
    """Append a complex field (``PAGE``, ``NUMPAGES`` …) that Word updates when it lays out."""
    def char(kind: str) -> None:
        run = _run(paragraph, "", fonts, size)
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._element.append(element)

    char("begin")
    instr_run = _run(paragraph, "", fonts, size)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    instr_run._element.append(instr)
    char("separate")
    _run(paragraph, "1", fonts, size)  # placeholder shown until fields are updated
    char("end")


def _properties(doc: DocxDocument, document: ReportDocument) -> None:
    props = doc.core_properties
    props.title = xml_safe(document.title)
    props.subject = "信息公开年度报告"
    props.author = xml_safe(document.institution)
    props.last_modified_by = xml_safe(document.institution)
    props.language = "zh-CN"
    props.keywords = "信息公开; 年度报告"
    props.comments = "Gongkai"
    props.revision = 1
    # Derived from the report, not the wall clock: the same data gives the same file.
    issued = datetime.combine(document.data.signature_date(), time(9, 0), tzinfo=SHANGHAI)
    props.created = issued
    props.modified = issued


# ---------------------------------------------------------------- content

def _para(doc: DocxDocument, text: str, style: str | None = None) -> Paragraph:
    """A paragraph with ``style`` (a style name).

    The style id is written directly: python-docx's lookup by name scans every style on each
    call, which made the 50-row appendix take seconds.
    """
    paragraph = doc.add_paragraph(xml_safe(text))
    if style is not None:
        _set_style(paragraph, style)
    return paragraph


def _set_style(paragraph: Paragraph, style: str) -> None:
    # Ids are the names without spaces for the styles used here ("Heading 1" → Heading1).
    paragraph._p.get_or_add_pPr().style = style.replace(" ", "")


def _block(doc: DocxDocument, kind: str, text: str) -> None:
    _para(doc, text, "Heading 2" if kind == "subheading" else None)


def _repeat_on_every_page(row: _Row) -> None:
    repeat = OxmlElement("w:tblHeader")  # a heading row repeats on every page of a long table
    repeat.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(repeat)


def _header_row(table: Table, columns: tuple[str, ...]) -> None:
    row = table.rows[0]
    _repeat_on_every_page(row)
    for cell, text in zip(row.cells, columns):
        _header_cell(cell, text)


def _header_cell(cell: _Cell, text: str) -> None:
    paragraph = cell.paragraphs[0]
    _set_style(paragraph, "Table Header")
    paragraph.add_run(xml_safe(text))
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), "E7E6E6")
    cell._tc.get_or_add_tcPr().append(shading)


def _new_table(doc: DocxDocument, columns: tuple[str, ...]) -> Table:
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _header_row(table, columns)
    return table


def _cell(cell: _Cell, text: str, align_right: bool = False) -> Paragraph:
    paragraph = cell.paragraphs[0]
    _set_style(paragraph, "Table Text")
    if text:
        paragraph.add_run(xml_safe(text))
    if align_right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return paragraph


def _stat_table(doc: DocxDocument, stat: StatTable) -> None:
    _para(doc, stat.caption, "Table Caption")
    if stat.header_rows:
        table = _grouped_table(doc, stat)
    else:
        table = _new_table(doc, stat.columns)
    for row in stat.rows:
        cells = table.add_row().cells
        for i, (cell, text) in enumerate(zip(cells, row)):
            _cell(cell, text, align_right=i > 0 or not stat.label_column)
    n = len(stat.columns)
    if stat.label_column:
        label = 10.0 if n <= 4 else 5.2  # a wide table (table 3) leaves the numbers room for their headings
        widths = (Cm(label),) + (Cm((15.6 - label) / max(n - 1, 1)),) * (n - 1)
    else:
        widths = (Cm(15.6 / n),) * n
    _column_widths(table, widths)


def _grouped_table(doc: DocxDocument, stat: StatTable) -> Table:
    """A table whose heading rows have spanning cells (tables 3 and 4): cells are merged over their spans."""
    heading = stat.header_rows
    table = doc.add_table(rows=len(heading), cols=len(stat.columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    taken: set[tuple[int, int]] = set()  # grid positions covered by a span from an earlier row
    for r, cells in enumerate(heading):
        _repeat_on_every_page(table.rows[r])
        c = 0
        for header in cells:
            while (r, c) in taken:
                c += 1
            first = table.cell(r, c)
            last = table.cell(r + header.rowspan - 1, c + header.colspan - 1)
            merged = first.merge(last) if (header.rowspan, header.colspan) != (1, 1) else first
            taken.update((r + dr, c + dc) for dr in range(header.rowspan) for dc in range(header.colspan))
            _header_cell(merged, header.text)
            c += header.colspan
    return table


def _column_widths(table: Table, widths: Sequence[Length]) -> None:
    table.autofit = False  # fixed layout: Word and LibreOffice then use the grid below
    for column, width in zip(table.columns, widths):
        column.width = width  # w:gridCol
    for row in table.rows:  # w:tcW, which Word prefers while editing
        for cell, width in zip(row.cells, widths):
            cell.width = width


def add_hyperlink(paragraph: Paragraph, url: str, text: str, size: float = 9.0) -> None:
    """Append an external hyperlink (python-docx has no public API for it)."""
    r_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    color = OxmlElement("w:color")
    color.set(qn("w:val"), str(LINK_BLUE))
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), str(int(size * 2)))
    rpr.extend([color, sz, underline])
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = xml_safe(text)
    run.extend([rpr, t])
    link.append(run)
    paragraph._p.append(link)


def _signature(doc: DocxDocument, document: ReportDocument) -> None:
    _para(doc, "")
    _para(doc, document.signature_name, "Signature")
    _para(doc, document.signature_date, "Signature")


def _appendix(doc: DocxDocument, document: ReportDocument) -> None:
    heading = _para(doc, document.appendix_title, "Heading 1")
    heading.paragraph_format.page_break_before = True
    heading.paragraph_format.first_line_indent = Pt(0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    note = _para(doc, f"统计期限：{document.period_text}", "Table Caption")
    note.alignment = WD_ALIGN_PARAGRAPH.CENTER
    table = _new_table(doc, document.appendix_columns)
    for row in document.appendix_rows:
        cells = table.add_row().cells
        _cell(cells[0], str(row.number)).alignment = WD_ALIGN_PARAGRAPH.CENTER
        _cell(cells[1], row.category)
        _cell(cells[2], row.title)
        _cell(cells[3], row.department)
        if row.not_applicable:  # 「不适用」 with the reason instead of a count and links
            _cell(cells[4], row.not_applicable).alignment = WD_ALIGN_PARAGRAPH.CENTER
            _cell(cells[5], row.reason)
            continue
        _cell(cells[4], str(row.published), align_right=True)
        links = _cell(cells[5], "" if row.links else "—")
        for i, url in enumerate(row.links):
            if i:
                links.add_run().add_break()
            add_hyperlink(links, url, url)
    _column_widths(table, tuple(Cm(w) for w in APPENDIX_WIDTHS_CM))
