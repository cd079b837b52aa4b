"""Hostile attachments, generated: huge headers, a zip-bomb-like workbook, a 2,000-page PDF."""
from __future__ import annotations

import io
import re
import zipfile

from .gen import docx_bytes, pdf_bytes, xlsx_bytes


def rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    """The zip ``data`` with some members' contents replaced (compressed as Office does)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
    return out.getvalue()


def docx_with_huge_headers(mb: int = 8) -> bytes:
    """A small .docx whose two headers hold ``mb`` MB of text each, in ordinary short paragraphs."""
    import docx
    document = docx.Document()
    document.add_paragraph("正文只有一段。")
    section = document.sections[0]
    section.different_first_page_header_footer = True
    for header in (section.header, section.first_page_header):
        header.is_linked_to_previous = False
        header.paragraphs[0].text = "HEADER"
    out = io.BytesIO()
    document.save(out)
    data = out.getvalue()
    replace = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if re.fullmatch(r"word/header\d+\.xml", name):
                xml = zf.read(name).decode("utf-8")
                paragraph = re.search(r"<w:p[ >].*?</w:p>", xml, re.S).group(0)
                many = paragraph.replace("HEADER", "页眉" * 40) * (mb * 1024 * 1024 // (len(paragraph) + 200))
                replace[name] = xml.replace(paragraph, many).encode("utf-8")
    return rezip(data, replace)


def xlsx_bomb(rows: int = 55_000) -> bytes:
    """A workbook whose one sheet inflates a few KB into ``rows`` identical rows (9 MB of XML).

    Rows and cells carry no ``r`` coordinates (they are optional), so the XML is one repeated
    string; the ``<dimension>`` claims a single cell.
    """
    data = xlsx_bytes({"Sheet1": [["a", "b", "c"]]})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode("utf-8")
    row = ('<row><c t="inlineStr"><is><t>甲</t></is></c><c t="inlineStr"><is><t>乙</t></is></c>'
           '<c t="inlineStr"><is><t>丙</t></is></c><c t="inlineStr"><is><t>丁</t></is></c></row>')
    body = row * rows
    sheet = re.sub(r"<sheetData>.*</sheetData>|<sheetData/>", f"<sheetData>{body}</sheetData>", sheet, flags=re.S)
    sheet = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1"/>', sheet)   # it lies about its size
    return rezip(data, {"xl/worksheets/sheet1.xml": sheet.encode("utf-8")})


def many_page_pdf(pages: int = 2000) -> bytes:
    """A small PDF made with pypdf: one text page repeated ``pages`` times (shared content)."""
    from pypdf import PdfReader, PdfWriter
    page = PdfReader(io.BytesIO(pdf_bytes([["Annual report, nothing to see"] * 40]))).pages[0]
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated_docx() -> bytes:
    """A real .docx cut in the middle of its zip directory."""
    data = docx_bytes(["联系人手机：13812345678"] * 50)
    return data[: len(data) * 2 // 3]
