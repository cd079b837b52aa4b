"""Secrecy pre-scan wired into the workflow: findings on submit, blocking pass_review, acceptance."""
from __future__ import annotations

import pytest

from tests.conftest import CLEAR, World, item_payload
from tests.workflow.scan.gen import resident_id, scholarship_rows, xlsx_bytes
from workflow.errors import BlockedByFindings, ValidationFailed
from workflow.services import items as svc
from workflow.services import queries
from workflow.services.attachments import add_attachment
from workflow.services.item_scan import item_findings

ID_NUMBER = resident_id()
PERSONAL = {**CLEAR, "personal_info": True}
GROUND = {"personal_info": {"ground": "legal_duty"}}  # 个人信息保护法 Art. 13(3), docs/review.md
BASIS = "《个人信息保护法》第十三条：履行法定职责所必需"


def _submitted(world: World, body: str) -> int:
    item = svc.create_item(world.app, world.drafter, item_payload(body=body, title="2025年国家奖学金获奖学生名单公示"))
    svc.submit(world.app, world.drafter, item.id)
    return item.id


def test_id_number_blocks_until_accepted_with_legal_basis(world: World) -> None:
    item_id = _submitted(world, f"张三，身份证号{ID_NUMBER}，经济管理学院2023级。")
    report = item_findings(world.app, world.reviewer, item_id)
    assert report["blocking_open"] == 1
    finding = report["findings"][0]
    assert finding["detector"] == "resident_id" and finding["acceptable"]
    assert ID_NUMBER not in str(report)  # the raw number never leaves the scanner
    with pytest.raises(BlockedByFindings) as blocked:
        svc.pass_review(world.app, world.reviewer, item_id, checklist=PERSONAL, legal_basis=BASIS, justifications=GROUND)
    assert blocked.value.status == 409 and blocked.value.details["findings"][0]["key"] == finding["key"]
    assert svc.get_item(world.app, world.reviewer, item_id).state == "secrecy_review"
    passed = svc.pass_review(world.app, world.reviewer, item_id, checklist=PERSONAL, legal_basis=BASIS,
                             justifications=GROUND,
                             payload={"accept_findings": [finding["key"]]})
    assert passed.state == "approval"
    accepted = item_findings(world.app, world.reviewer, item_id)["findings"][0]
    assert accepted["accepted"] and accepted["legal_basis"] == BASIS
    assert queries.item_history(world.app, world.admin, item_id)[-1]["data"]["legal_basis"] == BASIS


def test_accepting_needs_a_legal_basis(world: World) -> None:
    item_id = _submitted(world, f"身份证号：{ID_NUMBER}")
    key = item_findings(world.app, world.reviewer, item_id)["findings"][0]["key"]
    with pytest.raises(ValidationFailed):
        svc.pass_review(world.app, world.reviewer, item_id, checklist=CLEAR, payload={"accept_findings": [key]})


def test_classification_marking_can_never_be_accepted(world: World) -> None:
    item_id = _submitted(world, "秘密★1年\n关于2025年招生工作的内部安排")
    findings = item_findings(world.app, world.reviewer, item_id)["findings"]
    marking = [f for f in findings if f["detector"] == "classification_marking"]
    assert marking and not marking[0]["acceptable"]
    with pytest.raises(ValidationFailed) as refused:
        svc.pass_review(world.app, world.reviewer, item_id, checklist=CLEAR, legal_basis=BASIS,
                        payload={"accept_findings": [marking[0]["key"]]})
    assert refused.value.code == "finding_not_acceptable"
    assert svc.return_item(world.app, world.reviewer, item_id, reason="含密级标志，不得公开").state == "draft"


def test_spreadsheet_attachment_is_caught_cell_by_cell(world: World) -> None:
    rows, _people = scholarship_rows(5)
    item = svc.create_item(world.app, world.drafter, item_payload())
    add_attachment(world.app, world.drafter, item.id, "奖学金公示.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx_bytes({"名单": rows}))
    svc.submit(world.app, world.drafter, item.id)
    findings = item_findings(world.app, world.reviewer, item.id)["findings"]
    ids = [f for f in findings if f["detector"] == "resident_id"]
    assert len(ids) == 5 and all(f["location"] == "奖学金公示.xlsx" for f in ids)
    assert all(f["sublocation"].startswith("名单!") for f in ids)


def test_drafter_self_check_and_one_click_masking(world: World) -> None:
    from workflow.services.item_scan import apply_masking, self_check
    phone = "13812345678"
    item = svc.create_item(world.app, world.drafter, item_payload(
        title="2025年国家奖学金获奖学生名单公示", body=f"张三\t{ID_NUMBER}\t{phone}\n李四\t经济管理学院\t2023级"))
    check = self_check(world.app, world.drafter, item.id)
    assert check["blocking"] >= 1 and check["masked"] is not None
    assert ID_NUMBER not in check["masked"]["body"] and phone not in check["masked"]["body"]
    masked = apply_masking(world.app, world.drafter, item.id, expected_version=item.version)
    # a 名单公示: nothing of the ID or the phone stays (教财厅函〔2017〕28号), not even its ends
    assert check["masked"]["removed"] and masked.body == "张三\n李四\t经济管理学院\t2023级"
    assert self_check(world.app, world.drafter, item.id)["blocking"] == 0
    assert queries.item_history(world.app, world.drafter, item.id)[-1]["trigger"] == "mask"
    svc.submit(world.app, world.drafter, item.id)
    assert item_findings(world.app, world.reviewer, item.id)["blocking_open"] == 0
