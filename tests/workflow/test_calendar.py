"""The China working-day calendar: deadlines users see, explanations, layers and coverage."""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.calendar.workdays import DayOverride, HolidayFileError, WorkCalendar
from workflow.errors import ValidationFailed
from workflow.i18n import locale_context

CAL = WorkCalendar.default()

# Days on which the shipped calendar and holidays.China disagree, 2004–2026. Empty: the one
# difference between the packages themselves, 2005-12-31 (the 2006 notice, 国办发明电〔2005〕35号,
# makes that Saturday a working day; chinesecalendar 1.11.0 misses it, holidays has it), is
# corrected in config/holidays.toml. In 2020–2026 the packages agree on every day.
KNOWN_DIFFERENCES: dict[date, str] = {}

# Dates from 2004 to 2035: covered years and uncovered (weekend-rule) years alike.
dates = st.dates(min_value=date(2004, 1, 1), max_value=date(2035, 12, 31))
counts = st.integers(min_value=0, max_value=400)
FAST = settings(max_examples=150, deadline=None)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "holidays.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def empty_file(tmp_path: Path) -> Path:
    return write(tmp_path, "# no entries\n")


# -- worked examples across official holidays ------------------------------------------------

def test_publish_deadline_across_national_day_2025() -> None:
    assert CAL.add_workdays(date(2025, 9, 26), 20) == date(2025, 10, 30)


def test_twentieth_working_day_after_2025_09_29() -> None:
    assert CAL.add_workdays(date(2025, 9, 29), 20) == date(2025, 11, 3)


def test_explanation_shows_makeup_day_counted_and_holidays_skipped() -> None:
    explanation = CAL.explain(date(2025, 9, 26), 20)

    assert explanation.deadline == date(2025, 10, 30)
    assert not explanation.estimated
    assert len(explanation.counted) == 20
    first = explanation.counted[0]
    assert (first.date, first.reason, first.holiday) == (date(2025, 9, 28), "调休上班", "国庆节")
    assert date(2025, 10, 11) in {d.date for d in explanation.counted}

    skipped = {d.date: d.reason for d in explanation.skipped}
    for day in range(1, 9):
        expected = "中秋节" if day == 6 else "国庆节"
        assert skipped[date(2025, 10, day)] == expected
    assert skipped[date(2025, 9, 27)] == "周末"

    text = explanation.as_text()
    assert "2025-09-28 周日 计入第1个工作日（调休上班，国庆节）" in text
    assert "2025-10-06 周一 跳过：中秋节" in text
    assert "2025-10-30 周四 计入第20个工作日" in text
    assert "截止日 2025-10-30（周四）" in text.splitlines()[0]

    data = json.loads(json.dumps(explanation.to_dict()))
    assert data["deadline"] == "2025-10-30"
    assert (data["counted"][0]["date"], data["counted"][0]["index"]) == ("2025-09-28", 1)
    assert data["counted"][0]["reason"] == "调休上班"
    assert [d["date"] for d in data["skipped"]][:2] == ["2025-09-27", "2025-10-01"]


def test_explanation_in_english_when_locale_is_english() -> None:
    # No English catalogue entries are required: the explanation must still render.
    with locale_context("en"):
        assert "2025-10-30" in CAL.explain(date(2025, 9, 26), 20).as_text()


def test_day_labels() -> None:
    assert CAL.day_info(date(2025, 1, 29)).reason == "春节"
    assert CAL.day_info(date(2025, 10, 13)).reason == "工作日"
    assert CAL.day_info(date(2025, 10, 12)).reason == "周末"
    assert CAL.day_info(date(2025, 4, 27)).reason == "调休上班"


def test_one_working_day_before_due_and_next_workday() -> None:
    # "due soon" = 1 working day before due: before Thursday 2025-10-09 is Tuesday 09-30.
    assert CAL.add_workdays(date(2025, 10, 9), -1) == date(2025, 9, 30)
    assert CAL.next_workday(date(2025, 9, 30)) == date(2025, 10, 9)
    assert CAL.next_workday(date(2025, 10, 9), inclusive=True) == date(2025, 10, 9)
    assert CAL.previous_workday(date(2025, 10, 12)) == date(2025, 10, 11)
    assert CAL.add_workdays(date(2025, 10, 3), 0) == date(2025, 10, 3)


def test_workdays_between_counts_half_open_interval() -> None:
    assert CAL.workdays_between(date(2025, 9, 26), date(2025, 10, 30)) == 20
    assert CAL.workdays_between(date(2025, 10, 30), date(2025, 9, 26)) == -20
    assert CAL.workdays_between(date(2025, 10, 1), date(2025, 10, 8)) == 0


def test_large_counts_cross_years_without_day_by_day_loop() -> None:
    # ~8 years of working days in one call; agrees with explain's day-by-day walk.
    start = date(2020, 3, 15)
    result = CAL.add_workdays(start, 2000)
    assert result == CAL.explain(start, 2000).deadline
    assert CAL.workdays_between(start, result) == 2000
    assert CAL.add_workdays(result, -2000) == CAL.previous_workday(start, inclusive=True)


# -- agreement with the holidays package -------------------------------------------------------

def test_agrees_with_holidays_package_2004_to_2026() -> None:
    china = holidays.China(years=range(2004, 2027))
    differences = {}
    day = date(2004, 1, 1)
    while day <= date(2026, 12, 31):
        if CAL.is_workday(day) != china.is_working_day(day):
            differences[day] = CAL.day_info(day).reason
        day += timedelta(days=1)
    assert set(differences) == set(KNOWN_DIFFERENCES)


def test_2005_12_31_corrected_from_the_2006_notice() -> None:
    info = CAL.day_info(date(2005, 12, 31))
    assert info.workday and info.reason == "调休上班" and info.holiday == "元旦"
    assert info.layer == "holidays.toml" and info.source


# -- properties ---------------------------------------------------------------------------------

@FAST
@given(dates, counts, counts)
def test_adding_n_then_m_is_adding_n_plus_m(start: date, n: int, m: int) -> None:
    assert CAL.add_workdays(CAL.add_workdays(start, n), m) == CAL.add_workdays(start, n + m)


@FAST
@given(dates, st.integers(min_value=1, max_value=400))
def test_result_is_a_working_day_after_start(start: date, n: int) -> None:
    result = CAL.add_workdays(start, n)
    assert result > start and CAL.is_workday(result)
    back = CAL.add_workdays(start, -n)
    assert back < start and CAL.is_workday(back)


@FAST
@given(dates, counts, counts)
def test_monotonic_in_n(start: date, n: int, m: int) -> None:
    low, high = sorted((n, m))
    if low < high:
        assert CAL.add_workdays(start, low) < CAL.add_workdays(start, high)
    else:
        assert CAL.add_workdays(start, low) == CAL.add_workdays(start, high)


@FAST
@given(dates, dates, counts)
def test_monotonic_in_start(a: date, b: date, n: int) -> None:
    early, late = sorted((a, b))
    assert CAL.add_workdays(early, n) <= CAL.add_workdays(late, n)


@FAST
@given(dates, counts)
def test_workdays_between_inverts_add_workdays(start: date, n: int) -> None:
    result = CAL.add_workdays(start, n)
    assert CAL.workdays_between(start, result) == n
    assert CAL.workdays_between(result, start) == -n


@FAST
@given(dates, st.integers(min_value=-400, max_value=400))
def test_backwards_undoes_forwards_from_a_working_day(start: date, n: int) -> None:
    start = CAL.next_workday(start, inclusive=True)
    assert CAL.add_workdays(CAL.add_workdays(start, n), -n) == start


@settings(max_examples=60, deadline=None)
@given(dates, st.integers(min_value=-60, max_value=60))
def test_explain_agrees_with_add_workdays(start: date, n: int) -> None:
    explanation = CAL.explain(start, n)
    assert explanation.deadline == CAL.add_workdays(start, n)
    assert len(explanation.counted) == abs(n)
    assert all(CAL.is_workday(d.date) for d in explanation.counted)
    assert not any(CAL.is_workday(d.date) for d in explanation.skipped)
    # Estimated exactly when a day walked over, start excluded, lies in an uncovered year.
    if n:
        first_walked = start + timedelta(days=1 if n > 0 else -1)
        assert explanation.estimated == CAL.is_estimated_range(first_walked, explanation.deadline)
    else:
        assert not explanation.estimated and explanation.days == []


@FAST
@given(dates)
def test_day_info_agrees_with_is_workday(day: date) -> None:
    info = CAL.day_info(day)
    assert info.workday == CAL.is_workday(day)
    assert info.estimated == CAL.is_estimated(day)
    assert info.reason


# -- coverage and estimates ---------------------------------------------------------------------

def test_uncovered_year_uses_weekends_and_is_estimated(empty_file: Path) -> None:
    calendar = WorkCalendar(holidays_file=empty_file)
    assert 2030 not in calendar.covered_years()
    assert calendar.missing_years(2025, 2031) == [2027, 2028, 2029, 2030, 2031]

    day = date(2030, 1, 1)
    while day.year == 2030:
        info = calendar.day_info(day)  # never raises, even without package data
        assert info.workday == (day.weekday() < 5)
        assert info.estimated and calendar.is_estimated(day)
        day += timedelta(days=1)
    assert calendar.day_info(date(2030, 10, 1)).reason == "工作日"  # no 国庆 without data
    assert calendar.day_info(date(2030, 10, 5)).reason == "周末"

    # Tuesday 2030-10-01 + 5 working days = Tuesday 2030-10-08, flagged estimated.
    assert calendar.add_workdays(date(2030, 10, 1), 5) == date(2030, 10, 8)
    explanation = calendar.explain(date(2030, 10, 1), 5)
    assert explanation.estimated and "估算" in explanation.as_text()
    assert explanation.to_dict()["estimated"] is True


def test_deadline_reaching_into_uncovered_year_is_estimated(empty_file: Path) -> None:
    calendar = WorkCalendar(holidays_file=empty_file)
    start = date(2026, 12, 10)
    explanation = calendar.explain(start, 20)
    assert explanation.deadline.year == 2027
    assert explanation.estimated
    assert calendar.is_estimated_range(start, explanation.deadline)
    assert not calendar.is_estimated_range(date(2026, 1, 1), date(2026, 12, 31))
    assert not calendar.explain(date(2025, 9, 26), 20).estimated


# -- layers: holidays.toml and overrides --------------------------------------------------------

TOML_2030 = """
[years.2030]
complete = true
title = "国务院办公厅关于2030年部分节假日安排的通知（测试数据）"
url = "https://example.test/notice-2030"

[[years.2030.holidays]]
name = "国庆节"
rest = ["2030-10-01..2030-10-07"]
work = ["2030-09-29", 2030-10-12]

[[years.2030.holidays]]
name = "元旦"
rest = [2030-01-01]
"""


def test_holidays_file_entries_are_loaded_and_cover_the_year(tmp_path: Path) -> None:
    calendar = WorkCalendar(holidays_file=write(tmp_path, TOML_2030))
    assert 2030 in calendar.covered_years()
    assert calendar.missing_years(2029, 2031) == [2029, 2031]

    holiday = calendar.day_info(date(2030, 10, 2))
    assert (holiday.workday, holiday.reason, holiday.estimated) == (False, "国庆节", False)
    assert holiday.layer == "holidays.toml" and holiday.source == "https://example.test/notice-2030"
    makeup = calendar.day_info(date(2030, 9, 29))  # a Sunday
    assert (makeup.workday, makeup.reason, makeup.holiday) == (True, "调休上班", "国庆节")
    assert calendar.is_workday(date(2030, 10, 12))
    assert not calendar.is_workday(date(2030, 1, 1))

    # Friday 2030-09-27 + 3: Sun 09-29 (调休), Mon 09-30, then 10-08 after the break.
    assert calendar.add_workdays(date(2030, 9, 27), 3) == date(2030, 10, 8)


def test_holidays_file_corrects_package_data(tmp_path: Path) -> None:
    path = write(tmp_path, """
[years.2025]
title = "更正（测试数据）"
[[years.2025.holidays]]
name = "国庆节"
work = ["2025-10-08"]
""")
    calendar = WorkCalendar(holidays_file=path)
    assert calendar.is_workday(date(2025, 10, 8))
    assert calendar.day_info(date(2025, 10, 8)).reason == "工作日"
    assert calendar.add_workdays(date(2025, 9, 26), 20) == date(2025, 10, 29)
    assert calendar.covered_years() == CAL.covered_years()  # complete = false adds no year


@pytest.mark.parametrize("text", [
    "[years.2030]\ncomplete = true\n",                                      # no source
    "[years.2030]\ntitle = 't'\ncompelte = true\n",                          # typo
    "[years.2030]\ntitle = 't'\n[[years.2030.holidays]]\nrest = ['2030-10-01']\n",  # no name
    "[years.2030]\ntitle = 't'\n[[years.2030.holidays]]\nname = 'x'\nrest = ['2030-10-09..2030-10-01']\n",
    "[years.2030]\ntitle = 't'\n[[years.2030.holidays]]\nname = 'x'\nrest = ['2030-02-30']\n",
    "[years.2030]\ntitle = 't'\n[[years.2030.holidays]]\nname = 'x'\nrest = ['2030-10-01']\nwork = ['2030-10-01']\n",
    "[years.2030\n",                                                          # not TOML
])
def test_malformed_holidays_file_fails_loudly(tmp_path: Path, text: str) -> None:
    with pytest.raises(HolidayFileError):
        WorkCalendar(holidays_file=write(tmp_path, text))


def test_overrides_win_over_package_data() -> None:
    calendar = CAL.with_overrides({
        date(2025, 10, 8): DayOverride("work", "学校安排补课", "校办〔2025〕1号"),
        date(2025, 10, 9): DayOverride("rest", "校庆"),
    })
    worked = calendar.day_info(date(2025, 10, 8))
    assert (worked.workday, worked.reason, worked.source) == (True, "管理员调整：学校安排补课", "校办〔2025〕1号")
    rested = calendar.day_info(date(2025, 10, 9))
    assert (rested.workday, rested.reason, rested.layer) == (False, "管理员调整：校庆", "override")
    # 10-08 now counts and 10-09 no longer does: the deadline stays put, the explanation changes.
    assert calendar.add_workdays(date(2025, 10, 7), 1) == date(2025, 10, 8)
    assert calendar.add_workdays(date(2025, 10, 8), 1) == date(2025, 10, 10)
    assert CAL.is_workday(date(2025, 10, 9))  # the original calendar is unchanged


def test_overrides_win_over_holidays_file(tmp_path: Path) -> None:
    calendar = WorkCalendar(
        overrides={date(2030, 10, 3): DayOverride("work", "值班"),
                   date(2030, 9, 29): DayOverride("rest", "取消调休")},
        holidays_file=write(tmp_path, TOML_2030),
    )
    assert calendar.is_workday(date(2030, 10, 3))
    assert not calendar.is_workday(date(2030, 9, 29))
    assert calendar.day_info(date(2030, 10, 3)).reason == "管理员调整：值班"
    assert calendar.add_workdays(date(2030, 9, 27), 2) == date(2030, 10, 3)


def test_override_needs_a_valid_kind_and_a_reason() -> None:
    with pytest.raises(ValidationFailed):
        DayOverride("holiday", "x")  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        DayOverride("rest", "  ")
