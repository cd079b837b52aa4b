"""「不适用」 per 清单 entry (issue 12): an admin marks an entry not applicable for this institution with a reason
(a 高职 college has no 学位 items); coverage then says so instead of "missing", the narrative does not count
it as uncovered, and nothing new can be filed under it."""
from __future__ import annotations

import io

import pytest
from docx import Document
from sqlalchemy import select

from db.models import AuditEvent
from tests.conftest import World, item_payload
from tests.workflow.report.sample import reference_report
from workflow.errors import Forbidden, NotFound, ValidationFailed
from workflow.i18n import locale_context
from workflow.report import render, render_narrative
from workflow.services import catalog, reports
from workflow.services import items as svc

REASON = "本校为高职院校，无学位授予"


def _mark(world: World, code: str = "43", reason: str = REASON) -> dict:
    return catalog.set_applicability(world.app, world.admin, code, {"not_applicable": True, "reason": reason})


def test_an_admin_marks_an_entry_with_a_reason_audited(world: World) -> None:
    entry = _mark(world)
    assert entry["not_applicable"] is True and entry["not_applicable_reason"] == REASON
    tree = catalog.catalog_tree(world.app)
    [row] = [e for c in tree["categories"] for e in c["items"] if e["code"] == "43"]
    assert row["not_applicable"] and row["not_applicable_reason"] == REASON
    again = catalog.set_applicability(world.app, world.admin, "43", {"not_applicable": False})
    assert again["not_applicable"] is False and again["not_applicable_reason"] == ""
    with world.app.db.read() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.subject == "catalog:43")
                                 .order_by(AuditEvent.seq)).all()
    assert [(e.action, e.reason) for e in events] == [("catalog_not_applicable", REASON), ("catalog_applicable", None)]


@pytest.mark.parametrize("data, field", [
    ({"not_applicable": True}, "reason"),
    ({"not_applicable": True, "reason": "   "}, "reason"),
    ({"not_applicable": True, "reason": "x" * 501}, "reason"),
    ({"not_applicable": True, "reason": "原因\x00"}, "reason"),
    ({"not_applicable": "yes", "reason": REASON}, "not_applicable"),
    ({"not_applicable": False, "reason": 5}, "reason"),
    ({"not_applicable": True, "reason": REASON, "title": "改名"}, "title"),
])
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(world: World, data: dict, field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        catalog.set_applicability(world.app, world.admin, "43", data)
    assert err.value.field == field
    assert not _entry(world, "43")["not_applicable"]


def test_only_admins_and_only_known_entries(world: World) -> None:
    with pytest.raises(Forbidden):
        catalog.set_applicability(world.app, world.drafter, "43", {"not_applicable": True, "reason": REASON})
    with pytest.raises(NotFound):
        _mark(world, "999")


def _entry(world: World, code: str) -> dict:
    return next(e for c in catalog.catalog_tree(world.app)["categories"] for e in c["items"] if e["code"] == code)


def test_coverage_says_not_applicable_with_the_reason(world: World) -> None:
    _mark(world)
    data = reports.annual_report(world.app, world.admin, "2025-2026")
    [row] = [c for c in data.catalog_coverage if c.code == "43"]
    assert row.not_applicable and row.not_applicable_reason == REASON and not row.covered
    body = data.to_json_dict()
    [stored] = [c for c in body["catalog_coverage"] if c["code"] == "43"]
    assert stored["not_applicable"] is True and stored["not_applicable_reason"] == REASON
    matrix = reports.coverage(world.app, "2025-2026", world.admin).to_dict()
    assert "43" not in matrix["missing"] and matrix["not_applicable"] == ["43"]
    assert len(matrix["missing"]) == matrix["total"] - 1
    text = reports.render_annual(world.app, world.admin, "2025-2026", "json", with_charts=False).decode("utf-8")
    assert f"本学年有0项公开了相关信息，{matrix['total'] - 1}项本学年无新增信息，1项不适用于本校。" in text


def test_narrative_counts_leave_not_applicable_out_of_uncovered() -> None:
    data = reference_report()  # 9 covered of 50
    for entry in data.catalog_coverage:
        if entry.code in {"43", "44", "45", "46"}:
            entry.not_applicable, entry.not_applicable_reason = True, REASON
    text = render_narrative({}, data)["active"]
    assert "对照《清单》所列50项事项，本学年有9项公开了相关信息，37项本学年无新增信息，4项不适用于本校。" in text


def _report_with_na():  # noqa: ANN202
    data = reference_report()
    for entry in data.catalog_coverage:
        if entry.code == "43":
            entry.not_applicable, entry.not_applicable_reason = True, REASON
    return data


@pytest.mark.parametrize("locale, label", [("zh_Hans_CN", "不适用"), ("en", "Not applicable")])
def test_the_appendix_prints_not_applicable_and_the_reason(locale: str, label: str) -> None:
    with locale_context(locale):
        page = render(_report_with_na(), "html").decode("utf-8")
        doc = Document(io.BytesIO(render(_report_with_na(), "docx")))
    appendix = page[page.index('id="appendix"'):]
    assert f'<td class="na">{label}</td>\n        <td class="reason">{REASON}</td>' in appendix
    table = doc.tables[-1]
    [row] = [[c.text for c in r.cells] for r in table.rows if r.cells[2].text.startswith("授予博士")]
    assert row[4:] == [label, REASON]
    other = [[c.text for c in r.cells] for r in table.rows if r.cells[0].text == "1"][0]
    assert other[4] == "3"  # applicable rows keep their count


def test_nothing_new_is_filed_under_a_not_applicable_entry(world: World) -> None:
    draft = svc.create_item(world.app, world.drafter, item_payload(catalog_code="43"))
    _mark(world)
    with pytest.raises(ValidationFailed) as err:
        svc.create_item(world.app, world.drafter, item_payload(catalog_code="43"))
    assert (err.value.status, err.value.code, err.value.field) == (422, "catalog_not_applicable", "catalog_code")
    assert "不适用" in err.value.message
    other = svc.create_item(world.app, world.drafter, item_payload(catalog_code="7"))
    with pytest.raises(ValidationFailed):
        svc.update_item(world.app, world.drafter, other.id, {"catalog_code": "43"})
    # a draft filed before the entry was marked keeps it and can still be edited
    edited = svc.update_item(world.app, world.drafter, draft.id, {"catalog_code": "43", "title": "新标题"})
    assert edited.catalog_code == "43" and edited.title == "新标题"
    catalog.set_applicability(world.app, world.admin, "43", {"not_applicable": False})
    assert svc.create_item(world.app, world.drafter, item_payload(catalog_code="43")).catalog_code == "43"


@pytest.mark.parametrize("code", ["4\x003", "x" * 200, ""])
def test_a_code_no_entry_can_have_is_a_404(world: World, code: str) -> None:
    with pytest.raises(NotFound):
        _mark(world, code)
