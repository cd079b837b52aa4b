"""The DOCX report read back with python-docx: what a reader of the Word file sees."""
from __future__ import annotations

import io

import pytest
from docx import Document
from docx.oxml.ns import qn

from tests.workflow.report.sample import reference_report
from workflow.report import build_document, render
from workflow.report.render_docx import DocxFonts, render_docx


@pytest.fixture(scope="module")
def docx():
    data = reference_report()
    data.catalog_coverage[1].links = ["javascript:alert(1)"]  # a hostile stored link
    return Document(io.BytesIO(render(data, "docx")))


def _texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def test_title_and_six_numbered_headings(docx):
    assert docx.paragraphs[0].text == "漳州理工职业学院信息公开年度报告（2022-2023学年）"
    assert docx.paragraphs[0].style.name == "Title"
    headings = [p.text for p in docx.paragraphs if p.style.name == "Heading 1"]
    for number in ("一、", "二、", "三、", "四、", "五、", "六、", "七、"):
        assert any(h.startswith(number) for h in headings), number
    assert headings[-1].startswith("附表")


def test_reference_sentences(docx):
    body = "\n".join(_texts(docx))
    assert "全校新增的主动公开信息共732条，其中通过网络方式公开的信息数达451条" in body
    assert "本学年未收到需受理或答复的师生和公众信息公开的申请，信息公开工作未发生收费情况。" in body
    assert "本学年学校无因信息公开工作而被申请行政复议、行政诉讼或举报情况。" in body
    assert "（一）健全信息公开组织" in [p.text for p in docx.paragraphs if p.style.name == "Heading 2"]


def test_appendix_table_has_header_and_50_rows(docx):
    appendix = docx.tables[-1]
    assert len(appendix.rows) == 51
    assert [c.text for c in appendix.rows[0].cells] == ["序号", "类别", "事项", "责任部门", "公开条数", "栏目链接"]
    first = [c.text for c in appendix.rows[1].cells]
    assert first[:2] == ["1", "基本信息"] and first[3] == "党政办公室" and first[4] == "3"
    assert "https://www.zzit.edu.cn/xxgk/1.htm" in first[5]
    assert appendix.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeats on each page


def test_hostile_links_are_not_linked(docx):
    targets = [rel.target_ref for rel in docx.part.rels.values() if rel.is_external]
    assert "https://www.zzit.edu.cn/xxgk/1.htm" in targets
    assert not any(t.startswith("javascript") for t in targets)


def test_statistics_tables_show_the_figures(docx):
    stats = docx.tables[0]
    rows = {r.cells[0].text: r.cells[1].text for r in stats.rows[1:]}
    assert rows["新增主动公开信息（条）"] == "732"
    assert rows["其中：通过网络方式公开（条）"] == "451"


@pytest.mark.parametrize("style, font", [
    ("Normal", "仿宋_GB2312"), ("Title", "方正小标宋简体"), ("Heading 1", "黑体"), ("Heading 2", "楷体_GB2312"),
])
def test_styles_carry_east_asian_fonts(docx, style, font):
    rfonts = docx.styles[style].element.rPr.rFonts
    assert rfonts.get(qn("w:eastAsia")) == font
    assert rfonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would override the name


def test_chinese_type_sizes(docx):
    assert docx.styles["Title"].font.size.pt == 22  # 二号
    assert docx.styles["Heading 1"].font.size.pt == 16  # 三号
    assert docx.styles["Normal"].font.size.pt == 16


def test_footer_has_a_page_field(docx):
    footer = docx.sections[0].footer._element
    instructions = [el.text for el in footer.iter(qn("w:instrText"))]
    assert any(i.strip() == "PAGE" for i in instructions)


def test_charts_are_pictures(docx):
    assert len(docx.inline_shapes) == 3


def test_signature_block_at_the_end_of_the_text(docx):
    texts = _texts(docx)
    at = texts.index("二零二三年十月三十一日")
    assert texts[at - 1] == "漳州理工职业学院"
    assert texts.index("附表：清单事项公开情况表") > at


def test_fonts_can_be_chosen():
    document = build_document(reference_report(), with_charts=False)
    doc = Document(io.BytesIO(render_docx(document, DocxFonts(body="仿宋"))))
    assert doc.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
    assert len(doc.inline_shapes) == 0


def test_every_paragraph_style_exists(docx):
    # python-docx silently shows an unknown style id as Normal; Word would too.
    defined = {style.style_id for style in docx.styles}
    used = {el.get(qn("w:val")) for el in docx.element.body.iter(qn("w:pStyle"))}
    assert used <= defined
