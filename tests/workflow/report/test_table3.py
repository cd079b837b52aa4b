"""Table 3 of the yearly report (收到和处理政府信息公开申请情况) in the State Council shape (国办公开办函〔2021〕30号):
columns 自然人 / 法人或其他组织 (商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他) / 总计; rows 一、… 四、 with
every outcome and its reasons. 视为放弃 is a result under （六）其他处理 but not a reply (已答复)."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
from docx import Document

from tests.conftest import World
from tests.workflow.report.sample import reference_report
from workflow.clock import SHANGHAI
from workflow.errors import BadInput
from workflow.i18n import locale_context
from workflow.report import ReportData, render
from workflow.report.model import TABLE3_COLUMNS, TABLE3_ROWS, table3_problems
from workflow.services import applications as svc
from workflow.services import reports

KINDS_ZH = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
KINDS_EN = ("Individual", "Business", "Research institution", "Public-interest organisation",
            "Legal service provider", "Other", "Total")


def _at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


def _intake(world: World, kind: str, received: datetime) -> int:
    application = svc.register_application(world.app, world.admin, {
        "applicant_kind": kind, "name": "申请人", "contact": "a@example.com", "request_text": "请公开学生资助情况",
        "delivery_form": "email", "channel": "in_person", "received_at": received.isoformat()})
    return application.id


def _year_with_applications(world: World, clock) -> None:
    """2025-2026: a natural person disclosed, a business withheld (reason 4), a research institution that
    abandoned (视为放弃), a legal service still open; one natural person carried over from 2024-2025."""
    app = world.app
    clock.set(_at(2025, 6, 2))
    _intake(world, "natural", _at(2025, 6, 2))  # carried over, still open
    clock.set(_at(2025, 9, 26))
    disclosed = _intake(world, "natural", _at(2025, 9, 26))
    withheld = _intake(world, "business", _at(2025, 9, 26))
    abandoned = _intake(world, "research", _at(2025, 9, 26))
    _intake(world, "legal_service", _at(2025, 9, 26))
    for application_id, outcome, reason in ((disclosed, "disclosed", None), (withheld, "withheld", 4)):
        svc.assign(app, world.admin, application_id, "xsc")
        reply = svc.prepare_reply(app, world.drafter, application_id, outcome, reason)
        from workflow.services import items
        from tests.conftest import CLEAR
        items.submit(app, world.drafter, reply.id)
        items.pass_review(app, world.reviewer, reply.id, checklist=CLEAR)
        items.approve(app, world.approver, reply.id)
    clock.set(_at(2025, 9, 29))
    svc.request_clarification(app, world.admin, abandoned, "请补正", answer_by="2025-10-09")
    clock.set(_at(2025, 10, 10))
    svc.abandon(app, world.admin, abandoned)


def test_the_matrix_by_applicant_type(world: World, clock) -> None:
    _year_with_applications(world, clock)
    data = reports.annual_report(world.app, world.admin, "2025-2026")
    apps = data.to_json_dict()["applications"]
    matrix = apps["by_applicant"]
    assert list(matrix) == list(TABLE3_ROWS)
    assert all(list(cells) == list(TABLE3_COLUMNS) for cells in matrix.values())
    assert matrix["received"] == {"natural": 1, "business": 1, "research": 1, "public_interest": 0,
                                  "legal_service": 1, "other": 0, "total": 4}
    assert matrix["carried_over"]["natural"] == matrix["carried_over"]["total"] == 1
    assert matrix["results.disclosed"]["natural"] == 1
    assert matrix["results.withheld"]["business"] == matrix["results.withheld.4"]["business"] == 1
    assert matrix["results.total"]["total"] == 3
    assert matrix["carried_forward"] == {"natural": 1, "business": 0, "research": 0, "public_interest": 0,
                                         "legal_service": 1, "other": 0, "total": 2}
    assert table3_problems(matrix) == [] and apps["check_ok"] is True


def test_abandonment_is_other_handling_not_a_reply(world: World, clock) -> None:
    _year_with_applications(world, clock)
    apps = reports.annual_report(world.app, world.admin, "2025-2026").to_json_dict()["applications"]
    assert apps["by_applicant"]["results.other"]["research"] == 1
    assert apps["by_applicant"]["results.other.1"] == {"natural": 0, "business": 0, "research": 1,
                                                       "public_interest": 0, "legal_service": 0, "other": 0,
                                                       "total": 1}
    assert apps["replied"] == 2  # disclosed + withheld; 视为放弃 sent no reply
    assert apps["by_applicant"]["results.total"]["total"] == apps["replied"] + 1


def test_the_check_names_what_does_not_add_up() -> None:
    matrix = {row: {column: 0 for column in TABLE3_COLUMNS} for row in TABLE3_ROWS}
    assert table3_problems(matrix) == []
    matrix["received"].update(natural=2, total=2)
    matrix["results.disclosed"].update(natural=1, total=1)
    matrix["results.total"].update(natural=1, total=1)
    matrix["carried_forward"].update(natural=1, total=1)
    assert table3_problems(matrix) == []
    matrix["results.withheld"].update(business=1, total=1)  # no reason, not in （七）总计, not received
    problems = table3_problems(matrix)
    assert any("商业企业" in p and "第一项加第二项" not in p and "各项之和" in p for p in problems)
    assert any("总计" in p and "各办理结果之和" in p for p in problems)
    matrix["received"]["total"] = 3
    assert any("一、本年新收政府信息公开申请数量" in p and "各类申请人之和" in p for p in table3_problems(matrix))


def _report() -> ReportData:
    data = reference_report()
    matrix = {row: {column: 0 for column in TABLE3_COLUMNS} for row in TABLE3_ROWS}
    for row, kind, n in (("received", "natural", 3), ("received", "business", 2), ("results.disclosed", "natural", 2),
                         ("results.withheld", "business", 1), ("results.withheld.4", "business", 1),
                         ("results.other", "natural", 1), ("results.other.1", "natural", 1),
                         ("results.total", "natural", 3), ("results.total", "business", 1),
                         ("carried_forward", "business", 1)):
        matrix[row][kind] = n
        matrix[row]["total"] += n
    data.applications = {"received": 5, "replied": 3, "carried_forward": 1, "by_applicant": matrix,
                         "by_outcome": {"disclosed": 2, "withheld": 1, "other": 1}}
    return data


RECEIVED = ["3", "2", "0", "0", "0", "0", "5"]
ABANDONED = ["1", "0", "0", "0", "0", "0", "1"]


@pytest.mark.parametrize("locale, kinds, group, received, abandoned", [
    ("zh_Hans_CN", KINDS_ZH, "法人或其他组织", "一、本年新收政府信息公开申请数量",
     "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("en", KINDS_EN, "Legal persons or other organisations", "I. New requests received this year",
     "1. The applicant did not supply the clarification in time without good reason, so the request is no "
     "longer processed"),
])
def test_html_prints_table3(locale: str, kinds: tuple[str, ...], group: str, received: str, abandoned: str) -> None:
    with locale_context(locale):
        page = render(_report(), "html").decode("utf-8")
    table = page[page.index('id="table-applications_by_applicant"'):]
    table = table[:table.index("</table>")]
    assert f'<th scope="col" rowspan="2">{kinds[0]}</th><th scope="col" colspan="5">{group}</th>' \
           f'<th scope="col" rowspan="2">{kinds[-1]}</th>' in table
    assert "".join(f'<th scope="col">{k}</th>' for k in kinds[1:6]) in table
    assert f"<td>{received}</td>" + "".join(f'<td class="num">{n}</td>' for n in RECEIVED) in table
    assert f"<td>{abandoned}</td>" + "".join(f'<td class="num">{n}</td>' for n in ABANDONED) in table


@pytest.mark.parametrize("locale, kinds, group, received", [
    ("zh_Hans_CN", KINDS_ZH, "法人或其他组织", "一、本年新收政府信息公开申请数量"),
    ("en", KINDS_EN, "Legal persons or other organisations", "I. New requests received this year"),
])
def test_docx_prints_table3(locale: str, kinds: tuple[str, ...], group: str, received: str) -> None:
    with locale_context(locale):
        doc = Document(io.BytesIO(render(_report(), "docx")))
    [table] = [t for t in doc.tables if len(t.columns) == 8]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[1][1:] == [kinds[0]] + [group] * 5 + [kinds[-1]]  # merged cells repeat their text
    assert rows[2][1:] == list(kinds)
    assert rows[3] == [received, *RECEIVED]
    assert len(rows) == 3 + 1 + 1 + 1 + 2 + (1 + 8) + (1 + 3) + (1 + 5) + (1 + 3) + 1 + 1


OLD = {"period": {"start": "2022-09-01", "end": "2023-08-31"}, "institution": "学院",
       "applications": {"received": 4, "carried_over": 1, "replied": 3, "carried_forward": 1,
                        "by_outcome": {"disclosed": 2, "other": 2}, "outcome_reasons": {"other": {"1": 1, "3": 1}},
                        "check_ok": True}}


def test_an_old_stored_report_loads_with_its_totals() -> None:
    data = ReportData.from_dict(OLD)
    matrix = data.to_json_dict()["applications"]["by_applicant"]
    assert matrix["received"] == {"natural": 0, "business": 0, "research": 0, "public_interest": 0,
                                  "legal_service": 0, "other": 0, "total": 4}
    assert matrix["results.disclosed"]["total"] == 2 and matrix["results.other.1"]["total"] == 1
    assert matrix["results.total"]["total"] == 4 and matrix["carried_forward"]["total"] == 1
    assert data.to_json_dict()["applications"]["check_ok"] is True  # as stored
    page = render(OLD, "html").decode("utf-8")
    assert 'id="table-applications_by_applicant"' in page
    again = ReportData.from_dict(data.to_json_dict())
    assert again.to_json_dict()["applications"] == data.to_json_dict()["applications"]


@pytest.mark.parametrize("matrix, field", [
    ({"received": {"natural": 2, "total": 1}}, "applications.by_applicant.received.total"),
    ({"received": {"natural": -1}}, "applications.by_applicant.received.natural"),
    ({"received": {"alien": 1}}, "applications.by_applicant.received"),
    ({"nonsense": {}}, "applications.by_applicant"),
])
def test_bad_stored_matrices_are_refused(matrix: dict, field: str) -> None:
    with pytest.raises(BadInput) as err:
        ReportData.from_dict({**OLD, "applications": {**OLD["applications"], "by_applicant": matrix}})
    assert field in str(err.value)
