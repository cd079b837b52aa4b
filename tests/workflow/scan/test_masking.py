"""mask_text: the redaction proposed to the drafter."""
from __future__ import annotations

from datetime import date

from workflow.scan import PERSONAL_INFO, mask_text, scan_text

from .gen import bank_card, resident_id

ID = resident_id("35", date(2003, 5, 6), 123)
CARD = bank_card("622202", 19)


def test_mask_formats():
    assert mask_text(f"身份证{ID}") == f"身份证{ID[:6]}********{ID[-4:]}"
    assert mask_text("手机13812345678") == "手机138****5678"
    assert mask_text("电话 +86 138-1234-5678") == "电话 +86 138-****-5678"
    assert mask_text(f"卡号{CARD}") == f"卡号{CARD[:4]}{'*' * 11}{CARD[-4:]}"
    assert mask_text("出生日期：2003年5月6日") == "出生日期：****年*月*日"
    assert mask_text("家庭住址：福建省漳州市芗城区胜利西路12号，电话") == "家庭住址：福建省漳州市芗城区*******，电话"


def test_masking_keeps_length_and_everything_else():
    text = f"机密★1年\n张三，{ID}，13812345678，依法保护商业秘密。征求意见稿"
    masked = mask_text(text)
    assert len(masked) == len(text)
    assert masked.startswith("机密★1年\n张三，")                 # markings are not masked
    assert masked.endswith("依法保护商业秘密。征求意见稿")
    assert ID not in masked and "13812345678" not in masked


def test_masked_text_has_no_personal_information_left():
    text = (f"姓名\t身份证号\t手机\t卡号\n张三\t{ID}\t138 1234 5678\t{CARD}\n"
            "出生年月 2003-05 住址：某某县某某镇某某村3组")
    assert any(f.detector in PERSONAL_INFO for f in scan_text(text, location="body", is_list=True))
    again = scan_text(mask_text(text), location="body", is_list=True)
    assert [f for f in again if f.detector in PERSONAL_INFO] == []


def test_text_without_personal_information_is_unchanged():
    text = "本学年学校主动公开信息732条，其中网络公开451条。"
    assert mask_text(text) == text
    assert mask_text("") == ""
