"""The checklist as the law has it, over HTTP: the API's description and field, the review form, the history."""
from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from tests.conftest import CLEAR, World, item_payload
from web.ui.actions import form_inputs
from workflow import checklist
from workflow.item_spec import ITEM_SPEC
from workflow.services import attachments
from workflow.services import items as svc

ASSESSMENT = {"purpose_necessity": "依规定公示资助名单", "impact_risks": "家庭经济状况外泄",
              "protective_measures": "证件号脱敏、公示期满撤下"}


def _submitted(world: World, with_attachment: bool = False) -> tuple[int, int | None]:
    item = svc.create_item(world.app, world.drafter, item_payload())
    attachment_id = attachments.add_attachment(world.app, world.drafter, item.id, "权利人同意书.txt", "text/plain",
                                               "同意公开".encode()).id if with_attachment else None
    svc.submit(world.app, world.drafter, item.id)
    return item.id, attachment_id


def _fill(question: dict, attachment_id: int | None) -> dict:
    """What a client fills in for a "yes", read off the question's description alone."""
    values = {"reason": "经研究，依法公开", "document_number": "校发〔2025〕3号", "document_date": "2025-09-01",
              "evidence_attachment_id": attachment_id}
    entry: dict = {}
    rule = question["requires"][0]
    fields = list(rule["fields"])
    if rule.get("grounds"):
        ground = rule["grounds"][0]
        entry["ground"] = ground["ground"]
        fields += ground["fields"]
    for path in fields:
        parts = path.split(".")
        if parts[0] != "justifications" or parts[2] == "ground":
            continue
        if parts[2] == "assessment":
            entry.setdefault("assessment", {})[parts[3]] = ASSESSMENT[parts[3]]
        else:
            entry[parts[2]] = values[parts[2]]
    return entry


def test_a_client_built_from_the_description_passes_every_non_blocking_yes(api, world: World) -> None:
    questions = api("reviewer").get("/api/v1/checklist").json
    item_id, attachment_id = _submitted(world, with_attachment=True)
    answers = {q["key"]: not q["blocks_on"] for q in questions}
    justifications = {q["key"]: _fill(q, attachment_id) for q in questions
                      if not q["blocks_on"] and any(f.startswith("justifications.") for f in q["requires"][0]["fields"])}
    implied = {key: value for q in questions for rule in q["requires"] for key, value in rule.get("answers", {}).items()}
    response = api("reviewer").post(f"/api/v1/items/{item_id}/transitions", json={
        "trigger": "pass_review", "checklist": {**answers, **implied}, "legal_basis": "《高等学校信息公开办法》第七条",
        "justifications": justifications})
    assert response.status_code == 200, response.json
    assert response.json["state"] == "approval"


def test_the_description_names_sources_and_new_questions_may_be_absent(api) -> None:
    questions = {q["key"]: q for q in api("reviewer").get("/api/v1/checklist").json}
    assert questions["prior_approval"]["question"] == "是否依法需要事先批准"
    assert questions["prior_approval"]["required"] is False
    assert questions["prior_approval"]["requires"] == [{"when": True, "fields": [
        "justifications.prior_approval.document_number", "justifications.prior_approval.document_date"]}]
    assert questions["commercial_secret"]["blocks_on"] is None and "第十五条" in questions["commercial_secret"]["source"]
    assert [g["ground"] for g in questions["commercial_secret"]["requires"][0]["grounds"]] == ["consent", "public_interest"]
    assert questions["sensitive_personal_info"]["requires"][0]["answers"] == {"personal_info": True}
    english = {q["key"]: q for q in api("reviewer").get("/api/v1/checklist?lang=en").json}
    assert not re.search("[\u4e00-\u9fff]", english["prior_approval"]["question"])


def test_bad_justifications_are_4xx_with_a_chinese_message_and_change_nothing(api, world: World) -> None:
    item_id, _ = _submitted(world)
    path = f"/api/v1/items/{item_id}/transitions"
    for justifications in ("x", [], {"undecided": []}, {"undecided": {"ground": "publicity", "reason": "长" * 5000}},
                           {"undecided": {"ground": {"a": 1}}}, {"prior_approval": {"document_date": 20250901}},
                           {"undecided": {"ground": "publicity", "reason": "\x00"}}):
        response = api("reviewer").post(path, json={"trigger": "pass_review", "checklist": {
            **CLEAR, "undecided": True}, "justifications": justifications})
        assert response.status_code in (400, 422), (justifications, response.status_code)  # NUL: the input guard
        assert re.search("[\u4e00-\u9fff]", response.json["message"])
    english = api("reviewer").post(path, json={"trigger": "pass_review", "checklist": {**CLEAR, "undecided": True}},
                                   headers={"Accept-Language": "en"})
    assert english.status_code == 422 and not re.search("[\u4e00-\u9fff]", english.json["message"])
    assert api("reviewer").get(f"/api/v1/items/{item_id}").json["state"] == "secrecy_review"


def test_the_openapi_document_describes_justifications_from_the_declarations(api) -> None:
    document = api("reviewer").get("/api/v1/openapi.json").json
    field = document["components"]["schemas"]["Transition"]["properties"]["justifications"]
    assert set(field["properties"]) == {q.key for q in checklist.QUESTIONS if q.needs_justification}
    assert field["properties"]["commercial_secret"]["properties"]["ground"]["enum"] == ["consent", "public_interest"]
    assert set(field["properties"]["sensitive_personal_info"]["properties"]["assessment"]["required"]) == {
        "purpose_necessity", "impact_risks", "protective_measures"}


def test_the_form_reads_only_the_particulars_of_yes_answers_and_chosen_grounds() -> None:
    pass_review = ITEM_SPEC.trigger("pass_review")
    form = MultiDict([
        ("q_commercial_secret", "yes"), ("j_commercial_secret_ground", "public_interest"),
        ("j_commercial_secret_reason", " 涉及公共利益 "), ("j_commercial_secret_evidence_attachment_id", "7"),
        ("q_undecided", "no"), ("j_undecided_ground", "publicity"), ("j_undecided_reason", "公示"),
        ("q_sensitive_personal_info", "yes"), ("j_sensitive_personal_info_assessment_purpose_necessity", "目的"),
        ("j_sensitive_personal_info_assessment_impact_risks", ""),
        ("q_prior_approval", "yes"), ("j_prior_approval_document_number", "校发〔2025〕3号"),
        ("j_prior_approval_document_date", "2025-09-01")])
    assert form_inputs(pass_review, form)["justifications"] == {
        "commercial_secret": {"ground": "public_interest", "reason": "涉及公共利益"},
        "sensitive_personal_info": {"assessment": {"purpose_necessity": "目的"}},
        "prior_approval": {"document_number": "校发〔2025〕3号", "document_date": "2025-09-01"}}


def test_the_review_form_asks_the_new_questions_and_the_conditional_inputs(as_user, world: World) -> None:
    item_id, attachment_id = _submitted(world, with_attachment=True)
    page = as_user("reviewer").get(f"/items/{item_id}").get_data(as_text=True)
    for question in checklist.QUESTIONS:
        assert f'name="q_{question.key}"' in page
    assert "是否依法需要事先批准" in page and "是否涉及敏感个人信息" in page
    assert 'name="j_commercial_secret_ground"' in page and 'value="public_interest"' in page
    assert 'name="j_prior_approval_document_date"' in page and 'type="date"' in page
    assert 'name="j_sensitive_personal_info_assessment_impact_risks"' in page
    assert f'<option value="{attachment_id}" >权利人同意书.txt</option>' in page
    assert "（选择“权利人同意公开”时填写）" in page
    assert "snake_case" not in page and "evidence_attachment_id" not in page.split('name="j_')[0]


def test_a_pass_through_the_form_records_the_grounds_and_the_history_shows_them(as_user, world: World) -> None:
    item_id, attachment_id = _submitted(world, with_attachment=True)
    reviewer = as_user("reviewer")
    form = {f"q_{key}": "no" for key in checklist.KEYS}
    form.update({"q_commercial_secret": "yes", "j_commercial_secret_ground": "consent",
                 "j_commercial_secret_evidence_attachment_id": str(attachment_id),
                 "q_prior_approval": "yes", "j_prior_approval_document_number": "校发〔2025〕3号"})
    refused = reviewer.post(f"/items/{item_id}/do/pass_review", data=form)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "请填写“事先批准”的批准日期" in page
    assert 'value="校发〔2025〕3号"' in page   # what was typed is kept
    form["j_prior_approval_document_date"] = "2025-09-01"
    assert reviewer.post(f"/items/{item_id}/do/pass_review", data=form).status_code == 302
    page = reviewer.get(f"/items/{item_id}").get_data(as_text=True)
    grounds = page[page.index('class="review-grounds'):]
    grounds = grounds[:grounds.index("</ul>")]
    assert "商业秘密" in grounds and "权利人同意公开" in grounds and "权利人同意书.txt" in grounds
    assert "《政府信息公开条例》第十五条" in grounds
    assert "校发〔2025〕3号" in grounds and "2025年9月1日" in grounds
    assert "consent" not in grounds and "2025-09-01" not in grounds


def test_the_history_says_which_questions_an_old_client_did_not_ask(as_user, api, world: World) -> None:
    item_id, _ = _submitted(world)
    assert api("reviewer").post(f"/api/v1/items/{item_id}/transitions",
                                json={"trigger": "pass_review", "checklist": CLEAR}).status_code == 200
    page = as_user("reviewer").get(f"/items/{item_id}").get_data(as_text=True)
    assert "未询问" in page and "是否依法需要事先批准" in page[page.index('class="review-grounds'):]
