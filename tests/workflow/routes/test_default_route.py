"""The default route is today's behaviour, derived from the item workflow."""
from __future__ import annotations

from tests.workflow.routes.helpers import directory, person
from workflow.guards import RoleInDepartment, StepDecider
from workflow.item_spec import ITEM_SPEC
from workflow.routes import ItemFacts, check_route_for_item, default_route, eligible


def _permission_role(trigger: str) -> str:
    # the deciding triggers' guard: the role in the item's department on the default route
    (role,) = [g.role for g in ITEM_SPEC.trigger(trigger).permission if isinstance(g, (RoleInDepartment, StepDecider))]
    return role


def test_one_reviewer_step_then_one_approver_step() -> None:
    route = default_route(ITEM_SPEC)
    assert [(s.stage, s.deciders.kind, s.deciders.role, s.quorum.to_json()) for s in route.steps] == [
        ("secrecy_review", "item_department", _permission_role("pass_review"), "any"),
        ("approval", "item_department", _permission_role("approve"), "any")]
    assert [s.name for s in route.steps] == ["保密审查", "审批"]
    assert route.is_default and route.id is None


def test_same_people_as_the_guards_allow() -> None:
    people = directory(person("reviewer", "reviewer", "xsc"), person("approver", "approver", "xsc"),
                       person("other_reviewer", "reviewer", "jwc"), person("uni", "reviewer approver", all_departments=True))
    review, approve = default_route(ITEM_SPEC).steps
    assert eligible(review, "xsc", people) == ("reviewer", "uni")
    assert eligible(approve, "xsc", people) == ("approver", "uni")


def test_today_one_person_cannot_review_and_approve() -> None:
    # today: the approver may not be the reviewer (guards.not_the_reviewer); the route says the same
    only_one = directory(person("uni", "reviewer approver", "xsc"), person("d", "drafter", "xsc"))
    problems = check_route_for_item(default_route(ITEM_SPEC), ItemFacts("xsc", author="d"), only_one)
    assert [p.code for p in problems] == ["needed_elsewhere"] and problems[0].step == 2
