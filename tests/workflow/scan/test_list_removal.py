"""名单 / 公示: personal information is cut out altogether (教财厅函〔2017〕28号), not partly masked."""
from __future__ import annotations

import random

from hypothesis import given, settings, strategies as st

from workflow.scan import PERSONAL_INFO, mask_text, scan_text

from .gen import bank_card, random_resident_id, resident_id

ID = resident_id()
CARD = bank_card()

NAMES = st.sampled_from(["张三", "李四", "王小五", "欧阳明", "赵六"])
CLASSES = st.sampled_from(["计算机学院2021级1班", "数学2101班", "物理学院 2022级", "经济管理学院会计2班"])
SEPARATORS = st.sampled_from(["，", "、", " ", "\t", "；", ","])
LABELS = st.sampled_from(["", "身份证号：", "身份证号码:", "证件号 ", "手机：", "电话 ", "联系电话："])


def test_a_scholarship_list_keeps_names_and_classes_only() -> None:
    text = (f"张三，计算机学院2021级1班，身份证号：{ID}，手机：13800138000\n"
            f"李四（{ID}），数学2101班，电话 13912345678\n"
            f"王五 物理2102班 家庭住址：北京市海淀区中关村大街1号院3号楼201室 出生日期：2003年5月6日 银行卡号：{CARD}")
    assert mask_text(text, remove=True) == "张三，计算机学院2021级1班\n李四，数学2101班\n王五 物理2102班"


def test_line_endings_of_a_browser_form_are_kept_and_tidied_before() -> None:
    text = f"张三，数学2101班，身份证号：{ID}，手机：13800138000\r\n李四，物理2102班"
    assert mask_text(text, remove=True) == "张三，数学2101班\r\n李四，物理2102班"


def test_outside_lists_masking_still_keeps_the_ends() -> None:
    assert mask_text(f"身份证{ID}") == f"身份证{ID[:6]}********{ID[-4:]}"


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(NAMES, CLASSES, SEPARATORS, LABELS, st.integers(0, 2**32), st.booleans()),
                     min_size=1, max_size=8), newline=st.sampled_from(["\n", "\r\n"]))
def test_removal_leaves_no_personal_information_and_every_name(rows, newline: str) -> None:
    lines, names = [], []
    for name, klass, separator, label, seed, with_phone in rows:
        rng = random.Random(seed)
        personal = f"{label}{random_resident_id(rng)}"
        if with_phone:
            personal += f"{separator}{label}1{rng.choice(['38', '59', '86', '99'])}{rng.randrange(10**8):08d}"
        lines.append(separator.join([name, klass, personal]))
        names.append((name, klass))
    cleaned = mask_text(newline.join(lines), remove=True)
    assert not [f for f in scan_text(cleaned, location="body", is_list=True) if f.detector in PERSONAL_INFO]
    for line, (name, klass) in zip(cleaned.split(newline), names):
        assert line.startswith(name) and klass in line
        assert not any(ch.isdigit() for ch in line.replace(klass, ""))   # no digit of an ID or a phone is left
