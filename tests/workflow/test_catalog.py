"""The 清单 catalogue as data: 10 categories, 50 entries, local additions, clear errors."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from workflow.catalog import catalog_to_dict, load_catalog, load_departments
from workflow.errors import BadInput, NotFound
from workflow.settings import config_path

CATEGORY_TITLES = ["基本信息", "招生考试信息", "财务、资产及收费信息", "人事师资信息", "教学质量信息",
                   "学生管理服务信息", "学风建设信息", "学位、学科信息", "对外交流与合作信息", "其他信息"]
DEPARTMENTS = {"dzb", "xsc", "tw", "jwc", "cwc", "rsc", "zsjyc", "hqbwc", "kyc", "xxgkb"}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_ten_categories_fifty_entries(catalog):
    assert [c.title for c in catalog.categories] == CATEGORY_TITLES
    assert len(catalog.entries) == 50 == len(catalog)
    codes = [e.code for e in catalog.entries]
    assert len(set(codes)) == 50
    assert [len(c.items) for c in catalog.categories][:3] == [6, 8, 7]  # confirmed split of 1-21


def test_numbering_confirmed_only_for_1_to_17(catalog):
    confirmed = {e.code for e in catalog.entries if e.number_confirmed}
    assert confirmed == {str(n) for n in range(1, 18)}
    assert catalog.entry("6").title == "信息公开年度报告"
    assert catalog.entry("21").title == "收费项目、收费依据、收费标准及投诉方式"


def test_lookups(catalog):
    assert "7" in catalog and "99" not in catalog and 7 not in catalog
    assert catalog.category_of("7").title == "招生考试信息"
    assert catalog.entry("7").department == "zsjyc"
    with pytest.raises(NotFound):
        catalog.entry("99")


def test_departments_of_the_reference_college(catalog):
    departments = dict(load_departments())
    assert set(departments) == DEPARTMENTS
    assert departments["xxgkb"] == "信息公开办公室"
    assert all(e.department in DEPARTMENTS for e in catalog.entries)
    assert catalog.department_name("jwc") == "教务处"


def test_api_shape(catalog):
    body = catalog_to_dict(catalog)
    assert list(body) == ["categories"]
    first = body["categories"][0]
    assert set(first) == {"code", "title", "items"}
    assert set(first["items"][0]) == {"code", "title"}
    assert sum(len(c["items"]) for c in body["categories"]) == 50
    detailed = catalog_to_dict(catalog, detailed=True)["categories"][0]["items"][0]
    assert detailed["rhythm"] == "每年10月" and detailed["number_confirmed"] is True


def _with_extra(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "catalog.toml"
    path.write_text(config_path("catalog.toml").read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    return path


def test_local_entries_extend_the_catalogue(tmp_path):
    path = _with_extra(tmp_path, '''
[[item]]
code = "L1"
title = "校园开放日安排"
category = "qt"
department = "dzb"
rhythm = "及时"
local = true
column_url = "https://www.zzit.edu.cn/xxgk/kfr.htm"
''')
    catalog = load_catalog(path)
    assert len(catalog.entries) == 51
    entry = catalog.entry("L1")
    assert entry.local and not entry.number_confirmed
    assert catalog.category_of("L1").code == "qt"
    assert catalog.categories[-1].items[-1] is entry


@pytest.mark.parametrize("extra, problem", [
    ('[[item]]\ncode = "7"\ntitle = "重复"\ncategory = "qt"\ndepartment = "dzb"\n', "重复"),
    ('[[item]]\ncode = "L2"\ntitle = "x"\ncategory = "nope"\ndepartment = "dzb"\n', "nope"),
    ('[[item]]\ncode = "L3"\ntitle = "x"\ncategory = "qt"\ndepartment = "nobody"\n', "nobody"),
    ('[[item]]\ncode = "L4"\ncategory = "qt"\ndepartment = "dzb"\n', "title"),
    ('[[item]]\ncode = "L5"\ntitle = "x"\ncategory = "qt"\ndepartment = "dzb"\nlocal = "yes"\n', "local"),
    ('[[item]]\ncode = "L6"\ntitle = "x"\ncategory = "qt"\ndepartment = "dzb"\ndocuments = "a"\n', "documents"),
    ('[[item]]\ncode = "L7"\ntitle = "x"\ncategory = "qt"\ndepartment = "dzb"\ncolour = "red"\n', "colour"),
    ('[[department]]\ncode = "dzb"\nname = "又一个"\n', "重复"),
])
def test_invalid_entries_are_bad_input(tmp_path, extra, problem):
    with pytest.raises(BadInput) as err:
        load_catalog(_with_extra(tmp_path, extra))
    assert problem in str(err.value)


def test_malformed_toml_is_bad_input(tmp_path):
    path = tmp_path / "catalog.toml"
    path.write_text('[[item]\ncode = "1"', encoding="utf-8")
    with pytest.raises(BadInput) as err:
        load_catalog(path)
    assert "TOML" in str(err.value)


def test_missing_file_is_bad_input(tmp_path):
    with pytest.raises(BadInput):
        load_catalog(tmp_path / "absent.toml")


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=200))
def test_any_text_either_loads_or_is_bad_input(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("cat") / "catalog.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_catalog(path)
    except BadInput:
        pass
