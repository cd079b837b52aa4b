"""Admin pages of review routes: list, create, edit, deactivate; problems shown in plain Chinese."""
from __future__ import annotations

import re

import pytest

from tests.web.test_routes_api import college  # noqa: F401  (fixture)
from workflow.services import routes as route_service


def _form(name: str, *rows: dict[str, str], categories=(), departments=(), version: str = "") -> dict:
    data: dict = {"name": name, "catalog_codes": list(categories), "departments": list(departments),
                  "version": version, "active": "on"}
    for n, row in enumerate(rows):
        base = {"stage": "approval", "name": "", "who": "item_department", "role": "approver", "department": "",
                "users": "", "quorum_kind": "any", "quorum_count": "", "workdays": ""}
        data.update({f"step-{n}-{k}": v for k, v in {**base, **row}.items()})
    return data


ZHAOSHENG_ROWS = (
    {"stage": "secrecy_review", "name": "部门负责人审核", "role": "reviewer"},
    {"stage": "secrecy_review", "name": "保密办复审", "role": "reviewer", "who": "department", "department": "bmb"},
    {"stage": "approval", "name": "招生就业处、财务处会签", "who": "users", "users": "zs，cw", "quorum_kind": "all"},
    {"stage": "approval", "name": "分管校领导审批", "workdays": "2"},
    {"name": ""},  # a blank row is left out
)


def test_admin_creates_edits_and_deactivates_a_route(as_user, college) -> None:  # noqa: F811
    admin = as_user("admin")
    page = admin.get("/admin/routes")
    assert page.status_code == 200 and "默认路线" in page.get_data(as_text=True)
    assert "审批路线" in admin.get("/").get_data(as_text=True)  # the navigation link
    form = admin.get("/admin/routes/new").get_data(as_text=True)
    assert "部门负责人" not in form and "保密审查" in form and "招生考试信息" in form

    created = admin.post("/admin/routes/new", data=_form("招生类信息", *ZHAOSHENG_ROWS, categories=["zsks"]))
    assert created.status_code == 302, created.get_data(as_text=True)[-3000:]
    listing = admin.get("/admin/routes").get_data(as_text=True)
    for words in ("招生类信息", "各部门的“招生考试信息”类事项", "保密办的保密审查员", "全部同意", "任一人同意",
                  "限2个工作日", "使用中"):
        assert words in listing, words
    assert "secrecy_review" not in listing and "item_department" not in listing

    (route,) = route_service.list_routes(college.app, college.admin)
    edit_page = admin.get(f"/admin/routes/{route.id}").get_data(as_text=True)
    assert 'value="招生类信息"' in edit_page
    assert re.search(r'<option value="zs" selected>', edit_page) and re.search(r'<option value="cw" selected>', edit_page)
    rows = ZHAOSHENG_ROWS[:3] + ({"stage": "approval", "name": "分管校领导审批", "quorum_kind": "count",
                                  "quorum_count": "1"},)
    edited = admin.post(f"/admin/routes/{route.id}", data=_form("招生类信息（修订）", *rows, categories=["zsks"],
                                                                 version=str(route.version)))
    assert edited.status_code == 302
    assert route_service.get_route(college.app, college.admin, route.id).name == "招生类信息（修订）"

    stale = admin.post(f"/admin/routes/{route.id}", data=_form("又改", *rows, categories=["zsks"],
                                                                version=str(route.version)))
    assert stale.status_code == 409 and "已被他人修改" in stale.get_data(as_text=True)

    current = route_service.get_route(college.app, college.admin, route.id)
    off = admin.post(f"/admin/routes/{route.id}/deactivate", data={"version": str(current.version)})
    assert off.status_code == 302
    assert "已停用" in admin.get("/admin/routes").get_data(as_text=True)
    # editing a deactivated route keeps it deactivated unless the box is ticked again
    current = route_service.get_route(college.app, college.admin, route.id)
    form = _form("招生类信息（修订）", *rows, categories=["zsks"], version=str(current.version))
    del form["active"]
    assert admin.post(f"/admin/routes/{route.id}", data=form).status_code == 302
    assert route_service.get_route(college.app, college.admin, route.id).active is False


def test_problems_are_listed_in_plain_chinese_and_nothing_is_saved(as_user, college) -> None:  # noqa: F811
    admin = as_user("admin")
    rows = ({"stage": "approval", "name": "审批"}, {"stage": "secrecy_review", "name": "审查", "role": "reviewer"},
            {"stage": "approval", "name": "三人会签", "quorum_kind": "count", "quorum_count": "3"})
    response = admin.post("/admin/routes/new", data=_form("坏路线", *rows, departments=["xsc"]))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "路线未保存" in text and "不能排在审批步骤之后" in text
    assert 'value="三人会签"' in text  # the admin's input is kept
    assert not re.search(r"stage_order|invalid_quorum|too_few_eligible", text)
    unreachable = admin.post("/admin/routes/new", data=_form("三人会签", {"stage": "secrecy_review", "name": "审查",
                                                                        "role": "reviewer"}, rows[2],
                                                              departments=["xsc"]))
    assert unreachable.status_code == 422
    assert "需要 3 人决定" in unreachable.get_data(as_text=True) and "学生处" in unreachable.get_data(as_text=True)
    assert route_service.list_routes(college.app, college.admin) == []


@pytest.mark.parametrize("path", ["/admin/routes", "/admin/routes/new"])
def test_non_admins_get_403(as_user, college, path) -> None:  # noqa: F811
    assert as_user("reviewer").get(path).status_code == 403
    assert as_user("drafter").post("/admin/routes/new", data=_form("x")).status_code == 403
