"""Dates of birth and home addresses."""
from __future__ import annotations

import pytest

from workflow.scan import scan_text
from workflow.scan.result import BIRTH_DATE, HOME_ADDRESS


def found(text: str, detector: str, *, is_list: bool = False):
    return [f for f in scan_text(text, location="body", is_list=is_list) if f.detector == detector]


@pytest.mark.parametrize("text,masked", [
    ("出生日期：2003年5月6日", "****年*月*日"),
    ("出生日期:2003-05-06", "****-**-**"),
    ("出生年月 2003-05", "****-**"),
    ("出生年月：2003.05", "****.**"),
    ("出生日期 20030506", "********"),
    ("生日：5月6日", "*月*日"),
    ("出生年月日：二〇〇三年五月六日", "****年*月*日"),
    ("张三，男，汉族，1985年3月生，中共党员", "****年*月"),
    ("李四（2003年5月6日出生）", "****年*月*日"),
])
def test_birth_dates(text, masked):
    hits = found(text, BIRTH_DATE)
    assert [f.match_masked for f in hits] == [masked]
    assert hits[0].severity == "warning"
    assert found(text, BIRTH_DATE, is_list=True)[0].severity == "blocking"
    assert hits[0].acceptable is True


@pytest.mark.parametrize("text", [
    "出生日期：",
    "出生日期格式为YYYY-MM-DD",
    "出生日期：2003年13月6日",           # no 13th month
    "出生日期：1850年1月1日",             # before 1900
    "本办法自2023年9月生效",
    "2023年9月新生报到",
    "2023年9月生源地信贷",
    "2022年6月生物学院举办讲座",
    "本学年共有学生12000人",
    "二零二三年十月三十一日",
])
def test_birth_date_near_misses(text):
    assert found(text, BIRTH_DATE) == []


@pytest.mark.parametrize("text,masked", [
    ("家庭住址：福建省漳州市芗城区胜利西路12号", "福建省漳州市芗城区*******"),
    ("家庭地址: 北京市海淀区中关村大街1号", "北京市海淀区*******"),
    ("住址：某某县某某镇某某村3组", "某某县********"),
    ("现住址 厦门市思明区莲前西路88号之1", "厦门市思明区*********"),
    ("家庭住址福建省龙岩市新罗区西陂镇", "福建省龙岩市新罗区***"),
    ("户籍地址：胜利路12号", "******"),
])
def test_home_addresses(text, masked):
    hits = found(text, HOME_ADDRESS)
    assert [f.match_masked for f in hits] == [masked]
    assert found(text, HOME_ADDRESS, is_list=True)[0].severity == "blocking"


@pytest.mark.parametrize("text", [
    "家庭住址：略",
    "住址不详",
    "家庭住址请勿填写",
    "住址证明请到村委会开具",          # no colon and not starting like an address
    "住址：福建省漳州市",               # province/city level only (like a 生源地)
    "住址变更须到派出所办理",
    "通讯地址：漳州市芗城区某路1号",     # a correspondence address (e.g. the school's) is no home address
    "户籍管理等后勤保卫信息",
])
def test_address_near_misses(text):
    assert found(text, HOME_ADDRESS) == []


def test_a_phone_inside_an_address_is_found_too():
    hits = scan_text("住址：胜利路12号13812345678", location="body")
    assert {f.detector for f in hits} == {HOME_ADDRESS, "mobile_phone"}
