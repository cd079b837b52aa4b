"""The standalone HTML report: same figures as the DOCX, escaped admin text, safe links."""
from __future__ import annotations

import html as html_lib

import pytest

from tests.workflow.report.sample import reference_report
from workflow.report import render


@pytest.fixture(scope="module")
def page() -> str:
    data = reference_report()
    data.narrative = {"evaluation": "师生反映良好<script>alert('x')</script>，满意率{{ active.network }}。"}
    data.catalog_coverage[1].links = ["javascript:alert(1)"]
    data.catalog_coverage[2].title = "<b>标题</b>"
    return render(data, "html").decode("utf-8")


def test_standalone_page_with_title(page):
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>漳州理工职业学院信息公开年度报告（2022-2023学年）</title>" in page
    assert '<meta charset="utf-8">' in page


def test_same_figures_as_the_reference(page):
    assert "全校新增的主动公开信息共732条，其中通过网络方式公开的信息数达451条" in page
    assert "本学年学校无因信息公开工作而被申请行政复议、行政诉讼或举报情况。" in page
    for heading in ("一、概述", "二、主动公开情况", "三、依申请公开情况", "四、评议情况",
                    "五、举报、复议、诉讼情况", "六、主要问题和改进措施", "七、其他需要报告的事项"):
        assert f"<h2>{heading}</h2>" in page
    assert "二零二三年十月三十一日" in page


def test_admin_script_is_escaped(page):
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "满意率451。" in page  # the template around it still rendered
    assert "&lt;b&gt;标题&lt;/b&gt;" in page


def test_only_http_links(page):
    assert 'href="https://www.zzit.edu.cn/xxgk/1.htm"' in page
    assert "javascript:" not in page


def test_charts_are_embedded(page):
    assert page.count('src="data:image/png;base64,') == 3


def test_appendix_lists_every_catalogue_entry(page):
    appendix = page[page.index('id="appendix"'):]
    assert appendix.count("<tr>") == 51  # header + 50 entries
    assert html_lib.escape("学校章程及制定的各项规章制度") in appendix
