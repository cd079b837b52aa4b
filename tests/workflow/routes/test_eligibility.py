"""Who may decide each step, and whether every step reaches its quorum with distinct people."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from tests.workflow.routes.helpers import APPROVE, REVIEW, directory, person, route, step
from workflow.i18n import locale_context
from workflow.routes import ItemFacts, analyse, check_route, check_route_for_item, eligible

PEOPLE = directory(
    person("d", "drafter", "xsc"), person("head", "reviewer", "xsc"), person("r2", "reviewer", "xsc"),
    person("bm1", "reviewer", "bmb"), person("bm2", "reviewer", "bmb"),
    person("zs", "approver", "zsjyc"), person("cw", "approver", "cwc"), person("leader", "approver", "xsc"),
    person("uni", "reviewer", all_departments=True))

ZHAOSHENG = route(
    step("secrecy_review", "部门负责人审核", "reviewer"),
    step("secrecy_review", "保密办复审", "reviewer", department="bmb"),
    step("approval", "招生就业处、财务处会签", "approver", quorum="all", users=["zs", "cw"]),
    step("approval", "分管校领导审批", "approver"),
    name="招生类信息", catalog_codes=("zsks",))


def test_three_kinds_of_deciders() -> None:
    head, bmb, countersign, leader = ZHAOSHENG.steps
    assert eligible(head, "xsc", PEOPLE) == ("head", "r2", "uni")
    assert eligible(bmb, "xsc", PEOPLE) == ("bm1", "bm2", "uni")
    assert eligible(countersign, "xsc", PEOPLE) == ("zs", "cw")  # directory order
    assert eligible(leader, "xsc", PEOPLE) == ("leader",)


def test_a_workable_route_saves_and_submits() -> None:
    assert check_route(ZHAOSHENG, PEOPLE) == []
    assert check_route_for_item(ZHAOSHENG, ItemFacts("xsc", "zsks", author="d", submitter="d"), PEOPLE) == []


def test_nobody_decides_two_steps() -> None:
    reach = analyse(ZHAOSHENG, "xsc", PEOPLE)
    assigned = [p for s in reach for p in s.assigned]
    assert len(assigned) == len(set(assigned)) == 1 + 1 + 2 + 1


def test_author_and_contributors_never_vote() -> None:
    # the department's reviewers wrote the item: only the university-wide reviewer is left for two steps
    item = ItemFacts("xsc", "zsks", author="head", submitter="head", contributors=frozenset({"r2"}))
    # uni takes 部门负责人审核; 保密办 still has bm1 and bm2
    assert check_route_for_item(ZHAOSHENG, item, PEOPLE) == []
    item = ItemFacts("xsc", "zsks", author="head", contributors=frozenset({"r2", "bm1", "bm2"}))
    (problem,) = check_route_for_item(ZHAOSHENG, item, PEOPLE)
    assert problem.code == "needed_elsewhere" and problem.step == 2
    assert "部门负责人审核" in problem.text and "每人只能决定一次" in problem.text


def test_too_few_eligible() -> None:
    item = ItemFacts("xsc", "zsks", author="d", contributors=frozenset({"zs"}))
    (problem,) = check_route_for_item(ZHAOSHENG, item, PEOPLE)
    assert problem.code == "too_few_eligible" and problem.step == 3
    assert "需要 2 人决定" in problem.text and "只有 1 人" in problem.text  # "all" still means both of them
    with locale_context("en"):
        assert "步骤" not in problem.text


def test_two_of_three_countersign() -> None:
    two_of_three = route(REVIEW, step("approval", "会签", "approver", quorum=2, users=["zs", "cw", "leader"]),
                         APPROVE)
    # the final approval needs leader (the only approver of xsc): the 会签 takes zs and cw
    assert check_route(two_of_three, PEOPLE) == []
    three = route(REVIEW, step("approval", "会签", "approver", quorum=3, users=["zs", "cw", "leader"]), APPROVE)
    (problem,) = check_route(three, PEOPLE)
    assert problem.code == "needed_elsewhere" and problem.step == 3 and problem.department == "xsc"


def test_rearranges_earlier_steps_when_needed() -> None:
    # greedy "first eligible" would give uni to step 1 and leave step 2 empty; the matching moves uni
    people = directory(person("d", "drafter", "xsc"), person("uni", "reviewer", all_departments=True),
                       person("head", "reviewer", "xsc"), person("a", "approver", "xsc"))
    two = route(step("secrecy_review", "一审", "reviewer"),
                step("secrecy_review", "二审", "reviewer", users=["uni"]), APPROVE)
    assert check_route(two, people) == []


def test_save_time_checks_every_department_in_scope() -> None:
    by_category = route(REVIEW, APPROVE, name="招生类", catalog_codes=("zsks",), departments=())
    problems = check_route(by_category, directory(
        person("d", "drafter", "xsc jwc"), person("r", "reviewer", "xsc"), person("a", "approver", "xsc jwc")))
    assert [(p.code, p.department, p.step) for p in problems] == [("too_few_eligible", "jwc", 1)]
    assert "教务处" in problems[0].text


def test_shape_and_names() -> None:
    backwards = route(APPROVE, REVIEW)
    assert "stage_order" in [p.code for p in check_route(backwards, PEOPLE)]
    assert [p.code for p in check_route(route(REVIEW), PEOPLE)] == ["stage_without_step"]
    unknown = route(REVIEW, step("approval", "会签", "approver", users=["ghost", "head"]), departments=("nowhere",))
    codes = [p.code for p in check_route(unknown, PEOPLE)]
    assert codes == ["unknown_department", "unknown_user", "user_lacks_role"]
    assert [p.code for p in check_route(route(REVIEW, APPROVE, departments=()), PEOPLE)] == ["route_without_scope"]
    twice = route(REVIEW, APPROVE, step("approval", "审批", "approver", department="cwc"))
    assert [p.code for p in check_route(twice, PEOPLE)] == ["duplicate_step_name"]


names = st.sampled_from(["p0", "p1", "p2", "p3", "p4", "p5"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.frozensets(names, min_size=0, max_size=6), st.integers(1, 3), st.booleans()),
                min_size=1, max_size=4))
def test_matching_is_exact(steps: list) -> None:
    """The analysis finds distinct voters whenever they exist (checked by brute force over small cases)."""
    from itertools import permutations
    everyone = directory(*(person(f"p{i}", "approver") for i in range(6)))
    route_steps = []
    for n, (users, count, all_of_them) in enumerate(steps):
        if not users:
            users = frozenset({"p0"})
        route_steps.append(step("approval", f"步骤{n}", "approver", quorum="all" if all_of_them else count,
                                users=sorted(users)))
    candidate = route(*route_steps)
    reach = analyse(candidate, "xsc", everyone)
    assigned = [p for s in reach for p in s.assigned]
    assert len(assigned) == len(set(assigned))
    for s in reach:
        assert set(s.assigned) <= set(s.eligible)
        assert s.reachable == (len(s.assigned) == s.needed) or not s.reachable
    # all steps reachable together ⇔ some assignment of distinct people exists (brute force)
    needs = [(set(s.eligible), s.needed) for s in reach]
    slots = [i for i, (_e, k) in enumerate(needs) for _ in range(k)]
    exists = len(slots) <= 6 and any(all(p in needs[slot][0] for slot, p in zip(slots, order))
                                     for order in permutations([f"p{i}" for i in range(6)], len(slots)))
    assert all(s.reachable for s in reach) == exists
