"""当前步骤 and 当前处理人 wherever staff see a list of items: 我的待办, 部门待办, 超期预警 and its export, and
the API's list rows (``holders``, ``step``) — on both databases."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from io import BytesIO, StringIO

from sqlalchemy import event

from tests.conftest import CLEAR, World, item_payload
from workflow.services import items as svc
from workflow.services import queries
from workflow.services import routes as route_service
from workflow.services.users import add_department, add_user

ROUTE = [{"stage": "secrecy_review", "name": "部门负责人审核", "role": "reviewer", "quorum": "any"},
         {"stage": "secrecy_review", "name": "保密办复审", "role": "reviewer", "quorum": "any", "department": "bmb"},
         {"stage": "approval", "name": "校领导会签", "role": "approver", "quorum": "all",
          "users": ["approver", "approver2"]}]


@dataclass
class Items:
    default: int      # submitted before the route existed: the default route, in 保密审查
    secrecy: int      # on the route, waiting on the 保密办's step
    countersign: int  # on the route, waiting on the 会签 of two approvers


def _submit(world: World, title: str) -> int:
    item = svc.create_item(world.app, world.drafter, item_payload(title=title))
    svc.submit(world.app, world.drafter, item.id)
    return item.id


def _setup(world: World) -> Items:
    app = world.app
    add_department(app, "bmb", "保密办")
    add_user(app, "bmb1", roles=["reviewer"], departments=["bmb"], password="password-123",
             email="bmb1@example.edu.cn", display_name="王保密")
    add_user(app, "approver2", roles=["approver"], departments=["xsc"], password="password-123",
             email="approver2@example.edu.cn")
    default = _submit(world, "默认路线事项")  # the route does not exist yet: this one keeps the default route
    route_service.create_route(app, world.admin, {"name": "学生处路线", "departments": ["xsc"], "steps": ROUTE})
    secrecy = _submit(world, "等待保密办事项")
    svc.pass_review(app, world.reviewer, secrecy, checklist=CLEAR)
    countersign = _submit(world, "等待会签事项")
    svc.pass_review(app, world.reviewer, countersign, checklist=CLEAR)
    svc.pass_review(app, world.actor("bmb1"), countersign, checklist=CLEAR)
    return Items(default, secrecy, countersign)


def _row(page: str, row_id: str) -> str:
    """The text of one table row (tags stripped), or "" when the page has no such row."""
    found = re.search(rf'<tr id="{row_id}">(.*?)</tr>', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


def test_my_tasks_and_the_department_board_show_the_step_and_who_must_act(as_user, world: World) -> None:
    ids = _setup(world)
    bmb = as_user("bmb1").get("/").get_data(as_text=True)
    assert "当前步骤" in bmb and "当前处理人" in bmb
    row = _row(bmb, f"item-row-{ids.secrecy}")
    assert "保密办复审" in row and "王保密" in row and "还需" not in row
    assert _row(bmb, f"item-row-{ids.default}") == ""  # the department's review, not the 保密办's

    reviewer = as_user("reviewer").get("/").get_data(as_text=True)
    default_row = _row(reviewer, f"item-row-{ids.default}")
    assert "保密审查" in default_row and "reviewer、all_rounder" in default_row  # stage label, department reviewers

    approver = _row(as_user("approver").get("/").get_data(as_text=True), f"item-row-{ids.countersign}")
    assert "校领导会签" in approver and "approver、approver2（还需 2 人）" in approver

    board = as_user("reviewer").get("/departments/xsc").get_data(as_text=True)
    assert "保密办复审" in _row(board, f"item-row-{ids.secrecy}") and "王保密" in _row(board, f"item-row-{ids.secrecy}")
    assert "reviewer、all_rounder" in _row(board, f"item-row-{ids.default}")
    assert "（还需 2 人）" in _row(board, f"item-row-{ids.countersign}")

    english = as_user("bmb1").get("/?lang=en").get_data(as_text=True)
    assert "Current step" in english and "Waiting on" in english and "当前步骤" not in english


def test_overdue_page_and_its_exports_name_the_step_and_the_people(as_user, world: World, clock) -> None:
    from openpyxl import load_workbook
    ids = _setup(world)
    clock.advance(days=20)  # every stage is late now (log in afterwards: sessions expire)
    admin = as_user("admin")
    page = admin.get("/admin/overdue").get_data(as_text=True)
    row = _row(page, f"overdue-row-{ids.secrecy}")
    assert "保密办复审" in row and "王保密" in row
    assert "保密审查" in _row(page, f"overdue-row-{ids.default}")

    sheet = load_workbook(BytesIO(admin.get("/admin/overdue.xlsx").data)).active
    rows = [[cell.value for cell in line] for line in sheet.iter_rows()]
    header = rows[0]
    assert header[4:6] == ["当前步骤", "当前处理人"]
    by_id = {line[0]: line for line in rows[1:]}
    assert by_id[ids.secrecy][4:6] == ["保密办复审", "王保密"]
    assert by_id[ids.default][4:6] == ["保密审查", "reviewer、all_rounder"]
    assert by_id[ids.countersign][4:6] == ["校领导会签", "approver、approver2（还需 2 人）"]
    assert all(line[4] and line[5] for line in rows[1:])  # filled for every row

    text = admin.get("/admin/overdue.csv").data.decode("utf-8-sig")
    table = list(csv.reader(StringIO(text)))
    assert table[0][4:6] == ["当前步骤", "当前处理人"]
    assert {int(line[0]): line for line in table[1:]}[ids.secrecy][4:6] == ["保密办复审", "王保密"]

    # in the user's language, as the rest of the sheet (the choice sticks to the session: last)
    english = load_workbook(BytesIO(admin.get("/admin/overdue.xlsx?lang=en").data)).active
    english_rows = [[cell.value for cell in line] for line in english.iter_rows()]
    assert english_rows[0][4:6] == ["Current step", "Waiting on"]
    assert {line[0]: line for line in english_rows[1:]}[ids.default][4] == "Secrecy review"
    assert "(2 more needed)" in {line[0]: line for line in english_rows[1:]}[ids.countersign][5]


def test_api_rows_carry_holders_and_step(api, world: World) -> None:
    ids = _setup(world)
    listed = {row["id"]: row for row in api("reviewer").get("/api/v1/items").get_json()["items"]}
    assert listed[ids.secrecy]["step"] == "保密办复审"
    assert listed[ids.secrecy]["holders"] == [{"username": "bmb1", "name": "王保密"}]
    assert listed[ids.default]["step"] is None  # the default route: the stage is the item's state
    assert [h["username"] for h in listed[ids.default]["holders"]] == ["reviewer", "all_rounder"]

    tasks = api("bmb1").get("/api/v1/tasks").get_json()["items"]
    assert [(t["id"], t["step"], t["holders"]) for t in tasks] == [
        (ids.secrecy, "保密办复审", [{"username": "bmb1", "name": "王保密"}])]
    countersign = {t["id"]: t for t in api("approver").get("/api/v1/tasks").get_json()["items"]}[ids.countersign]
    assert countersign["step"] == "校领导会签"
    assert [h["username"] for h in countersign["holders"]] == ["approver", "approver2"]

    board = api("reviewer").get("/api/v1/departments/xsc/tasks").get_json()
    in_review = {row["id"]: row for row in board["stages"]["secrecy_review"]["items"]}
    assert in_review[ids.secrecy]["step"] == "保密办复审"
    overdue = api("admin").get("/api/v1/overdue").get_json()["items"]
    assert all("holders" in row and "step" in row for row in overdue)
    one = api("reviewer").get(f"/api/v1/items/{ids.secrecy}").get_json()
    assert one["step"] == "保密办复审" and one["holders"] == [{"username": "bmb1", "name": "王保密"}]


def test_outsiders_get_no_holders(api, world: World) -> None:
    ids = _setup(world)
    app = world.app
    # 教务处's reviewer: none of these items is in their lists, and the item itself is not theirs to see
    assert api("other_reviewer").get("/api/v1/items").get_json()["items"] == []
    assert api("other_reviewer").get("/api/v1/tasks").get_json()["items"] == []
    assert api("other_reviewer").get(f"/api/v1/items/{ids.secrecy}").status_code == 404
    with app.db.read() as session:
        from db.models import Item
        rows = [session.get(Item, item_id) for item_id in (ids.default, ids.secrecy, ids.countersign)]
    # the rule every list row goes through: only the items whose internals the caller sees get holders
    assert queries.holders_seen_by(app, world.other_reviewer, rows) == {}
    # the 保密办 decides a step of the routed items (it sees their internals), not of the default-route one
    assert set(queries.holders_seen_by(app, world.actor("bmb1"), rows)) == {ids.secrecy, ids.countersign}
    assert set(queries.holders_seen_by(app, world.reviewer, rows)) == {ids.default, ids.secrecy, ids.countersign}


def test_holders_cost_the_same_queries_for_a_longer_page(api, world: World) -> None:
    _setup(world)
    admin = api("admin")
    admin.get("/api/v1/items")  # warm up (token lookups and the like are the same on both counts)

    def statements() -> int:
        seen: list[str] = []

        def count(*args: object) -> None:
            seen.append(str(args[2]))
        event.listen(world.app.db.engine, "before_cursor_execute", count)
        try:
            assert admin.get("/api/v1/items").status_code == 200
        finally:
            event.remove(world.app.db.engine, "before_cursor_execute", count)
        return len(seen)

    before = statements()
    for n in range(3):  # three more items on the route, each waiting on the 保密办
        item_id = _submit(world, f"更多事项{n}")
        svc.pass_review(world.app, world.reviewer, item_id, checklist=CLEAR)
    assert statements() == before
