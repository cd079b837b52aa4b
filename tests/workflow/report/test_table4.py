"""Table 4 of the yearly report (State Council format): 行政复议; 行政诉讼 未经复议直接起诉 / 复议后起诉; each
结果维持 / 结果纠正 / 其他结果 / 尚未审结 / 总计; 举报/投诉 in a row of its own."""
from __future__ import annotations

import io
import itertools
from datetime import date

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.conftest import World
from tests.workflow.report.sample import reference_report
from workflow.applications.vocabulary import REMEDY_ROWS, RemedyKind, RemedyOutcome, remedy_row
from workflow.errors import BadInput
from workflow.i18n import locale_context
from workflow.report import RemedyRow, ReportData, render
from workflow.report.stats import application_figures
from workflow.services import applications as svc

FIVE_ZH = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
FIVE_EN = ("Upheld", "Corrected", "Other result", "Pending", "Total")

CASES = st.lists(st.tuples(st.sampled_from(RemedyKind.codes()), st.booleans(),
                           st.sampled_from(RemedyOutcome.codes()), st.booleans()), max_size=8)
_years = itertools.count(2030)  # a fresh academic year per example: no clean-up between examples


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=CASES)
def test_figures_give_the_json_shape(world: World, cases: list[tuple[str, bool, str, bool]]) -> None:
    year = next(_years)
    expected = {row: {o: 0 for o in RemedyOutcome.codes()} for row in REMEDY_ROWS}
    for kind, after, outcome, inside in cases:
        filed_on = date(year, 10, 10) if inside else date(year, 8, 31)  # 08-31 is the year before
        svc.register_remedy(world.app, world.admin, {"kind": kind, "after_reconsideration": after,
                                                     "outcome": outcome, "filed_on": filed_on.isoformat()})
        if inside:
            expected[remedy_row(kind, after)][outcome] += 1
    figures = svc.year_stats(world.app, f"{year}-{year + 1}")
    _apps, _fees, complaints = application_figures(figures)
    shape = complaints.to_dict()
    assert list(shape) == list(REMEDY_ROWS)
    for key, row in shape.items():
        assert list(row) == [*RemedyOutcome.codes(), "total"]
        assert row["total"] == sum(row[o] for o in RemedyOutcome.codes())
        assert {o: row[o] for o in RemedyOutcome.codes()} == expected[key]
    for kind in RemedyKind.codes():
        filed = sum(1 for k, _a, _o, inside in cases if k == kind and inside)
        assert figures.remedies.total(kind) == filed
    assert shape["reports"]["total"] == figures.remedies.total("report")
    assert shape["reconsideration"]["total"] == figures.remedies.total("reconsideration")
    assert shape["litigation_direct"]["total"] + shape["litigation_after_reconsideration"]["total"] \
        == figures.remedies.total("lawsuit")
    assert ReportData.from_dict({"period": {"start": "2022-09-01", "end": "2023-08-31"}, "institution": "学院",
                                 "complaints": shape}).complaints.to_dict() == shape


def test_a_lawsuit_after_reconsideration_has_its_own_row(world: World) -> None:
    svc.register_remedy(world.app, world.admin, {"kind": "lawsuit", "after_reconsideration": True,
                                                 "outcome": "corrected", "filed_on": "2025-10-10"})
    svc.register_remedy(world.app, world.admin, {"kind": "lawsuit", "filed_on": "2025-10-11"})
    _apps, _fees, complaints = application_figures(svc.year_stats(world.app, "2025-2026"))
    assert complaints.litigation_after_reconsideration == RemedyRow(corrected=1, total=1)
    assert complaints.litigation_direct == RemedyRow(pending=1, total=1)
    assert complaints.reconsideration == RemedyRow() and complaints.reports == RemedyRow()


def _data() -> ReportData:
    data = reference_report()
    data.complaints.reconsideration = RemedyRow.of({"maintained": 2, "pending": 1})
    data.complaints.litigation_direct = RemedyRow.of({"other": 4})
    data.complaints.litigation_after_reconsideration = RemedyRow.of({"corrected": 5})
    data.complaints.reports = RemedyRow.of({"corrected": 6})
    return data


EXPECTED_NUMBERS = ["2", "0", "0", "1", "3", "0", "0", "4", "0", "4", "0", "5", "0", "0", "5"]


@pytest.mark.parametrize("locale, five, groups, report", [
    ("zh_Hans_CN", FIVE_ZH, ("行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉"), "举报/投诉"),
    ("en", FIVE_EN, ("Administrative reconsideration", "Administrative lawsuit",
                     "Lawsuit without prior reconsideration", "Lawsuit after reconsideration"), "Report/complaint"),
])
def test_html_prints_table4(locale: str, five: tuple[str, ...], groups: tuple[str, ...], report: str) -> None:
    with locale_context(locale):
        page = render(_data(), "html").decode("utf-8")
    table = page[page.index('<table class="stats" id="table-complaints">'):]
    table = table[:table.index("</table>")]
    assert f'<th scope="col" colspan="5" rowspan="2">{groups[0]}</th>' in table
    assert f'<th scope="col" colspan="10">{groups[1]}</th>' in table
    assert f'<th scope="col" colspan="5">{groups[2]}</th><th scope="col" colspan="5">{groups[3]}</th>' in table
    assert "".join(f'<th scope="col">{label}</th>' for label in five * 3) in table
    assert "".join(f'<td class="num">{n}</td>' for n in EXPECTED_NUMBERS) in table
    reports = page[page.index('id="table-complaints_reports"'):]
    reports = reports[:reports.index("</table>")]
    assert f"<td>{report}</td>" in reports and '<td class="num">6</td>' in reports
    assert "maintained" not in table and "其他处理" not in table


@pytest.mark.parametrize("locale, five, groups, report", [
    ("zh_Hans_CN", FIVE_ZH, ("行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉"), "举报/投诉"),
    ("en", FIVE_EN, ("Administrative reconsideration", "Administrative lawsuit",
                     "Lawsuit without prior reconsideration", "Lawsuit after reconsideration"), "Report/complaint"),
])
def test_docx_prints_table4(locale: str, five: tuple[str, ...], groups: tuple[str, ...], report: str) -> None:
    with locale_context(locale):
        doc = Document(io.BytesIO(render(_data(), "docx")))
    [table4] = [t for t in doc.tables if len(t.columns) == 15]
    rows = [[cell.text for cell in row.cells] for row in table4.rows]
    assert rows[0] == [groups[0]] * 5 + [groups[1]] * 10  # merged cells repeat their text
    assert rows[1] == [groups[0]] * 5 + [groups[2]] * 5 + [groups[3]] * 5
    assert rows[2] == list(five) * 3
    assert rows[3] == EXPECTED_NUMBERS
    [reports] = [t for t in doc.tables if t.rows[0].cells[-1].text == five[-1] and len(t.columns) == 6]
    assert [c.text for c in reports.rows[1].cells] == [report, "0", "6", "0", "0", "6"]


OLD = {"period": {"start": "2022-09-01", "end": "2023-08-31"}, "institution": "学院",
       "complaints": {"reports": 2, "reconsiderations": 3, "lawsuits": 1, "by_outcome": {"maintained": 4}}}


def test_an_old_stored_report_still_loads() -> None:
    data = ReportData.from_dict(OLD)
    assert data.complaints.to_dict() == {
        "reports": {"maintained": 0, "corrected": 0, "other": 0, "pending": 0, "total": 2},
        "reconsideration": {"maintained": 0, "corrected": 0, "other": 0, "pending": 0, "total": 3},
        "litigation_direct": {"maintained": 0, "corrected": 0, "other": 0, "pending": 0, "total": 1},
        "litigation_after_reconsideration": {"maintained": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0},
    }
    page = render(OLD, "html").decode("utf-8")  # and renders, with the narrative's totals
    assert "被举报2件，被申请行政复议3件，被提起行政诉讼1件" in page


def test_old_report_with_only_reports_count_loads() -> None:
    data = ReportData.from_dict({**OLD, "complaints": {"reports": 0}})
    assert data.complaints.total == 0


@pytest.mark.parametrize("complaints, field", [
    ({"reconsideration": {"maintained": 2, "total": 1}}, "complaints.reconsideration.total"),
    ({"litigation_direct": {"pending": -1}}, "complaints.litigation_direct.pending"),
    ({"reports": "3"}, "complaints.reports"),
])
def test_bad_stored_rows_are_refused(complaints: dict, field: str) -> None:
    with pytest.raises(BadInput) as err:
        ReportData.from_dict({**OLD, "complaints": complaints})
    assert field in str(err.value)


def test_a_missing_total_is_the_sum() -> None:
    data = ReportData.from_dict({**OLD, "complaints": {"reconsideration": {"maintained": 2, "other": 1}}})
    assert data.complaints.reconsideration == RemedyRow(maintained=2, other=1, total=3)
