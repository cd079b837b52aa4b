"""Which route an item takes: category+department > department > category > default; ties refused."""
from __future__ import annotations

from tests.workflow.routes.helpers import APPROVE, REVIEW, directory, person, route
from workflow.item_spec import ITEM_SPEC
from workflow.routes import check_route, default_route, resolve

DEFAULT = default_route(ITEM_SPEC)
BOTH = route(REVIEW, APPROVE, name="招生+学生处", catalog_codes=("zsks",), departments=("xsc",), route_id=1)
DEPT = route(REVIEW, APPROVE, name="学生处", departments=("xsc",), route_id=2)
CAT = route(REVIEW, APPROVE, name="招生类", catalog_codes=("zsks",), departments=(), route_id=3)
ROUTES = [CAT, DEPT, BOTH]


def test_most_specific_first() -> None:
    assert resolve(ROUTES, "xsc", "zsks", DEFAULT).name == "招生+学生处"
    assert resolve(ROUTES, "xsc", "jbxx", DEFAULT).name == "学生处"
    assert resolve(ROUTES, "jwc", "zsks", DEFAULT).name == "招生类"
    assert resolve(ROUTES, "jwc", "jbxx", DEFAULT) is DEFAULT
    assert resolve(ROUTES, "jwc", None, DEFAULT) is DEFAULT  # a reply letter has no 清单 entry


def test_inactive_routes_do_not_apply() -> None:
    assert resolve([BOTH.with_meta(active=False), DEPT], "xsc", "zsks", DEFAULT).name == "学生处"


def test_ties_are_refused_at_save_time() -> None:
    people = directory(person("d", "drafter", "xsc jwc"), person("r", "reviewer", "xsc jwc"),
                       person("a", "approver", "xsc jwc"))
    same_department = route(REVIEW, APPROVE, name="学生处二", departments=("xsc", "jwc"))
    problems = check_route(same_department, people, ROUTES)
    assert [p.code for p in problems] == ["route_tie"] and "学生处" in problems[0].text
    # more specific, or disjoint: no tie
    assert check_route(route(REVIEW, APPROVE, name="教务处", departments=("jwc",)), people, ROUTES) == []
    assert check_route(route(REVIEW, APPROVE, name="财务类+学生处", catalog_codes=("cwzc",)), people, ROUTES) == []
    # saving a route again does not tie it with itself
    assert check_route(DEPT, people, ROUTES) == []
    # an inactive route ties with nobody
    assert check_route(same_department, people, [DEPT.with_meta(active=False)]) == []
