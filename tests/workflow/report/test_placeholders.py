"""The plain form of the narrative parts (issue 15): 〔主动公开总数〕 placeholders and 〔若…为零〕 conditions,
compiled to the sandboxed templates; the older Jinja form keeps rendering; the new defaults print what
the old ones printed."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from workflow.errors import BadInput
from workflow.i18n import locale_context
from workflow.report import Period, default_templates, new_report, render_narrative
from workflow.report import placeholders as ph
from workflow.report.model import Complaints, RemedyRow, ReportData
from workflow.report.narrative import _tidy

MIGRATION = Path(__file__).resolve().parents[3] / "db/migrations/versions/0031_report_plain_narratives.py"


def _migration():
    spec = importlib.util.spec_from_file_location("migration_0031", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _empty() -> ReportData:
    return new_report(Period.academic_year("2022-2023"), "漳州理工职业学院")


def _busy() -> ReportData:
    data = _empty()
    data.active.total, data.active.network = 732, 451
    data.active.by_channel = {"website": 310, "wechat": 141, "meeting": 201}
    data.active.timeliness.within_deadline_share, data.active.timeliness.median_workdays = 0.964, 6.0
    data.secrecy_review.reviewed, data.secrecy_review.returned, data.secrecy_review.taken_down = 760, 28, 2
    data.applications.update(received=3, carried_over=1, replied=3, by_outcome={"disclosed": 2, "partial": 1},
                             carried_forward=1)
    data.fees.count, data.fees.charged_total, data.fees.waived_total = 2, 12.5, 3.0
    data.complaints = Complaints(reports=RemedyRow.of({"maintained": 1}),
                                 reconsideration=RemedyRow.of({"corrected": 2, "pending": 1}),
                                 litigation_direct=RemedyRow(total=1))
    return data


def _half() -> ReportData:
    """Some figures zero, some not: the other branch of each condition."""
    data = _busy()
    data.secrecy_review.taken_down = 0
    data.active.timeliness.median_workdays = None
    data.applications.update(received=0, carried_over=2, replied=1, by_outcome={}, carried_forward=0)
    data.fees.count, data.fees.charged_total, data.fees.waived_total = 0, 0.0, 5.0
    data.complaints = Complaints(litigation_direct=RemedyRow(total=1))
    return data


@pytest.mark.parametrize("make", [_empty, _busy, _half])
def test_the_new_default_texts_print_what_every_earlier_default_printed(make, reference_data) -> None:
    migration = _migration()
    for data in (make(), reference_data):
        for section, new in migration.NEW_DEFAULTS.items():
            assert new == default_templates()[section]
            latest = migration.OLD_DEFAULTS[section][-1]
            assert render_narrative({section: new}, data)[section] == render_narrative({section: latest}, data)[section]


def test_the_default_texts_have_no_template_syntax() -> None:
    for section, text in default_templates().items():
        assert not ph.is_legacy(text), section
        ph.parse(text, section)   # every name is known, every condition ends


def test_a_placeholder_prints_the_figure_and_a_condition_chooses_the_wording() -> None:
    data = _busy()
    text = "共〔主动公开总数〕条，网络〔网络公开数〕条。〔若撤下条数为零〕无撤下。〔否则〕撤下〔撤下条数〕条。〔结束〕"
    assert render_narrative({"evaluation": text}, data)["evaluation"] == "共732条，网络451条。撤下2条。"
    data.secrecy_review.taken_down = 0
    assert render_narrative({"evaluation": text}, data)["evaluation"] == "共732条，网络451条。无撤下。"


def test_zero_and_empty_are_different_conditions() -> None:
    data = _busy()
    data.active.timeliness.within_deadline_share = 0.0   # every item late: a figure, and it is zero
    text = "〔若按时公开比例为空〕无〔否则〕有〔结束〕/〔若按时公开比例为零〕零〔否则〕非零〔结束〕"
    assert render_narrative({"evaluation": text}, data)["evaluation"] == "有/零"
    data.active.timeliness.within_deadline_share = None  # nothing to time
    assert render_narrative({"evaluation": text}, data)["evaluation"] == "无/零"


def test_conditions_nest() -> None:
    text = "〔若新收申请数不为零〕收到〔若已答复申请数不为零〕并答复〔结束〕〔否则〕未收到〔结束〕"
    assert render_narrative({"evaluation": text}, _busy())["evaluation"] == "收到并答复"
    assert render_narrative({"evaluation": text}, _empty())["evaluation"] == "未收到"


def test_an_unknown_placeholder_is_refused_naming_it() -> None:
    with pytest.raises(BadInput) as refused:
        render_narrative({"overview": "共〔主动公开数〕条"}, _busy())
    assert refused.value.code == "unknown_placeholder"
    assert "〔主动公开数〕" in refused.value.message and "一、概述" in refused.value.message
    assert refused.value.details == {"section": "overview", "placeholder": "主动公开数"}
    with pytest.raises(BadInput) as refused:
        render_narrative({"overview": "〔若主动公开数为零〕无〔结束〕"}, _busy())
    assert "〔主动公开数〕" in refused.value.message
    with locale_context("en"):
        assert "no placeholder 〔主动公开数〕" in refused.value.message


@pytest.mark.parametrize("text", ["〔若新收申请数为零〕无", "有〔结束〕", "〔否则〕有", "〔若新收申请数为零〕a〔否则〕b〔否则〕c〔结束〕"])
def test_unbalanced_conditions_are_refused(text) -> None:
    with pytest.raises(BadInput) as refused:
        render_narrative({"evaluation": text}, _busy())
    assert refused.value.code == "unbalanced_condition" and "四、评议情况" in refused.value.message


def test_a_document_number_year_in_brackets_is_text() -> None:
    text = "依据教办函〔2014〕23号和国办公开办函〔2021〕30号，〔学校名称〕编制。"
    assert render_narrative({"preamble": text}, _busy())["preamble"] == \
        "依据教办函〔2014〕23号和国办公开办函〔2021〕30号，漳州理工职业学院编制。"


def test_braces_and_template_words_in_plain_text_stay_text() -> None:
    text = "括号 { 与 } 以及 endif、raw 都是文字：〔学年名称〕"
    assert render_narrative({"evaluation": text}, _busy())["evaluation"] == "括号 { 与 } 以及 endif、raw 都是文字：2022-2023"


def test_english_names_are_read_and_stored_in_chinese() -> None:
    english = "〔if Applications received is not zero〕共〔applications received〕件〔otherwise〕无〔end〕"
    assert ph.canonical(english) == "〔若新收申请数不为零〕共〔新收申请数〕件〔否则〕无〔结束〕"
    assert render_narrative({"evaluation": english}, _busy())["evaluation"] == "共3件"


def test_every_default_shown_in_english_reads_back_to_itself() -> None:
    for section, text in default_templates().items():
        shown = ph.localized(text, english=True)
        assert "主动公开总数" not in shown
        assert ph.canonical(shown) == text, section


def test_names_are_unique_in_both_languages_and_not_condition_words() -> None:
    chinese = [p.label for p in ph.PLACEHOLDERS]
    english = [ph.english_label(p).casefold() for p in ph.PLACEHOLDERS]
    assert len(set(chinese)) == len(chinese) and len(set(english)) == len(english)
    assert all(name != p.label for name, p in zip(english, ph.PLACEHOLDERS))   # every one translated
    assert not {"otherwise", "else", "end"} & set(english)
    assert not [name for name in chinese if name.startswith("若") or name.endswith(("为零", "为空"))]


def test_an_older_template_keeps_rendering_and_converts_when_it_maps_cleanly() -> None:
    data = _busy()
    old = "本学年公开{{ active.total }}条{% if secrecy_review.taken_down %}，撤下{{ secrecy_review.taken_down }}条{% endif %}。"
    converted = ph.from_legacy(old)
    assert converted == "本学年公开〔主动公开总数〕条〔若撤下条数不为零〕，撤下〔撤下条数〕条〔结束〕。"
    assert render_narrative({"evaluation": converted}, data) == render_narrative({"evaluation": old}, data)
    assert ph.from_legacy("{% if fees.count == 0 %}无{% elif fees.count > 0 %}有{{ fees.count }}笔{% else %}?{% endif %}") \
        == "〔若收费笔数为零〕无〔否则〕〔若收费笔数不为零〕有〔收费笔数〕笔〔否则〕?〔结束〕〔结束〕"


@pytest.mark.parametrize("old", [
    "{% for c in channels %}{{ c.label }}{% endfor %}",           # a loop
    "{% if a == 0 and b == 0 %}x{% endif %}",                      # and/or
    "{{ fees.charged_total }}",                                     # printed without the placeholder's format
    "{{ active.total * 2 }}",                                       # arithmetic
    "{{ unknown_variable }}",
    "{% if %}",                                                     # not even valid
    "〔注〕{{ active.total }}",                                      # would not read back
])
def test_older_templates_that_do_not_map_are_kept(old) -> None:
    assert ph.from_legacy(old) is None


def test_the_compiled_form_reads_only_the_prepared_figures() -> None:
    compiled = ph.to_jinja("〔主动公开总数〕〔若撤下条数为零〕a〔否则〕b〔结束〕{")
    assert compiled == ('{{ placeholders.active_total }}{% if placeholder_zero.taken_down %}a{% else %}b{% endif %}'
                        '{{ "{" }}')


names = st.sampled_from([p.label for p in ph.PLACEHOLDERS])
plain = st.text(st.characters(blacklist_characters="〔〕{}", blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(plain, names.map(lambda n: f"〔{n}〕")), max_size=8))
def test_any_text_with_known_placeholders_renders_and_round_trips(pieces) -> None:
    text = "".join(pieces)
    if ph.is_legacy(text):
        return
    assert ph.canonical(ph.localized(text, english=True)) == text
    render_narrative({"evaluation": text}, _busy())   # never raises


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(blacklist_characters="〔〕", blacklist_categories=("Cs",)), max_size=60))
def test_text_without_placeholders_prints_as_it_is(text) -> None:
    if ph.is_legacy(text):
        return
    # exactly the text, tidied as every part is (lines stripped, runs of empty lines shortened)
    assert render_narrative({"evaluation": text}, _busy())["evaluation"] == _tidy(text)
