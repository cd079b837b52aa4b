"""The 信息公开保密审查审批表 (issue 14): what it shows, its PDF and QR code, its check against the audit
trail, the archive export — on both databases."""
from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest

from tests.conftest import CLEAR, World, item_payload
from tests.records_helpers import CONSENT_FILE, DISPLAY, LEGAL_BASIS, TITLE, pdf_qr_links, pdf_text, published, \
    squeeze, tamper
from workflow.checklist import QUESTIONS
from workflow.errors import Conflict, NotFound, ValidationFailed
from workflow.records import archive, render
from workflow.records.model import answers_of_event
from workflow.records.render import RendererUnavailable
from workflow.services import items as svc
from workflow.services import records
from workflow.services import routes as route_service
from workflow.services.users import add_department, add_user

# The answers the helper's reviewer gave, in the order of workflow/checklist.py.
ANSWERS = {"state_secret": "否", "work_secret": "否", "commercial_secret": "是", "personal_info": "是",
           "sensitive_personal_info": "未询问", "sensitive": "否", "undecided": "否", "prior_approval": "未询问"}


def test_every_question_a_pass_answers_yes_records_particulars() -> None:
    """``answers_of_event`` reads a pass's "yes" answers off the particulars it recorded: that holds while
    every question is either blocking (no pass with a "yes") or needs particulars for a "yes"."""
    assert all(question.blocking or question.needs_justification for question in QUESTIONS)
    told = answers_of_event({"justifications": {"personal_info": {"ground": "legal_duty"}},
                             "not_asked": ["prior_approval"]})
    assert told["personal_info"] is True and told["prior_approval"] is None and told["state_secret"] is False


def test_the_print_view_shows_every_fact_of_the_form(world: World) -> None:
    item_id = published(world)
    record = records.item_record(world.app, world.reviewer, item_id)
    html = records.record_page(world.app, world.reviewer, item_id)
    assert "信息公开保密审查审批表" in html and TITLE in html and "学生处" in html
    assert "学校网站、宣传栏" in html and "2025年9月26日" in html  # channels in Chinese, the formed date
    assert "基本信息" in html  # the 清单 entry's category
    assert record.content_hash and record.content_hash in html
    for question in QUESTIONS:
        assert question.label in html and question.source in html
    checklist = html.split('class="checklist"')[1].split("</table>")[0]
    assert re.findall(r'<td class="answer[^"]*">([^<]*)</td>', checklist) == list(ANSWERS.values())
    assert LEGAL_BASIS in html and CONSENT_FILE in html and "履行法定职责或者法定义务所必需" in html
    for username in ("drafter", "reviewer", "approver"):
        assert DISPLAY[username] in html
    # times in Asia/Shanghai, in words: submitted 10:00, passed 12:00, approved 13:00
    assert "2025年9月26日 10:00" in html and "2025年9月26日 12:00" in html and "2025年9月26日 13:00" in html
    assert [entry.kind for entry in record.entries] == ["submit", "pass_review", "approve"]


def test_the_pdf_has_the_answers_the_legal_basis_the_people_the_hash_and_a_qr_code_to_verify(world: World) -> None:
    item_id = published(world)
    made = records.record_pdf(world.app, world.approver, item_id)
    assert made.pdf.startswith(b"%PDF")
    text = pdf_text(made.pdf)
    for question in QUESTIONS:
        assert squeeze(question.label) in text, question.key
    for answer in ("是", "否", "未询问"):
        assert answer in text
    assert squeeze(LEGAL_BASIS) in text and CONSENT_FILE.split(".")[0] in text
    for username in ("drafter", "reviewer", "approver"):
        assert DISPLAY[username] in text
    assert made.record.content_hash in text
    assert any("CJK" in font for font in render.embedded_fonts(made.pdf))  # Chinese fonts embedded
    link = records.verify_url(world.app, item_id, made.record.digest)
    assert link.endswith(f"/items/{item_id}/record/verify?h={made.record.digest}")
    assert pdf_qr_links(made.pdf) == [link]  # the QR code, read back, is the exact verify link


def test_the_print_views_qr_code_is_made_of_the_verify_link(world: World) -> None:
    item_id = published(world)
    record = records.item_record(world.app, world.reviewer, item_id)
    html = records.record_page(world.app, world.reviewer, item_id)
    assert render.qr_svg(records.verify_url(world.app, item_id, record.digest)) in html
    assert render.qr_svg(records.verify_url(world.app, item_id, "0" * 64)) not in html


def test_a_record_only_for_those_who_see_the_items_internals(world: World) -> None:
    item_id = published(world)
    for outsider in (world.other_reviewer, world.other_drafter):
        with pytest.raises(NotFound):
            records.item_record(world.app, outsider, item_id)
        with pytest.raises(NotFound):
            records.record_pdf(world.app, outsider, item_id)
        with pytest.raises(NotFound):
            records.verify_record(world.app, outsider, item_id, "0" * 64)
    assert records.item_record(world.app, world.admin, item_id).item_id == item_id


def test_an_item_never_submitted_has_no_record(world: World) -> None:
    draft = svc.create_item(world.app, world.drafter, item_payload())
    with pytest.raises(Conflict) as refused:
        records.item_record(world.app, world.drafter, draft.id)
    assert refused.value.code == "record_not_available" and refused.value.status == 409


def test_an_untouched_record_verifies(world: World) -> None:
    item_id = published(world)
    digest = records.item_record(world.app, world.reviewer, item_id).digest
    result = records.verify_record(world.app, world.reviewer, item_id, digest)
    assert result.consistent and not result.differences and result.current_digest == digest


@pytest.mark.parametrize(("change", "what", "in_database", "in_audit"), [
    ({"checklist": {**CLEAR, "personal_info": False, "commercial_secret": True}}, "审查清单：是否涉及个人信息/隐私", "否", "是"),
    ({"legal_basis": "《政府信息公开条例》第九条"}, "公开的法律依据", "《政府信息公开条例》第九条", LEGAL_BASIS),
])
def test_a_decision_altered_behind_the_audit_trails_back_does_not_verify(world: World, change: dict, what: str,
                                                                         in_database: str, in_audit: str) -> None:
    item_id = published(world)
    digest = records.item_record(world.app, world.reviewer, item_id).digest
    tamper(world, item_id, "pass_review", **change)
    result = records.verify_record(world.app, world.reviewer, item_id, digest)
    assert not result.consistent
    found = [(d.what, d.database, d.audit) for d in result.differences if "审查通过" in d.where]
    assert (what, in_database, in_audit) in found
    # the paper printed before the change still matches the trail: the database is what moved
    assert result.paper_matches


def test_a_record_printed_after_the_tampering_does_not_verify_either(world: World) -> None:
    item_id = published(world)
    tamper(world, item_id, "approve", actor_id=world.all_rounder.id)
    record = records.item_record(world.app, world.reviewer, item_id)
    assert DISPLAY["all_rounder"] in records.record_page(world.app, world.reviewer, item_id)
    result = records.verify_record(world.app, world.reviewer, item_id, record.digest)
    assert not result.consistent and not result.paper_matches
    assert ("签名", "all_rounder", "approver") in [(d.what, d.database, d.audit) for d in result.differences]
    assert any(d.where == "打印件" and "与审计记录不符" in d.what for d in result.differences)


def test_a_deleted_decision_and_a_changed_revision_are_named(world: World) -> None:
    from sqlalchemy import delete, update

    from db.models import Decision, Revision
    item_id = published(world)
    digest = records.item_record(world.app, world.reviewer, item_id).digest
    with world.app.db.write() as session:
        session.execute(delete(Decision).where(Decision.item_id == item_id, Decision.kind == "approve"))
        session.execute(update(Revision).where(Revision.item_id == item_id).values(
            content={"title": "改过的标题", "department_id": 1, "catalog_code": "1", "channels": [], "formed_on":
                     "2025-09-26", "body": "", "attachments": []}))
    result = records.verify_record(world.app, world.reviewer, item_id, digest)
    whats = [d.what for d in result.differences]
    assert not result.consistent
    assert any("仅在审计记录中" in what for what in whats)
    assert any("稿件内容与其 SHA-256 不符" in what for what in whats)


def test_a_paper_printed_before_the_approval_is_an_earlier_state(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)
    svc.pass_review(app, world.reviewer, item.id, CLEAR)
    early = records.item_record(app, world.reviewer, item.id).digest
    app.clock.advance(hours=1)  # type: ignore[attr-defined]
    svc.approve(app, world.approver, item.id)
    result = records.verify_record(app, world.reviewer, item.id, early)
    assert not result.consistent
    (paper,) = [d for d in result.differences if d.where == "打印件"]
    assert "较早时的记录" in paper.what and "批准" in paper.what
    forged = records.verify_record(app, world.reviewer, item.id, "ab" * 32)
    assert any("任何时候的记录都不符" in d.what for d in forged.differences)


def test_a_digest_that_is_no_digest_is_refused(world: World) -> None:
    item_id = published(world)
    for bad in (None, "", "xyz", "0" * 63, "g" * 64):
        with pytest.raises(ValidationFailed):
            records.verify_record(world.app, world.reviewer, item_id, bad)


def test_route_steps_and_their_voters_are_rows_of_the_record(world: World) -> None:
    add_department(world.app, "bmb", "保密办")
    add_user(world.app, "bmb1", roles=["reviewer"], departments=["bmb"], password="password-123",
             display_name="保密办王老师")
    route_service.create_route(world.app, world.admin, {"name": "学生处路线", "departments": ["xsc"], "steps": [
        {"stage": "secrecy_review", "name": "部门负责人审核", "role": "reviewer", "quorum": "any"},
        {"stage": "secrecy_review", "name": "保密办复审", "role": "reviewer", "quorum": "any", "department": "bmb"},
        {"stage": "approval", "name": "分管校领导审批", "role": "approver", "quorum": "any"}]})
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)
    svc.pass_review(app, world.reviewer, item.id, CLEAR)
    bmb = world.actor("bmb1")
    svc.pass_review(app, bmb, item.id, CLEAR)
    svc.approve(app, world.approver, item.id)
    record = records.item_record(app, bmb, item.id)  # a decider of a step sees the item's internals
    assert [(e.kind, e.step) for e in record.entries] == [
        ("submit", None), ("pass_review", "部门负责人审核"), ("pass_review", "保密办复审"), ("approve", "分管校领导审批")]
    html = records.record_page(app, bmb, item.id)
    assert "保密审查 · 保密办复审" in html and "保密办王老师" in html and "审批 · 分管校领导审批" in html
    assert html.count('class="checklist"') == 2  # each secrecy-review vote carries its checklist
    assert records.verify_record(app, bmb, item.id, record.digest).consistent


def test_a_returned_draft_shows_the_return_and_its_reason(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)
    svc.return_item(app, world.reviewer, item.id, reason="请删除个人身份信息后重新提交")
    record = records.item_record(app, world.drafter, item.id)
    assert [(e.kind, e.opinion) for e in record.entries] == [("submit", None), ("return", "请删除个人身份信息后重新提交")]
    assert "请删除个人身份信息后重新提交" in records.record_page(app, world.drafter, item.id)
    assert records.verify_record(app, world.drafter, item.id, record.digest).consistent


def test_the_english_record(world: World) -> None:
    from workflow.i18n import locale_context
    item_id = published(world)
    with locale_context("en"):
        html = records.record_page(world.app, world.reviewer, item_id)
    assert "Yes" in html and "No" in html and "Not asked" in html
    assert "信息公开保密审查审批表" not in html and "审查通过" not in html


def test_no_chinese_font_means_no_pdf(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    item_id = published(world)
    monkeypatch.setattr(render, "CJK_FONT_MARK", "NoSuchFontFamily")
    with pytest.raises(RendererUnavailable) as refused:
        records.record_pdf(world.app, world.reviewer, item_id)
    assert refused.value.status == 503 and "fonts-noto-cjk" in refused.value.message


def test_the_archive_export_has_one_pdf_per_item_published_in_the_period_and_an_index(world: World) -> None:
    first = published(world, title="九月发布的事项")
    world.app.clock.advance(days=7)  # type: ignore[attr-defined]
    second = published(world, title="十月初发布的事项")
    svc.create_item(world.app, world.drafter, item_payload(title="草稿不在其中"))
    target = io.BytesIO()
    counted: list[int] = []
    summary = records.export_records(world.app, world.admin, "2025-09-01", "2025-10-31", target,
                                     on_total=counted.append, progress=counted.append)
    assert summary.count == 2 and counted == [2, 1, 1]
    with zipfile.ZipFile(target) as bundle:
        names = bundle.namelist()
        index = list(csv.reader(io.StringIO(bundle.read("index.csv").decode("utf-8-sig"))))
        pdfs = {name: bundle.read(name) for name in names if name.endswith(".pdf")}
    assert len(pdfs) == 2 and names[-1] == "index.csv"
    assert index[0][:4] == ["序号", "编号", "文件名", "信息名称"]
    assert [row[3] for row in index[1:]] == ["九月发布的事项", "十月初发布的事项"]
    for row, item_id in zip(index[1:], (first, second)):
        assert row[2] in pdfs and row[1].startswith(f"GK-{item_id}-")
        assert pdf_qr_links(pdfs[row[2]]) == [row[11]] and row[11].endswith(row[10])
        assert records.verify_record(world.app, world.admin, item_id, row[10]).consistent
    only_october = io.BytesIO()
    assert records.export_records(world.app, world.admin, "2025-10-01", "2025-10-31", only_october).count == 1


def test_the_archive_export_is_bounded_and_for_admins(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from workflow.errors import Forbidden
    published(world)
    published(world, title="第二个")
    monkeypatch.setattr(archive, "MAX_ITEMS", 1)
    with pytest.raises(ValidationFailed) as refused:
        records.export_records(world.app, world.admin, "2025-09-01", "2025-09-30", io.BytesIO())
    assert refused.value.code == "too_many_records" and "2 个" in refused.value.message
    with pytest.raises(Forbidden):
        records.export_records(world.app, world.reviewer, "2025-09-01", "2025-09-30", io.BytesIO())
    for start, end in (("2025-09-30", "2025-09-01"), ("", "2025-09-01"), ("2025-13-01", "2025-09-30"),
                       ("2025-09-01", None)):
        with pytest.raises(ValidationFailed):
            records.export_records(world.app, world.admin, start, end, io.BytesIO())
