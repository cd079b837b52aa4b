"""Narrative templates: defaults in the reference report's words, sandboxed admin edits."""
from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from workflow.errors import BadInput
from workflow.report import SECTION_KEYS, RemedyRow, chinese_date, default_headings, render_narrative


def test_six_sections_with_numbered_headings():
    headings = default_headings()
    assert list(headings) == list(SECTION_KEYS)
    assert [h[:2] for h in headings.values()] == ["一、", "二、", "三、", "四、", "五、", "六、", "七、"]


def test_default_texts_give_the_reference_sentences(reference_data):
    text = render_narrative({}, reference_data)
    assert "本学年，全校新增的主动公开信息共732条，其中通过网络方式公开的信息数达451条。" in text["active"]
    assert "本学年未收到需受理或答复的师生和公众信息公开的申请，信息公开工作未发生收费情况。" in text["applications"]
    assert text["complaints"] == "本学年学校无因信息公开工作而被申请行政复议、行政诉讼或举报情况。"
    assert "漳州理工职业学院" in text["overview"]
    assert "2022年9月1日至2023年8月31日" in text["preamble"]


def test_figures_replace_the_zero_sentences(reference_data):
    reference_data.applications.update(received=3, replied=3, by_outcome={"disclosed": 2, "partial": 1})
    reference_data.fees.count, reference_data.fees.charged_total = 1, 12.5
    reference_data.complaints.reports = RemedyRow.of({"pending": 1})
    reference_data.complaints.litigation_after_reconsideration = RemedyRow.of({"maintained": 2})
    text = render_narrative({}, reference_data)
    assert "共收到信息公开申请3件" in text["applications"]
    assert "予以公开2件、部分公开1件" in text["applications"]
    assert "共收取费用12.50元" in text["applications"]
    assert "被举报1件" in text["complaints"]
    assert "被提起行政诉讼2件（其中未经复议直接起诉0件、复议后起诉2件）" in text["complaints"]
    assert "复议后起诉结果维持2件" in text["complaints"]
    assert "未收到" not in text["applications"]


def test_admin_text_overrides_one_section(reference_data):
    text = render_narrative({"evaluation": "师生评议{{ active.total }}条信息，满意。"}, reference_data)
    assert text["evaluation"] == "师生评议732条信息，满意。"
    assert "师生反映良好" not in text["evaluation"]
    assert "全校新增的主动公开信息共732条" in text["active"]  # other sections keep defaults


@pytest.mark.parametrize("template", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ active.__class__ }}",
    "{{ range.__globals__ }}",
    "{{ namespace.__init__.__globals__['os'] }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ active.by_channel.clear() }}",
    "{{ active.by_channel.update({'website': 0}) }}",
    "{{ 'x' * 100000000 }}",
    "{{ '%99999999d' % 1 }}",
    "{{ 'x'.center(100000000) }}",
    "{{ '{:>99999999}'.format(1) }}",
    "{{ 9 ** 9999999 }}",
    "{{ range(10**9) | list }}",
])
def test_sandbox_escapes_are_bad_input(reference_data, template):
    with pytest.raises(BadInput):
        render_narrative({"overview": template}, reference_data)


@pytest.mark.parametrize("template", ["{{ active.totl }}", "{% if %}", "{{ 1 / 0 }}", "{{ active.total + 'x' }}"])
def test_broken_templates_are_bad_input_naming_the_section(reference_data, template):
    with pytest.raises(BadInput) as err:
        render_narrative({"complaints": template}, reference_data)
    assert "complaints" in str(err.value)
    assert err.value.details["section"] == "complaints"


def test_unknown_section_is_refused(reference_data):
    with pytest.raises(BadInput):
        render_narrative({"overveiw": "typo"}, reference_data)


def test_chinese_date_of_the_reference_signature():
    assert chinese_date(date(2023, 10, 31)) == "二零二三年十月三十一日"
    assert chinese_date(date(2020, 1, 10), zero="〇") == "二〇二〇年一月十日"
    assert chinese_date(date(2024, 12, 20)) == "二零二四年十二月二十日"


_DIGIT = {ch: i for i, ch in enumerate("零一二三四五六七八九")}


def _parse_small(text: str) -> int:
    if "十" not in text:
        return _DIGIT[text]
    tens, _, ones = text.partition("十")
    return (_DIGIT[tens] if tens else 1) * 10 + (_DIGIT[ones] if ones else 0)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)))
def test_chinese_date_reads_back_for_any_date(d):
    text = chinese_date(d)
    match = re.fullmatch(r"([零一二三四五六七八九]{4})年([一二三四五六七八九十]+)月([一二三四五六七八九十]+)日", text)
    assert match, text
    year = int("".join(str(_DIGIT[ch]) for ch in match.group(1)))
    assert date(year, _parse_small(match.group(2)), _parse_small(match.group(3))) == d
