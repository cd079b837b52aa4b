"""Issue 10: the password policy in the UI forms (admin's 添加用户, one's own 修改密码)."""
from __future__ import annotations

from tests.web.ui_helpers import PASSWORD


def test_admin_form_refuses_a_weak_initial_password(as_user) -> None:
    response = as_user("admin").post("/admin/users", data={"username": "newbie", "password": "12345678",
                                                           "roles": ["drafter"], "departments": ["xsc"]})
    assert response.status_code == 422 and "至少需要 10 个字符" in response.get_data(as_text=True)


def test_password_change_form_refuses_12345678(as_user) -> None:
    response = as_user("drafter").post("/password", data={"old_password": PASSWORD, "new_password": "12345678",
                                                          "confirm": "12345678"})
    assert response.status_code == 422 and "至少需要 10 个字符" in response.get_data(as_text=True)
