"""The Finding type: fields, keys, no raw personal data."""
from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from workflow.i18n import locale_context
from workflow.scan import Finding, blocking, scan_item, scan_text

from .gen import resident_id

ID = resident_id("35", date(2003, 5, 6), 123)


def test_fields_and_to_dict():
    (finding,) = scan_text(f"学生张三身份证号{ID}已登记", location="body")
    assert finding.detector == "resident_id" and finding.severity == "blocking"
    assert finding.location == "body" and finding.sublocation == ""
    assert (finding.offset, finding.length) == (8, 18)
    assert finding.match_masked == f"{ID[:6]}********{ID[-4:]}"
    assert finding.excerpt == f"学生张三身份证号{ID[:6]}********{ID[-4:]}已登记"
    assert finding.acceptable is True
    assert len(finding.key) == 64
    data = finding.to_dict()
    assert set(data) == {f.name for f in dataclasses.fields(Finding)}
    json.dumps(data, ensure_ascii=False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.severity = "warning"  # type: ignore[misc]


def test_no_raw_personal_data_anywhere_in_a_finding():
    text = f"张三 {ID} 13812345678 出生日期：2003年5月6日 家庭住址：福建省漳州市芗城区胜利西路12号"
    for finding in scan_text(text, location="body", is_list=True):
        dumped = json.dumps(finding.to_dict(), ensure_ascii=False)
        for secret in (ID, ID[6:14], "13812345678", "1234", "2003年5月6日", "胜利西路"):
            assert secret not in dumped, (finding.detector, secret)


def test_keys_are_stable_and_distinct():
    text = "手机13812345678，另一手机13912345678"
    first = scan_text(text, location="body")
    second = scan_text(text, location="body")
    assert [f.key for f in first] == [f.key for f in second]
    assert len({f.key for f in first}) == 2
    assert scan_text(text, location="title")[0].key != first[0].key


def test_blocking_helper():
    found = scan_item("通知", "机密★ 涉密 手机13812345678", [])
    assert [f.detector for f in blocking(found)] == ["classification_marking"]
    assert all(f.is_blocking for f in blocking(found))


def test_messages_follow_the_locale():
    (zh,) = scan_text("手机13812345678", location="body")
    assert zh.message.startswith("含手机号码")
    with locale_context("en"):
        (en,) = scan_text("手机13812345678", location="body")
    assert "138****5678" in en.message
    assert en.key == zh.key
