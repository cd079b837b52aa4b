"""Classification markings (密级标志) and 内部资料: blocking; harmless 秘密 phrases: nothing."""
from __future__ import annotations

import pytest

from workflow.scan import scan_text
from workflow.scan.result import CLASSIFICATION_MARKING


def markings(text: str):
    return [f for f in scan_text(text, location="body") if f.detector == CLASSIFICATION_MARKING]


@pytest.mark.parametrize("text,match", [
    ("秘密★1年", "秘密★1年"),
    ("机密★10年\n关于某项目的通知", "机密★10年"),
    ("绝密★长期", "绝密★长期"),
    ("机密★", "机密★"),
    ("秘密☆5年", "秘密☆5年"),
    ("秘密*6个月", "秘密*6个月"),
    ("机密＊２０年", "机密＊２０年"),
    ("机 密 ★", "机 密 ★"),
    ("秘　密★解密条件：项目结题后", "秘　密★解密条件：项目结题后"),
    ("本页右上角标注“秘密★1年”字样", "秘密★1年"),
    ("内部资料，注意保存", "内部资料"),
    ("内 部 资 料", "内 部 资 料"),
    ("此为内部文件", "内部文件"),
    ("请注意保密", "注意保密"),
])
def test_markings_block_and_cannot_be_accepted(text, match):
    found = markings(text)
    assert [f.match_masked for f in found] == [match]
    assert found[0].severity == "blocking"
    assert found[0].acceptable is False
    assert " ".join(match.split()) in found[0].message


@pytest.mark.parametrize("text", [
    "秘　密",                     # a typeset marking: the two characters spaced by a full-width space
    "机密\n关于2024年招生计划的请示",  # a level word alone on its (first) line
    "各单位：\n  秘密  \n正文",
])
def test_spaced_or_standalone_level_words_are_markings(text):
    found = markings(text)
    assert len(found) == 1 and found[0].acceptable is False


@pytest.mark.parametrize("text", [
    "依法保护商业秘密",
    "严格遵守《中华人民共和国保守国家秘密法》",
    "本文件不涉及国家秘密",
    "做好保密工作，保守国家秘密",
    "国家秘密法第三十五条",
    "涉及工作秘密的事项按有关规定办理",
    "选举设秘密写票处",
    "手机密码请妥善保管",
    "飞机密集起降",
    "有机密封材料",
    "杜绝密集聚会",
    "神秘密码",
    "保 守 国 家 秘 密 法",     # PDF text with spaced-out characters
    "数据的机密性、完整性和可用性",
    "商业机密",
    "保密审查",
    "内部管理体制",
])
def test_harmless_phrases_are_not_findings(text):
    assert markings(text) == []


@pytest.mark.parametrize("text,word", [
    ("本文件属机密，请勿外传", "机密"),
    ("该材料为绝密文件", "绝密"),
    ("这件事是秘密", "秘密"),
])
def test_bare_level_word_blocks_but_a_reviewer_may_clear_it(text, word):
    found = markings(text)
    assert [f.match_masked for f in found] == [word]
    assert found[0].severity == "blocking"
    assert found[0].acceptable is True
    assert "审查人" in found[0].message


def test_classification_markings_are_not_masked_in_excerpts():
    found = markings("机密★1年 关于某事的报告")
    assert "机密★1年" in found[0].excerpt
