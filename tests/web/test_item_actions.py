"""The item page's actions from the spec (web/ui/actions.py): grouping and reading a posted form."""
from __future__ import annotations

from datetime import datetime

from werkzeug.datastructures import MultiDict

from tests.conftest import CLEAR, World, item_payload
from web.ui.actions import action_panel, form_inputs
from workflow.access import APPROVER, DRAFTER, REVIEWER, Actor
from workflow.clock import SHANGHAI
from workflow.item_context import ItemContext
from workflow.item_spec import ITEM_SPEC
from workflow.services import items as svc

NOW = datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI)
DEPT = 1


def _person(uid: int, *roles: str) -> Actor:
    return Actor(id=uid, username=f"u{uid}", roles=frozenset(roles), department_ids=frozenset({DEPT}))


def _panel(state: str, actor: Actor, **people: int):
    context = ItemContext(actor=actor, department_id=DEPT, now=NOW, **people)
    return action_panel(ITEM_SPEC, actor, state, DEPT, ITEM_SPEC.actions(state, context))


def test_reading_a_form_by_the_declared_fields() -> None:
    pass_review = ITEM_SPEC.trigger("pass_review")
    form = MultiDict([("q_state_secret", "no"), ("q_personal_info", "yes"), ("q_sensitive", "maybe"),
                      ("legal_basis", "  《高等学校信息公开办法》第七条 "), ("accept_findings", "a1"),
                      ("accept_findings", "b2"), ("reason", "not declared"), ("csrf_token", "x"), ("version", "3")])
    assert form_inputs(pass_review, form) == {
        "checklist": {"state_secret": False, "personal_info": True},   # an answer other than yes/no is no answer
        "legal_basis": "《高等学校信息公开办法》第七条", "accept_findings": ["a1", "b2"]}
    assert form_inputs(pass_review, MultiDict()) == {"checklist": {}}
    assert form_inputs(ITEM_SPEC.trigger("approve"), MultiDict([("publish_at", "")])) == {}   # keeps the item's own
    assert form_inputs(ITEM_SPEC.trigger("approve"), MultiDict([("publish_at", "2025-10-01T09:00")])) == \
        {"publish_at": "2025-10-01T09:00"}
    assert form_inputs(ITEM_SPEC.trigger("return"), MultiDict([("reason", " \n ")])) == {}
    assert form_inputs(ITEM_SPEC.trigger("submit"), MultiDict([("reason", "x")])) == {}


def test_grouping_buttons_forms_and_separation_of_duties() -> None:
    drafter = _panel("draft", _person(1, DRAFTER))
    assert [a.name for a in drafter.buttons] == ["submit"] and drafter.forms == () and not drafter.shows_findings

    reviewer = _panel("secrecy_review", _person(2, REVIEWER), author_id=1, submitted_by_id=1)
    assert [a.name for a in reviewer.forms] == ["pass_review", "return", "refer"] and reviewer.buttons == ()
    assert reviewer.refused == () and reviewer.shows_findings
    assert (reviewer.findings_action, reviewer.findings_field) == ("pass_review", "accept_findings")

    author = _panel("secrecy_review", _person(1, DRAFTER, REVIEWER), author_id=1, submitted_by_id=1)
    assert [a.name for a in author.forms] == ["withdraw", "return", "refer"]  # referring adds scrutiny
    assert author.refused == (ITEM_SPEC.trigger("pass_review").label,) and author.findings_action is None
    assert author.shows_findings   # a reviewer who may only return still sees what the scan found

    approver = _panel("approval", _person(3, APPROVER), author_id=1, submitted_by_id=1, reviewed_by_id=3)
    assert [a.name for a in approver.forms] == ["reject"] and approver.refused == (ITEM_SPEC.trigger("approve").label,)
    assert not approver.shows_findings


def test_page_says_why_a_decision_is_missing(as_user, world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.all_rounder, item_payload())
    svc.submit(app, world.all_rounder, item.id)
    page = as_user("all_rounder").get(f"/items/{item.id}").get_data(as_text=True)
    assert "职责分离" in page and "不能审查通过" in page
    assert 'id="return-reason"' in page and 'id="btn-pass_review"' not in page
    svc.pass_review(app, world.reviewer, item.id, checklist=CLEAR)
    page = as_user("approver").get(f"/items/{item.id}").get_data(as_text=True)
    assert 'id="btn-approve"' in page and 'id="approve-publish_at"' in page and 'type="datetime-local"' in page
    assert 'id="reject-reason"' in page and "职责分离" not in page
    assert page.index('id="btn-approve"') < page.index('id="btn-reject"')
