"""``/help?item=ID``: the item's route as a step line (stage, name, deciders, quorum in plain Chinese, done /
active / pending) for whoever sees the item's internals; nothing about the item for anyone else."""
from __future__ import annotations

import re

import pytest

from tests.conftest import CLEAR, World, item_payload
from workflow.services import items as svc
from workflow.services import routes as route_service
from workflow.services.users import add_department, add_user

STEPS = [
    {"stage": "secrecy_review", "name": "部门负责人审核", "role": "reviewer", "quorum": "any"},
    {"stage": "secrecy_review", "name": "保密办复审", "role": "reviewer", "department": "bmb", "quorum": "any"},
    {"stage": "approval", "name": "三处会签", "role": "approver", "users": ["h1", "h2", "h3"], "quorum": 2},
    {"stage": "approval", "name": "分管校领导审批", "role": "approver", "quorum": "all"},
]


@pytest.fixture
def routed(world: World) -> int:
    """An item of 学生处 on a four-step route, its first step voted by ``reviewer``."""
    add_department(world.app, "bmb", "保密办")
    add_user(world.app, "bm1", roles=["reviewer"], departments=["bmb"], password="password-123",
             display_name="保密办王老师")
    for n in (1, 2, 3):
        add_user(world.app, f"h{n}", roles=["approver"], departments=["jwc"], password="password-123",
                 display_name=f"处长{n}")
    route_service.create_route(world.app, world.admin, {"name": "学生处四步路线", "departments": ["xsc"],
                                                        "steps": STEPS})
    item = svc.create_item(world.app, world.drafter, item_payload(title="国家奖学金评审结果"))
    svc.submit(world.app, world.drafter, item.id)
    svc.pass_review(world.app, world.reviewer, item.id, checklist=CLEAR)
    return item.id


def _steps(page: str) -> list[str]:
    return re.findall(r'class="route-line-step route-(\w+)', page)


def test_the_help_page_shows_the_items_route_as_a_step_line(as_user, routed: int) -> None:
    response = as_user("drafter").get(f"/help?item={routed}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "事项“国家奖学金评审结果”的审批路线：学生处四步路线" in page
    assert _steps(page) == ["done", "active", "pending", "pending"]
    line = page[page.index('id="item-route"'):]
    positions = [line.index(name) for name in ("部门负责人审核", "保密办复审", "三处会签", "分管校领导审批")]
    assert positions == sorted(positions)  # in route order
    for words in ("学生处的保密审查员", "保密办的保密审查员", "处长1、处长2、处长3", "学生处的审批人",
                  "3人中2人", "全部2人", "任一人", "需 1 人决定，已有 1 人", "需 2 人决定，已有 0 人"):
        assert words in line, words
    assert "审查通过" in line and re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", line)  # the vote: who, what, when
    assert "secrecy_review" not in line and "item_department" not in line and "+08:00" not in line
    assert 'class="state current" data-state="secrecy_review"' in page  # the diagram marks where it is


def test_default_route_of_a_draft(as_user, world: World) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload(title="本科教学质量报告"))
    page = as_user("reviewer").get(f"/help?item={item.id}").get_data(as_text=True)
    assert "事项“本科教学质量报告”的审批路线：默认路线" in page
    assert _steps(page) == ["pending", "pending"] and "学生处的审批人" in page
    assert 'class="state current" data-state="draft"' in page


def _diagram_card(page: str) -> str:
    return page[page.index('<h1 class="page-title">'):page.index("操作一览")]


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "１", "99999999999999999999", ""])
def test_an_id_that_is_no_item_shows_the_general_help(as_user, routed: int, raw: str) -> None:
    response = as_user("drafter").get(f"/help?item={raw}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="item-route-missing"' in page and "帮助：事项办理流程" in page
    assert 'id="item-route"' not in page and 'class="state current"' not in page


def test_an_item_one_may_not_see_shows_no_route(as_user, routed: int) -> None:
    outsider = as_user("other_drafter")  # 教务处: the 学生处 draft is not theirs to see
    hidden = outsider.get(f"/help?item={routed}")
    assert hidden.status_code == 200
    page = hidden.get_data(as_text=True)
    assert "国家奖学金评审结果" not in page and "学生处四步路线" not in page and "route-line-step" not in page
    assert 'id="item-route-missing"' in page and 'class="state current"' not in page
    # an item that exists reads exactly like one that does not
    missing = outsider.get(f"/help?item={routed + 1000}").get_data(as_text=True)
    assert _diagram_card(page) == _diagram_card(missing)


def test_a_published_item_seen_from_another_department_shows_no_route(as_user, world: World) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload(title="学生资助政策"))
    svc.submit(world.app, world.drafter, item.id)
    svc.pass_review(world.app, world.reviewer, item.id, checklist=CLEAR)
    svc.approve(world.app, world.approver, item.id)
    outsider = as_user("other_drafter")
    item_page = outsider.get(f"/items/{item.id}").get_data(as_text=True)
    assert item_page.count("查看流程说明") == 1 and 'href="/help"' in item_page  # the general help only
    help_page = outsider.get(f"/help?item={item.id}").get_data(as_text=True)
    assert "学生资助政策" not in help_page and 'id="item-route-missing"' in help_page


def test_the_item_page_links_to_its_route_on_the_help_page(as_user, routed: int) -> None:
    page = as_user("drafter").get(f"/items/{routed}").get_data(as_text=True)
    assert re.search(rf'href="/help\?item={routed}"[^>]*>查看流程说明</a>', page)
