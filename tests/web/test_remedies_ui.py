"""The 举报、复议、诉讼 register page: admins record cases and outcomes; the report counts them."""
from __future__ import annotations

from tests.web.ui_helpers import login
from workflow.services import applications as svc


def test_admin_records_a_case_and_its_outcome(ui_app, world) -> None:
    admin = login(ui_app.test_client(), "admin")
    assert "本系统尚无举报" in admin.get("/applications/remedies").get_data(as_text=True)
    response = admin.post("/applications/remedies", data={"kind": "reconsideration", "filed_on": "2025-10-09",
                                                          "summary": "申请人对不予公开决定不服"})
    assert response.status_code == 302
    [case] = svc.list_remedies(world.app, world.admin)
    assert (case.kind, case.outcome) == ("reconsideration", "pending")
    admin.post(f"/applications/remedies/{case.id}/outcome", data={"outcome": "maintained"})
    assert svc.list_remedies(world.app, world.admin)[0].outcome == "maintained"
    assert "行政复议" in admin.get("/applications/remedies").get_data(as_text=True)
    bad = admin.post("/applications/remedies", data={"kind": "duel"})
    assert bad.status_code == 422
    assert login(ui_app.test_client(), "drafter").get("/applications/remedies").status_code == 403


def test_the_lawsuit_after_reconsideration_checkbox_is_recorded(ui_app, world) -> None:
    """The form posts the checkbox as "1": a lawsuit filed after 复议 is registered as such, not refused."""
    admin = login(ui_app.test_client(), "admin")
    response = admin.post("/applications/remedies", data={"kind": "lawsuit", "filed_on": "2025-10-09",
                                                          "summary": "复议维持后起诉", "after_reconsideration": "1"})
    assert response.status_code == 302
    admin.post("/applications/remedies", data={"kind": "lawsuit", "filed_on": "2025-10-10", "summary": "直接起诉"})
    cases = sorted(svc.list_remedies(world.app, world.admin), key=lambda case: case.filed_on)
    assert [(case.kind, case.after_reconsideration) for case in cases] == [("lawsuit", True), ("lawsuit", False)]
    assert "复议后起诉" in admin.get("/applications/remedies").get_data(as_text=True)
