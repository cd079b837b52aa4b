"""The 审查审批表 as an HTML page (print CSS, A4) and as a PDF (WeasyPrint), with its QR code (segno).

One template for both (``templates/record.html``), so the page printed from the browser and the PDF
show the same table. Autoescaping is on: titles, opinions and particulars are text typed by people.
The PDF embeds Noto Serif CJK (Debian's fonts-noto-cjk); when no CJK font went into the file the
PDF is refused (``RendererUnavailable``, 503) rather than handed out with boxes for every character.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from workflow.checklist import QUESTIONS
from workflow.errors import DomainError
from workflow.i18n import get_locale
from workflow.i18n import gettext as _
from workflow.i18n import ngettext
from workflow.records import wording
from workflow.records.model import PASS_REVIEW, Record

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
# What an embedded CJK font's PostScript name contains (NotoSerifCJKsc-Regular, NotoSansCJKsc-Bold …).
CJK_FONT_MARK = "CJK"
FONT_PACKAGE = "fonts-noto-cjk"
PANGO_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0"


class RendererUnavailable(DomainError):
    """The PDF cannot be made on this machine (a library or the Chinese fonts are missing): 503."""

    status, code = 503, "pdf_unavailable"


@dataclass(frozen=True)
class Toolbar:
    """The print view's buttons (not printed): the PDF, back to the item, and the script of 打印."""

    pdf_url: str
    back_url: str
    script_url: str


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(_, ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as an SVG ``data:`` URI (crisp at any zoom, for the page)."""
    import segno
    return segno.make(url, error="m").svg_data_uri(scale=4, border=4)


def qr_png(url: str) -> str:
    """The QR code of ``url`` as a PNG ``data:`` URI (for the PDF: an image scanners and tools read back)."""
    import segno
    return segno.make(url, error="m").png_data_uri(scale=8, border=4)


def _rows(record: Record) -> list[dict[str, Any]]:
    rows = []
    for entry in record.entries:
        answers = None
        if entry.kind == PASS_REVIEW:
            given = entry.answers or {}
            particulars = entry.justifications or {}
            answers = [{"number": n, "question": _(question.label), "source": _(question.source),
                        "answer": wording.answer(given.get(question.key)), "yes": given.get(question.key) is True,
                        "particulars": wording.particulars(question.key, particulars.get(question.key),
                                                           record.attachments)}
                       for n, question in enumerate(QUESTIONS, 1)]
        rows.append({"stage": wording.stage(entry.kind, entry.step), "decision": wording.decision(entry.kind),
                     "opinion": entry.opinion, "username": entry.person.username,
                     # 委托: the delegate acted for the decider of record — "乙 代 甲"
                     "person": _("%(delegate)s 代 %(person)s", delegate=entry.acted_by.name, person=entry.person.name)
                     if entry.acted_by is not None else entry.person.name,
                     "at": wording.moment(entry.at), "answers": answers, "legal_basis": entry.legal_basis})
    return rows


def render_html(record: Record, *, verify_url: str, qr: str, institution: str, generated_at: datetime,
                toolbar: Toolbar | None = None) -> str:
    """The whole page: the form, the rows, the QR code with its link and the record's digest."""
    entry = " / ".join(part for part in (record.category_title, record.entry_title) if part)
    if record.catalog_code:
        entry = _("%(entry)s（%(code)s）", entry=entry, code=record.catalog_code) if entry else record.catalog_code
    return _environment().get_template("record.html").render(
        r=record, rows=_rows(record), lang="en" if get_locale() == "en" else "zh-CN",
        number=f"GK-{record.item_id}-{record.revision}", institution=institution,
        department=record.department_name or record.department, catalog=entry or "—",
        formed_on=wording.day(record.formed_on), channels=wording.channel_list(record.channels),
        verify_url=verify_url, qr=qr, digest=record.digest, generated=wording.moment(generated_at),
        seq=record.position.seq if record.position else None, toolbar=toolbar)


def render_pdf(html: str) -> bytes:
    """The PDF of ``html`` (WeasyPrint), its fonts embedded; RendererUnavailable without Pango or CJK fonts."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:  # OSError: WeasyPrint found no Pango library to load
        raise RendererUnavailable("无法生成 PDF：缺少排版库（Debian 软件包 %(packages)s）：%(error)s",
                                  packages=PANGO_PACKAGES, error=str(error)[:200]) from error
    pdf = HTML(string=html, base_url=str(TEMPLATE_DIR)).write_pdf()
    assert pdf is not None  # no target given: the bytes
    if not any(CJK_FONT_MARK in name for name in embedded_fonts(pdf)):
        raise RendererUnavailable("无法生成 PDF：未找到中文字体 Noto Serif CJK / Noto Sans CJK，请安装 Debian 软件包 "
                                  "%(package)s（apt-get install %(package)s）", package=FONT_PACKAGE)
    return pdf


def embedded_fonts(pdf: bytes) -> set[str]:
    """The names of the fonts ``pdf`` embeds (``/BaseFont``, subset prefix included)."""
    from pypdf import PdfReader
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for font in fonts.values():
            names.add(str(font.get_object().get("/BaseFont", "")))
    return names
