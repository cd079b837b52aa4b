"""The route form without JavaScript: 添加一步 / 删除 re-render what was typed; five steps save; a refusal keeps
every value; the working days and the pickers are shown with Chinese labels."""
from __future__ import annotations

import re

from tests.web.test_routes_api import college  # noqa: F401  (fixture)
from tests.web.test_routes_ui import _form
from workflow.routes.model import MAX_STEPS
from workflow.services import routes as route_service

FIVE_ROWS = (
    {"stage": "secrecy_review", "name": "部门负责人审核", "role": "reviewer", "workdays": "1"},
    {"stage": "secrecy_review", "name": "保密办复审", "role": "reviewer", "who": "department", "department": "bmb",
     "quorum_kind": "count", "quorum_count": "2", "workdays": "2"},
    {"stage": "approval", "name": "招生就业处、财务处会签", "who": "users", "users": "zs", "quorum_kind": "all"},
    {"stage": "approval", "name": "教务处审批", "who": "department", "department": "jwc"},
    {"stage": "approval", "name": "分管校领导审批", "workdays": "3"},
)


def _rows(page: str) -> int:
    return len(re.findall(r'name="step-\d+-name"', page))


def _selected(page: str, field: str) -> list[str]:
    """The selected option values of the select named ``field``."""
    select = re.search(rf'<select[^>]*name="{re.escape(field)}"[^>]*>(.*?)</select>', page, re.S)
    assert select, field
    return re.findall(r'<option value="([^"]*)" selected', select.group(1))


def _five(**extra: str) -> dict:
    data = _form("招生类信息", *FIVE_ROWS, categories=["zsks"], departments=["xsc"])
    data["step-2-users"] = ["zs", "cw"]  # the picker posts one value per person chosen
    data.update(extra)
    return data


def test_adding_a_row_keeps_everything_typed_and_saves_nothing(as_user, college) -> None:  # noqa: F811
    admin = as_user("admin")
    new = admin.get("/admin/routes/new").get_data(as_text=True)
    assert _rows(new) == 2 and "添加一步" in new and "删除" in new
    assert "工作日（可选）" in new and "留空时，该阶段的期限" in new  # the hint for a blank working-day field
    assert "保密办" in new and "（选择部门）" in new  # the department picker, by name
    response = admin.post("/admin/routes/new", data=_five(add_step="1"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _rows(page) == 6 and 'name="step-5-name" maxlength="100" value=""' in page
    assert 'value="招生类信息"' in page and re.search(r'value="zsks"\s+checked', page)
    for n, row in enumerate(FIVE_ROWS):
        assert f'name="step-{n}-name" maxlength="100" value="{row["name"]}"' in page
    assert _selected(page, "step-1-department") == ["bmb"] and _selected(page, "step-1-quorum_kind") == ["count"]
    assert 'name="step-1-quorum_count" inputmode="numeric" size="3" value="2"' in page
    assert 'name="step-4-workdays" inputmode="numeric" size="3" value="3"' in page
    assert sorted(_selected(page, "step-2-users")) == ["cw", "zs"] and _selected(page, "step-2-who") == ["users"]
    assert "路线未保存" not in page
    assert route_service.list_routes(college.app, college.admin) == []


def test_removing_a_row_keeps_the_others_in_order(as_user, college) -> None:  # noqa: F811
    admin = as_user("admin")
    page = admin.post("/admin/routes/new", data=_five(remove_step="1")).get_data(as_text=True)
    assert _rows(page) == 4
    names = re.findall(r'name="step-\d+-name" maxlength="100" value="([^"]*)"', page)
    assert names == ["部门负责人审核", "招生就业处、财务处会签", "教务处审批", "分管校领导审批"]
    assert sorted(_selected(page, "step-1-users")) == ["cw", "zs"]  # the 会签 row moved up with its people
    assert route_service.list_routes(college.app, college.admin) == []


def test_a_five_step_route_is_saved(as_user, college) -> None:  # noqa: F811
    admin = as_user("admin")
    response = admin.post("/admin/routes/new", data=_five())
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    (route,) = route_service.list_routes(college.app, college.admin)
    assert [s.name for s in route.steps] == [row["name"] for row in FIVE_ROWS]
    assert [s.workdays for s in route.steps] == [1, 2, None, None, 3]
    assert route.steps[2].deciders.users == ("cw", "zs") and route.steps[3].deciders.department == "jwc"
    assert route.steps[1].quorum.to_json() == 2
    listing = admin.get("/admin/routes").get_data(as_text=True)
    assert "教务处的审批人" in listing and "限3个工作日" in listing
    edit = admin.get(f"/admin/routes/{route.id}").get_data(as_text=True)
    assert _rows(edit) == 5 and sorted(_selected(edit, "step-2-users")) == ["cw", "zs"]


def test_a_refusal_keeps_every_value(as_user, college) -> None:  # noqa: F811
    admin = as_user("admin")
    data = _five()
    data["step-4-quorum_kind"], data["step-4-quorum_count"] = "count", "3"  # 学生处 has two approvers
    response = admin.post("/admin/routes/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "路线未保存" in page and "需要 3 人决定" in page
    assert _rows(page) == 5
    for n, row in enumerate(FIVE_ROWS):
        assert f'name="step-{n}-name" maxlength="100" value="{row["name"]}"' in page
        assert f'name="step-{n}-workdays" inputmode="numeric" size="3" value="{row.get("workdays", "")}"' in page
    assert _selected(page, "step-3-department") == ["jwc"] and sorted(_selected(page, "step-2-users")) == ["cw", "zs"]
    assert 'name="step-4-quorum_count" inputmode="numeric" size="3" value="3"' in page
    assert re.search(r'value="zsks"\s+checked', page)
    assert route_service.list_routes(college.app, college.admin) == []


def test_rows_stop_at_the_models_limit(as_user, college) -> None:  # noqa: F811
    admin = as_user("admin")
    rows = [{"stage": "approval", "name": f"第{n}步"} for n in range(MAX_STEPS)]
    page = admin.post("/admin/routes/new", data={**_form("长路线", *rows), "add_step": "1"}).get_data(as_text=True)
    assert _rows(page) == MAX_STEPS and f"一条路线最多 {MAX_STEPS} 个步骤" in page


def test_adding_a_row_on_the_edit_page_keeps_the_version(as_user, college) -> None:  # noqa: F811
    admin = as_user("admin")
    admin.post("/admin/routes/new", data=_five())
    (route,) = route_service.list_routes(college.app, college.admin)
    data = {**_five(), "version": str(route.version), "add_step": "1"}
    page = admin.post(f"/admin/routes/{route.id}", data=data).get_data(as_text=True)
    assert _rows(page) == 6 and f'name="version" value="{route.version}"' in page and "编辑路线" in page
    del data["add_step"]
    data["step-5-name"], data["step-5-stage"], data["step-5-role"] = "校长签发", "approval", "approver"
    for key in ("who", "department", "quorum_kind", "quorum_count", "workdays"):
        data[f"step-5-{key}"] = {"who": "item_department", "quorum_kind": "any"}.get(key, "")
    saved = admin.post(f"/admin/routes/{route.id}", data=data)
    assert saved.status_code == 302, saved.get_data(as_text=True)[-1500:]
    assert [s.name for s in route_service.get_route(college.app, college.admin, route.id).steps][-1] == "校长签发"
