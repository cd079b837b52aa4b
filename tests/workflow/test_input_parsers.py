"""The input parsers refuse hostile values with a domain error, never anything else (no database)."""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.errors import BadInput, ValidationFailed
from workflow.inputs import (DATE_MAX, DATE_MIN, ID_MAX, PAGE_MAX, check_id, check_text, parse_college_year,
                             parse_date, parse_datetime, parse_page, parse_version)
from workflow.json_input import JsonLimits, load_json, nested_deeper_than
from workflow.xml_text import xml_safe

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_load_json_on_any_bytes_is_a_value_or_bad_input(raw: bytes) -> None:
    try:
        load_json(raw)
    except BadInput:
        pass


@settings(max_examples=300, deadline=None)
@given(JSONISH)
def test_load_json_accepts_exactly_the_safe_documents(value: object) -> None:
    text = json.dumps(value)  # Python writes NaN/Infinity and \ud800 escapes: the hostile bits
    try:
        parsed = load_json(text.encode("utf-8"))
    except BadInput:
        assert re.search(r"NaN|Infinity|\\u0000|\\ud[89a-f]|\d{19}", text) or nested_deeper_than(text, 32)
        return
    assert parsed == value


def test_load_json_bounds_depth_and_digits_without_recursion() -> None:
    with pytest.raises(BadInput, match="嵌套层数过多"):
        load_json(b"[" * 1_000_000 + b"]" * 1_000_000)
    with pytest.raises(BadInput):
        load_json(b"[" * 1_000_000)  # unbalanced: the parser reports it, no RecursionError leaks
    with pytest.raises(BadInput, match="整数过长"):
        load_json(b"[" + b"1" * 5000 + b"]")
    assert load_json(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', JsonLimits(max_depth=2)) == {
        "a": "[" * 38}


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=30), st.integers(), st.booleans()),
       st.one_of(st.none(), st.text(max_size=30), st.integers()))
def test_parse_page_gives_bounded_numbers_or_422(page: object, per_page: object) -> None:
    try:
        number, size = parse_page(page, per_page, default_size=20, max_size=100)
    except ValidationFailed as error:
        assert error.status == 422 and error.params["field"] in ("page", "per_page")
        return
    assert 1 <= number <= PAGE_MAX and 1 <= size <= 100


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.dates().map(date.isoformat),
                 st.datetimes(timezones=st.timezones()).map(datetime.isoformat)))
def test_dates_are_inside_the_range_or_422(text: str) -> None:
    try:
        day = parse_date(text, "d")
    except ValidationFailed:
        day = None
    if day is not None:
        assert DATE_MIN <= day <= DATE_MAX
    try:
        moment = parse_datetime(text, "t")
    except ValidationFailed:
        return
    if moment is not None:
        # Converting to UTC and back to Shanghai time never overflows.
        assert moment.astimezone(timezone.utc).year >= DATE_MIN.year
        assert moment.astimezone(timezone.utc) <= datetime(DATE_MAX.year, 12, 31, tzinfo=timezone.utc)


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"])
def test_dates_outside_the_span_are_refused(value: str) -> None:
    with pytest.raises(ValidationFailed, match="超出允许的日期范围"):
        parse_date(value, "formed_on")


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "9999-12-31"])
def test_datetimes_that_overflow_on_conversion_are_refused(value: str) -> None:
    with pytest.raises(ValidationFailed, match="超出允许的日期范围"):
        parse_datetime(value, "publish_at")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_check_text_refuses_control_characters_only(text: str) -> None:
    bad_line = re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]", text)
    try:
        assert check_text(text, "title", single_line=True) == text
        assert not bad_line
    except ValidationFailed:
        assert bad_line
    bad_text = re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]", text)
    try:
        assert check_text(text, "body", single_line=False) == text
        assert not bad_text
    except ValidationFailed:
        assert bad_text


@pytest.mark.parametrize("year", ["2022-2023\n", " 2022-2023", "2022-2024", "0000-0001", "２０２２-２０２３", None, 2022])
def test_college_year_is_strict(year: object) -> None:
    with pytest.raises(ValidationFailed):
        parse_college_year(year)
    assert parse_college_year("2022-2023") == "2022-2023"


@pytest.mark.parametrize("value", [0, -1, ID_MAX + 1, 2**63, "x", "1.5", 1.5, True, None])
def test_ids_outside_the_column_are_refused(value: object) -> None:
    with pytest.raises(ValidationFailed):
        check_id(value, "application_id")
    assert check_id(str(ID_MAX), "application_id") == ID_MAX


@pytest.mark.parametrize("value", ["9" * 5000, "2147483648", str(2**63), 2**63, 1.5, "١٢"])
def test_versions_outside_the_column_are_refused(value: object) -> None:
    with pytest.raises(ValidationFailed):
        parse_version(value)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_xml_safe_text_always_serialises(text: str) -> None:
    import xml.etree.ElementTree as ET
    element = ET.Element("t")
    element.text = xml_safe(text)
    parsed = ET.fromstring(ET.tostring(element)).text or ""  # a parser reads CR as LF
    assert parsed == xml_safe(text).replace("\r\n", "\n").replace("\r", "\n")
