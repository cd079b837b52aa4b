"""When does an item count as a list (公示名单)?"""
from __future__ import annotations

import pytest

from workflow.scan import looks_like_list, scan_item
from workflow.scan.result import MOBILE_PHONE

REFERENCE_LIKE = ("本学年，全校新增的主动公开信息共732条，其中通过网络方式公开的信息数达451条。\n"
                  "（1）学校基本情况的信息。包括学名称、办学地点、办学性质、办学宗旨、办学层次、办学规模。\n")


@pytest.mark.parametrize("title", ["2023年国家奖学金获奖学生名单", "关于拟录用人员的公示", "学生花名册",
                                   "助学金发放一览表", "资助汇总表"])
def test_list_keywords_in_the_title(title):
    assert looks_like_list(title, "")


def test_tab_or_comma_separated_rows():
    rows = "\n".join(f"张{i}\t计算机学院\t2021级\t{i}班" for i in range(6))
    assert looks_like_list("关于表彰的决定", rows)
    csv_like = "姓名,学院,年级\n张三,计算机学院,2021级\n李四,机械学院,2022级"
    assert looks_like_list("", csv_like)


def test_prose_is_not_a_list():
    assert not looks_like_list("2022-2023学年信息公开年度报告", REFERENCE_LIKE)
    prose = "\n".join("学校认真学习对照具体要求，结合学校实际，坚持以公开为常态、不公开为例外，采取多形式公开信息。"
                      for _ in range(10))
    assert not looks_like_list("通知", prose)


def test_scan_item_uses_the_heuristic_unless_told():
    body = "联系人：张老师，手机13812345678"
    assert [f.severity for f in scan_item("关于开展讲座的通知", body)] == ["warning"]
    assert [f.severity for f in scan_item("奖学金获奖名单公示", body)] == ["blocking"]
    assert [f.severity for f in scan_item("奖学金获奖名单公示", body, is_list=False)] == ["warning"]
    assert [f.detector for f in scan_item("通知", body, is_list=True)] == [MOBILE_PHONE]
    assert scan_item("通知", body, is_list=True)[0].severity == "blocking"
