"""A trigger added to a copy of the item spec is offered everywhere with no other change (issue 11).

The instance runs ``ITEM_SPEC.with_trigger(recheck)`` (the ``item_spec`` fixture of tests/conftest.py,
overridden here): an approver may send an item in approval back to secrecy review with a reason. Nothing
else in the code knows of ``recheck``; the item page offers its button and reason box, the API fires it
(and asks for the reason), the diagram, /help and the OpenAPI document show it, and the approvers' task
list counts it as a decision the approval stage waits for.
"""
from __future__ import annotations

import dataclasses
import re

import pytest

from tests.conftest import CLEAR, World, item_payload
from workflow import guards
from workflow.access import APPROVER
from workflow.i18n import N_
from workflow.item_spec import ITEM_SPEC, REASON, ItemState
from workflow.services import items as svc
from workflow.services import queries
from workflow.spec import TriggerSpec, WorkflowSpec

RECHECK = TriggerSpec("recheck", N_("提请复核"), (ItemState.APPROVAL,), ItemState.SECRECY_REVIEW,
                      permission=(guards.role_in_department(APPROVER),), fields=(REASON.mandatory(),),
                      awaited_by=APPROVER, style="warning")
VARIANT = ITEM_SPEC.with_trigger(RECHECK)


@pytest.fixture
def item_spec() -> WorkflowSpec:
    """This module's instances run the variant."""
    return VARIANT


def _in_approval(world: World, *, helper: bool = False) -> int:
    """An item waiting for approval; with ``helper`` the all-rounder (who also approves) edited it."""
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    if helper:
        svc.update_item(app, world.all_rounder, item.id, {"body": "经评审，现将结果公布如下（已核对）。"})
    svc.submit(app, world.drafter, item.id)
    svc.pass_review(app, world.reviewer, item.id, checklist=CLEAR)
    assert svc.get_item(app, world.admin, item.id).state == "approval"
    return item.id


def test_the_instance_runs_the_variant_and_the_original_is_untouched(world: World) -> None:
    assert world.app.item_spec is VARIANT
    assert "recheck" in VARIANT.triggers and "recheck" not in ITEM_SPEC.triggers


def test_item_page_offers_the_button_with_a_reason_box(as_user, world: World) -> None:
    item_id = _in_approval(world)
    approver = as_user("approver")
    page = approver.get(f"/items/{item_id}").get_data(as_text=True)
    assert 'id="btn-recheck"' in page and "提请复核" in page
    assert 'action="/items/%d/do/recheck"' % item_id in page
    box = re.search(r'<textarea[^>]*id="recheck-reason"[^>]*>', page)    # a multi-line reason box, required
    assert box and 'name="reason"' in box.group() and "required" in box.group()
    assert "btn-recheck" not in as_user("drafter").get(f"/items/{item_id}").get_data(as_text=True)

    refused = approver.post(f"/items/{item_id}/do/recheck", data={"reason": "  "})
    assert refused.status_code == 422 and "请填写理由" in refused.get_data(as_text=True)
    assert svc.get_item(world.app, world.admin, item_id).state == "approval"
    done = approver.post(f"/items/{item_id}/do/recheck", data={"reason": "请复核第三段的学号"})
    assert done.status_code == 302
    assert svc.get_item(world.app, world.admin, item_id).state == "secrecy_review"
    history = approver.get(f"/items/{item_id}").get_data(as_text=True)
    assert "请复核第三段的学号" in history and "提请复核" in history


def test_api_fires_it_and_asks_for_the_reason(api, world: World) -> None:
    item_id = _in_approval(world)
    path = f"/api/v1/items/{item_id}/transitions"
    missing = api("approver").post(path, json={"trigger": "recheck"})
    assert missing.status_code == 422 and missing.get_json()["error"] == "reason_required"
    assert api("reviewer").post(path, json={"trigger": "recheck", "reason": "复核"}).status_code == 403
    moved = api("approver").post(path, json={"trigger": "recheck", "reason": "请复核第三段的学号"})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["state"] == "secrecy_review"
    last = api("approver").get(f"/api/v1/items/{item_id}/history").get_json()[-1]
    assert (last["trigger"], last["from"], last["to"], last["reason"]) == \
        ("recheck", "approval", "secrecy_review", "请复核第三段的学号")


def test_diagram_help_and_openapi_show_it(as_user, api, world: World) -> None:
    item_id = _in_approval(world)
    help_page = as_user("approver").get("/help").get_data(as_text=True)
    svg = help_page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "提请复核" in svg                                    # the diagram's edge approval → secrecy_review
    assert "提请复核" in help_page.split("</svg>", 1)[1]          # the table of transitions
    assert "提请复核" in as_user("approver").get(f"/items/{item_id}").get_data(as_text=True).split("<svg", 1)[1]
    doc = api(None).get("/api/v1/openapi.json").get_json()
    transition = doc["components"]["schemas"]["Transition"]["properties"]
    assert "recheck" in transition["trigger"]["enum"]
    assert "recheck (required)" in transition["reason"]["description"]


def test_task_list_offers_it_to_an_approver_who_could_not_otherwise_act(api, world: World) -> None:
    # The all-rounder edited the draft: a contributor may not approve it (separation of duties), and
    # ``reject`` is not a decision the stage waits for, so under ITEM_SPEC it is not their task.
    item_id = _in_approval(world, helper=True)
    original = dataclasses.replace(world.app, item_spec=None)
    assert item_id not in [i.id for i in queries.my_tasks(original, world.all_rounder).items]
    # Under the variant the stage also awaits ``recheck``, which the all-rounder may fire.
    assert item_id in [i.id for i in queries.my_tasks(world.app, world.all_rounder).items]
    assert item_id in [t["id"] for t in api("all_rounder").get("/api/v1/tasks").get_json()["items"]]
    assert item_id in [t["id"] for t in api("approver").get("/api/v1/tasks").get_json()["items"]]
    refused = api("all_rounder").post(f"/api/v1/items/{item_id}/transitions", json={"trigger": "approve"})
    assert refused.status_code == 403
