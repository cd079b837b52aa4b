"""Opinions and 常用意见 over the API and on the pages (issue 14), on both databases."""
from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from tests.conftest import CLEAR, World, item_payload
from workflow.services import items as svc
from workflow.services import phrases
from workflow.services import routes as route_service

REVIEW_FORM = {f"q_{key}": "no" for key in CLEAR}


def _fire(api, user: str, item_id: int, trigger: str, **fields: Any):
    return api(user).post(f"/api/v1/items/{item_id}/transitions", json={"trigger": trigger, **fields})


def _put(api, user: str | None, body: Any):
    caller = api(user)
    return caller.client.put("/api/v1/me/phrases", json=body, headers=caller.headers)


def _in_review(world: World) -> int:
    item = svc.create_item(world.app, world.drafter, item_payload())
    svc.submit(world.app, world.drafter, item.id)
    return item.id


def _textarea(page: str, element_id: str) -> str:
    found = re.search(rf'<textarea[^>]*id="{element_id}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, element_id
    return unescape(found.group(1))


# -- the API -------------------------------------------------------------------------------------------------

def test_opinions_over_the_api_in_the_route_and_the_history(api, world: World) -> None:
    item_id = _in_review(world)
    passed = _fire(api, "reviewer", item_id, "pass_review", checklist=CLEAR, opinion="同意公开")
    assert passed.status_code == 200, passed.get_json()
    review = passed.get_json()["route"]["steps"][0]
    assert [(v["user"], v["opinion"]) for v in review["votes"]] == [("reviewer", "同意公开")]
    rejected = _fire(api, "approver", item_id, "reject", opinion="请按审查意见修改后重新提交")
    assert rejected.status_code == 200 and rejected.get_json()["state"] == "draft"
    history = api("drafter").get(f"/api/v1/items/{item_id}/history").get_json()
    assert [(e["trigger"], e["data"].get("opinion")) for e in history[-2:]] == \
        [("pass_review", "同意公开"), ("reject", "请按审查意见修改后重新提交")]
    assert history[-1]["reason"] == "请按审查意见修改后重新提交"   # the reason is the opinion


@pytest.mark.parametrize(("fields", "status", "code", "words"), [
    ({}, 422, "reason_required", "请填写审查意见"),
    ({"opinion": "请补充\x07法律依据"}, 422, "invalid_value", "审查意见含有不允许的控制字符"),
    ({"reason": "同意\x1b[0m"}, 422, "invalid_value", "审查意见含有不允许的控制字符"),
    ({"reason": "同意\x00"}, 400, "bad_character", "NUL"),   # NUL: refused with the body, before any field
    ({"opinion": "长" * 2001}, 422, "too_long", "审查意见过长（最多 2000 个字符）"),
    ({"reason": "请补充法律依据", "opinion": "同意公开"}, 422, "conflicting_fields", "请只填写一项"),
])
def test_a_refused_opinion_over_the_api_changes_nothing(api, world: World, fields: dict[str, Any], status: int,
                                                        code: str, words: str) -> None:
    item_id = _in_review(world)
    before = api("reviewer").get(f"/api/v1/items/{item_id}").get_json()
    history = api("reviewer").get(f"/api/v1/items/{item_id}/history").get_json()
    refused = _fire(api, "reviewer", item_id, "return", **fields)
    assert refused.status_code == status
    assert refused.get_json()["error"] == code and words in refused.get_json()["message"]
    after = api("reviewer").get(f"/api/v1/items/{item_id}").get_json()
    assert (after["state"], after["version"]) == (before["state"], before["version"]) == ("secrecy_review",
                                                                                           before["version"])
    assert api("reviewer").get(f"/api/v1/items/{item_id}/history").get_json() == history


def test_the_openapi_transition_schema_declares_the_opinion(api) -> None:
    document = api(None).get("/api/v1/openapi.json").get_json()
    opinion = document["components"]["schemas"]["Transition"]["properties"]["opinion"]
    assert opinion["anyOf"][0]["maxLength"] == 2000
    assert "pass_review" in opinion["description"] and "same input as `reason`" in opinion["description"]
    assert set(document["paths"]["/api/v1/me/phrases"]) == {"get", "put"}


def test_phrases_over_the_api_are_each_users_own(api, world: World) -> None:
    assert api(None).get("/api/v1/me/phrases").status_code == 401
    assert _put(api, None, {"return": ["x"]}).status_code == 401
    built_in = api("reviewer").get("/api/v1/me/phrases").get_json()
    assert "同意公开" in built_in["pass_review"] and "请补充法律依据" in built_in["return"]
    saved = _put(api, "reviewer", {"return": ["请补充学生本人书面同意", "请补充法律依据"]})
    assert saved.status_code == 200
    assert saved.get_json()["return"] == ["请补充学生本人书面同意", "请补充法律依据"]
    assert api("reviewer").get("/api/v1/me/phrases").get_json()["return"] == ["请补充学生本人书面同意", "请补充法律依据"]
    assert api("all_rounder").get("/api/v1/me/phrases").get_json() == built_in   # another user: untouched
    assert _put(api, "reviewer", {"return": None}).get_json()["return"] == built_in["return"]


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"publish": ["发布"]}, 422, "unknown_field"), (["同意"], 400, "malformed_json"),
    ({"return": ["a\nb"]}, 422, "invalid_value"), ({"return": ["长" * 201]}, 422, "too_long"),
    ({"approve": "同意"}, 422, "invalid_type"), ({"pass_review": ["同意"], "return": [""]}, 422, "missing_field"),
])
def test_bad_phrases_over_the_api_are_refused_and_change_nothing(api, world: World, body: Any, status: int,
                                                                code: str) -> None:
    before = api("reviewer").get("/api/v1/me/phrases").get_json()
    refused = _put(api, "reviewer", body)
    assert refused.status_code == status and refused.get_json()["error"] == code
    assert api("reviewer").get("/api/v1/me/phrases").get_json() == before


# -- the item page -------------------------------------------------------------------------------------------

def test_the_review_forms_offer_the_users_phrases(as_user, world: World) -> None:
    item_id = _in_review(world)
    phrases.add_phrase(world.app, world.reviewer, "pass_review", "同意，已核对奖学金名单")
    page = as_user("reviewer").get(f"/items/{item_id}").get_data(as_text=True)
    assert 'id="return-reason-phrases"' in page and 'id="pass_review-opinion-phrases"' in page
    assert f'formaction="/items/{item_id}/phrase/return"' in page
    assert 'value="请删除个人身份信息后重新提交"' in page and 'value="同意，已核对奖学金名单"' in page
    assert 'maxlength="2000"' in page and "js/phrases.js" in page
    # another reviewer of the department is offered the built-in phrases, not the reviewer's own
    other = as_user("all_rounder").get(f"/items/{item_id}").get_data(as_text=True)
    assert 'value="同意公开"' in other and "同意，已核对奖学金名单" not in other
    # the drafter decides nothing here: no opinion box, no phrases, no script
    drafter = as_user("drafter").get(f"/items/{item_id}").get_data(as_text=True)
    assert "-phrases" not in drafter and "js/phrases.js" not in drafter


def test_a_phrase_fills_the_box_without_javascript(as_user, world: World) -> None:
    item_id = _in_review(world)
    reviewer = as_user("reviewer")
    shown = reviewer.post(f"/items/{item_id}/phrase/return", data={"reason": "附件二第3行  ", "version": "2",
                                                                   "phrase": "请删除个人身份信息后重新提交"})
    assert shown.status_code == 200
    page = shown.get_data(as_text=True)
    assert _textarea(page, "return-reason") == "附件二第3行\n请删除个人身份信息后重新提交"
    empty = reviewer.post(f"/items/{item_id}/phrase/pass_review", data={**REVIEW_FORM, "phrase": "同意公开"})
    filled = empty.get_data(as_text=True)
    assert _textarea(filled, "pass_review-opinion") == "同意公开"
    assert 'id="q_state_secret_no" value="no" required checked' in filled   # the answers given are kept
    # Enter in a text box sends the decision, not the first chip: the form's first submit button is the action's
    form = filled[filled.index('id="pass_review-form"'):]
    first = re.search(r"<button[^>]*>", form).group()
    assert 'type="submit"' in first and "formaction" not in first
    assert reviewer.post(f"/items/{item_id}/phrase/submit", data={"phrase": "x"}).status_code == 404
    assert svc.get_item(world.app, world.reviewer, item_id).state == "secrecy_review"   # nothing was decided


def test_the_history_shows_each_decisions_opinion(as_user, world: World) -> None:
    item_id = _in_review(world)
    reviewer = as_user("reviewer")
    returned = reviewer.post(f"/items/{item_id}/do/return", data={"reason": "请补充法律依据"})
    assert returned.status_code == 302
    svc.submit(world.app, world.drafter, item_id)
    passed = reviewer.post(f"/items/{item_id}/do/pass_review", data={**REVIEW_FORM, "opinion": "同意公开\n已脱敏"})
    assert passed.status_code == 302, passed.get_data(as_text=True)[:300]
    page = as_user("drafter").get(f"/items/{item_id}").get_data(as_text=True)
    opinions = [unescape(text) for text in re.findall(r'class="alert [^"]*opinion">(.*?)</div>', page, re.S)]
    assert opinions == ["审查意见：同意公开\n已脱敏", "审查意见：请补充法律依据"]   # newest first
    assert "理由：请补充法律依据" not in page   # one text, shown once


def test_a_refused_opinion_on_the_page_keeps_what_was_typed(as_user, world: World) -> None:
    item_id = _in_review(world)
    refused = as_user("reviewer").post(f"/items/{item_id}/do/pass_review",
                                       data={**REVIEW_FORM, "opinion": "长" * 2001})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "审查意见过长（最多 2000 个字符）" in page and _textarea(page, "pass_review-opinion") == "长" * 2001
    assert svc.get_item(world.app, world.reviewer, item_id).state == "secrecy_review"


def test_the_route_card_shows_each_vote_with_its_opinion(as_user, world: World) -> None:
    route_service.create_route(world.app, world.admin, {"name": "两级审核", "departments": ["xsc"], "steps": [
        {"stage": "secrecy_review", "name": "部门负责人审核", "role": "reviewer", "quorum": "any"},
        {"stage": "secrecy_review", "name": "分管领导复核", "role": "reviewer", "quorum": "any"},
        {"stage": "approval", "name": "审批", "role": "approver", "quorum": "any"}]})
    item_id = _in_review(world)
    svc.transition(world.app, world.reviewer, item_id, "pass_review", {"checklist": CLEAR, "opinion": "初审同意"})
    page = as_user("drafter").get(f"/items/{item_id}").get_data(as_text=True)
    card = page[page.index('id="route"'):page.index("办理记录")]
    assert re.search(r'route-vote">reviewer · 审查通过 · \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d', card)
    assert '<div class="vote-opinion text-body body-text">审查意见：初审同意</div>' in card


# -- the settings page ---------------------------------------------------------------------------------------

def test_the_settings_page_manages_ones_own_phrases(as_user, world: World) -> None:
    reviewer = as_user("reviewer")
    page = reviewer.get("/settings").get_data(as_text=True)
    assert 'id="phrases-pass_review"' in page and 'id="phrases-return"' in page
    assert 'id="phrases-approve"' not in page   # a reviewer takes no approval decisions
    added = reviewer.post("/settings/phrases/return/add", data={"phrase": " 请补充学生本人书面同意 "})
    assert added.status_code == 302 and added.headers["Location"].endswith("/settings#phrases")
    assert phrases.my_phrases(world.app, world.reviewer)["return"][-1] == "请补充学生本人书面同意"
    page = reviewer.get("/settings").get_data(as_text=True)
    assert "请补充学生本人书面同意" in page and 'id="btn-reset-phrases-return"' in page
    assert reviewer.post("/settings/phrases/return/remove", data={"phrase": "请补充法律依据"}).status_code == 302
    assert "请补充法律依据" not in phrases.my_phrases(world.app, world.reviewer)["return"]
    assert reviewer.post("/settings/phrases/return/reset").status_code == 302
    assert "请补充法律依据" in phrases.my_phrases(world.app, world.reviewer)["return"]
    assert reviewer.post("/settings/phrases/submit/add", data={"phrase": "x"}).status_code == 404
    assert "请补充学生本人书面同意" not in as_user("all_rounder").get("/settings").get_data(as_text=True)


def test_a_refused_phrase_on_the_settings_page_is_kept_with_the_reason(as_user, world: World) -> None:
    approver = as_user("approver")
    refused = approver.post("/settings/phrases/approve/add", data={"phrase": "长" * 201})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "常用意见过长（最多 200 个字符）" in page and 'value="' + "长" * 201 + '"' in page
    repeated = approver.post("/settings/phrases/approve/add", data={"phrase": "同意公开"})
    assert repeated.status_code == 422 and "已在常用意见中" in repeated.get_data(as_text=True)
    assert approver.post("/settings/phrases/approve/remove", data={"phrase": "没有这条"}).status_code == 404
    drafter = as_user("drafter").get("/settings").get_data(as_text=True)
    assert 'id="phrases"' not in drafter   # a drafter decides nothing: no phrases to keep
