"""Daily work (issue 14): 已办 and 我发起的, the 已退回 mark, 批量批准, and the confirmation before anything goes
public — API and pages, every new route by role, on both databases."""
from __future__ import annotations

import re
from sqlalchemy import select

from db.models import AuditEvent, Department, User
from tests.conftest import CLEAR, World, item_payload
from tests.workflow.scan.gen import resident_id
from workflow.services import items as svc
from workflow.services import routes as route_service
from workflow.services.attachments import add_attachment
from workflow.services.item_scan import item_findings
from workflow.services.users import add_department, add_user

ROUTE = [{"stage": "secrecy_review", "name": "部门负责人审核", "role": "reviewer", "quorum": "any"},
         {"stage": "secrecy_review", "name": "保密办复审", "role": "reviewer", "quorum": "any", "department": "bmb"},
         {"stage": "approval", "name": "校领导会签", "role": "approver", "quorum": "all",
          "users": ["approver", "approver2"]}]
BASIS = "《个人信息保护法》第十三条：履行法定职责所必需"


def _later(world: World, minutes: int = 10) -> None:
    world.app.clock.advance(minutes=minutes)  # type: ignore[attr-defined]


def _in_approval(world: World, title: str, author=None, **payload) -> int:
    author = author or world.drafter
    item = svc.create_item(world.app, author, item_payload(title=title, **payload))
    svc.submit(world.app, author, item.id)
    svc.pass_review(world.app, world.reviewer, item.id, checklist=CLEAR)
    return item.id


def _row(page: str, row_id: str) -> str:
    """The text of one table row (tags stripped), or "" when the page has no such row."""
    found = re.search(rf'<tr id="{row_id}"[^>]*>(.*?)</tr>', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


def _audited(world: World, item_id: int, action: str) -> list[str]:
    with world.app.db.read() as session:
        return list(session.scalars(select(AuditEvent.actor_name).where(AuditEvent.item_id == item_id,
                                                                        AuditEvent.action == action)))


# --------------------------------------------------------------------------- routes × roles

def test_new_routes_by_role(world: World, api, as_user) -> None:
    item_id = _in_approval(world, "审批中事项")
    anonymous = as_user(None)
    for path in ("/done", "/submitted"):
        assert anonymous.get(path).status_code == 302
    assert anonymous.post("/tasks/batch-approve", data={"items": [str(item_id)]}).status_code == 302
    for path in ("/api/v1/me/done", "/api/v1/me/submitted"):
        assert api(None).get(path).status_code == 401
        for user in ("drafter", "reviewer", "approver", "admin", "other_drafter"):
            assert api(user).get(path).status_code == 200
    assert api(None).post("/api/v1/batch/approve", json={"items": [item_id]}).status_code == 401
    for user in ("drafter", "reviewer", "admin", "other_drafter"):  # approvers only; admins approve nothing
        refused = api(user).post("/api/v1/batch/approve", json={"items": [item_id]})
        assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
        assert as_user(user).post("/tasks/batch-approve", data={"items": [str(item_id)]}).status_code == 403
        assert as_user(user).post("/tasks/batch-approve/confirm", data={"items": [str(item_id)]}).status_code == 403
    for user in ("drafter", "approver", "other_drafter"):
        for path in ("/done", "/submitted"):
            assert as_user(user).get(path).status_code == 200
    # the confirmation of an approval: 404 for an item the user may not see, 403 for one they may not approve
    assert as_user("other_reviewer").post(f"/items/{item_id}/do/approve").status_code == 404
    assert as_user("drafter").post(f"/items/{item_id}/do/approve").status_code == 403
    assert svc.get_item(world.app, world.admin, item_id).state == "approval"


# --------------------------------------------------------------------------- 已办 and 我发起的

def _route_world(world: World, vote: bool = True) -> int:
    """The 学生处 route with a 保密办 step and a 会签 of two approvers; one item past the 保密办 and (``vote``) one
    会签 vote."""
    app = world.app
    add_department(app, "bmb", "保密办")
    add_user(app, "bmb1", roles=["reviewer"], departments=["bmb"], password="password-123", display_name="王保密")
    add_user(app, "approver2", roles=["approver"], departments=["xsc"], password="password-123",
             display_name="李会签")
    route_service.create_route(app, world.admin, {"name": "学生处路线", "departments": ["xsc"], "steps": ROUTE})
    item = svc.create_item(app, world.drafter, item_payload(title="会签中的事项"))
    svc.submit(app, world.drafter2, item.id)  # submitted by a colleague: the drafter's as author, theirs as submitter
    _later(world)
    svc.pass_review(app, world.reviewer, item.id, checklist=CLEAR)
    _later(world)
    svc.pass_review(app, world.actor("bmb1"), item.id, checklist=CLEAR)
    if vote:
        _later(world)
        svc.approve(app, world.approver, item.id)  # one of the two 会签 votes
    return item.id


def test_done_and_submitted_after_a_route_with_votes(world: World, api) -> None:
    voted = _route_world(world)
    _later(world)
    returned = svc.create_item(world.app, world.drafter, item_payload(title="被退回的事项"))
    svc.submit(world.app, world.drafter, returned.id)
    _later(world)
    svc.return_item(world.app, world.reviewer, returned.id, reason="请删除学号后重新提交")

    approver = api("approver").get("/api/v1/me/done").get_json()
    assert [row["id"] for row in approver["items"]] == [voted] and approver["total"] == 1
    row = approver["items"][0]
    assert row["state"] == "approval" and row["step"] == "校领导会签"
    assert row["holders"] == [{"username": "approver2", "name": "李会签"}]  # the approver voted: only the other
    assert row["handled"]["decision"] == "approve" and row["handled"]["at"].startswith("2025-09-26T10:30")

    reviewer = api("reviewer").get("/api/v1/me/done").get_json()
    assert [row["id"] for row in reviewer["items"]] == [returned.id, voted]  # newest activity first
    assert reviewer["items"][0]["handled"]["decision"] == "return"
    assert reviewer["items"][0]["returned"]["reason"] == "请删除学号后重新提交"
    bmb = api("bmb1").get("/api/v1/me/done").get_json()  # another department, decides a step: sees it whole
    assert [row["id"] for row in bmb["items"]] == [voted] and bmb["items"][0]["view"] == "full"

    drafter = api("drafter").get("/api/v1/me/submitted").get_json()
    assert [row["id"] for row in drafter["items"]] == [returned.id, voted]
    assert drafter["items"][1]["holders"][0]["name"] == "李会签" and drafter["items"][1]["state"] == "approval"
    assert drafter["items"][0]["returned"]["by"] == "reviewer"
    colleague = api("drafter2").get("/api/v1/me/submitted").get_json()
    assert [row["id"] for row in colleague["items"]] == [voted]  # submitted, not drafted
    assert api("drafter").get("/api/v1/me/done").get_json()["total"] == 0  # drafting is not deciding
    assert api("other_drafter").get("/api/v1/me/submitted").get_json()["total"] == 0

    paged = api("reviewer").get("/api/v1/me/done?per_page=1&page=2").get_json()
    assert [row["id"] for row in paged["items"]] == [voted] and paged["pages"] == 2
    assert api("reviewer").get("/api/v1/me/done?page=0").status_code == 422


def test_done_and_submitted_pages(world: World, as_user) -> None:
    voted = _route_world(world)
    page = as_user("approver").get("/done").get_data(as_text=True)
    row = _row(page, f"item-row-{voted}")
    assert "会签中的事项" in row and "审批" in row and "校领导会签" in row and "李会签" in row
    assert "批准" in row and "2025年9月26日 10:30" in row  # my decision, in Chinese date words
    assert 'href="/done"' in page and 'href="/submitted"' in page  # tabs and the menu
    mine = as_user("drafter").get("/submitted").get_data(as_text=True)
    assert "会签中的事项" in _row(mine, f"item-row-{voted}") and "李会签" in _row(mine, f"item-row-{voted}")
    assert "暂无事项" in as_user("drafter").get("/done").get_data(as_text=True)
    english = as_user("approver").get("/done?lang=en").get_data(as_text=True)
    assert "Done" in english and "Sep 26, 2025" in english


def test_a_reviewer_who_moved_department_keeps_only_what_they_may_still_see(world: World, api) -> None:
    published = _in_approval(world, "已公开的事项")
    svc.approve(world.app, world.approver, published)
    pending = _in_approval(world, "仍在审批的事项")
    assert {row["id"] for row in api("reviewer").get("/api/v1/me/done").get_json()["items"]} == {published, pending}
    with world.app.db.write() as session:  # the reviewer moves from 学生处 to 教务处
        user = session.scalar(select(User).where(User.username == "reviewer"))
        user.departments = [session.scalar(select(Department).where(Department.code == "jwc"))]
    moved = api("reviewer").get("/api/v1/me/done").get_json()
    assert [row["id"] for row in moved["items"]] == [published]  # the public item only, as the public sees it
    assert moved["items"][0]["view"] == "public" and "holders" not in moved["items"][0]
    assert moved["items"][0]["handled"]["decision"] == "pass_review"


# --------------------------------------------------------------------------- 已退回

def test_a_returned_draft_is_marked_with_its_reason(world: World, api, as_user) -> None:
    returned = svc.create_item(world.app, world.drafter, item_payload(title="退回的草稿"))
    svc.submit(world.app, world.drafter, returned.id)
    svc.return_item(world.app, world.reviewer, returned.id, reason="请删除身份证号后重新提交")
    rejected = _in_approval(world, "不予批准的草稿")
    svc.reject(world.app, world.approver, rejected, reason="公示期不足")
    fresh = svc.create_item(world.app, world.drafter, item_payload(title="新草稿"))
    withdrawn = svc.create_item(world.app, world.drafter, item_payload(title="撤回的草稿"))
    svc.submit(world.app, world.drafter, withdrawn.id)
    svc.withdraw(world.app, world.drafter, withdrawn.id)

    rows = {row["id"]: row for row in api("drafter").get("/api/v1/tasks").get_json()["items"]}
    assert rows[returned.id]["returned"] == {"by": "reviewer", "at": "2025-09-26T10:00:00+08:00",
                                             "reason": "请删除身份证号后重新提交"}
    assert rows[rejected]["returned"]["reason"] == "公示期不足" and rows[rejected]["returned"]["by"] == "approver"
    assert rows[fresh.id]["returned"] is None and rows[withdrawn.id]["returned"] is None

    page = as_user("drafter").get("/").get_data(as_text=True)
    row = re.search(rf'<tr id="item-row-{returned.id}">(.*?)</tr>', page, re.S).group(1)
    assert "已退回" in row and 'title="reviewer · 2025年9月26日 10:00 · 退回修改：请删除身份证号后重新提交"' in row
    assert "<details" in row and "请删除身份证号后重新提交" in row.split("<details", 1)[1]
    assert "已退回" not in _row(page, f"item-row-{fresh.id}") and "已退回" not in _row(page, f"item-row-{withdrawn.id}")

    svc.submit(world.app, world.drafter, returned.id)  # resubmitted: no longer the drafter's task
    assert returned.id not in {row["id"] for row in api("drafter").get("/api/v1/tasks").get_json()["items"]}
    svc.withdraw(world.app, world.drafter, returned.id)  # and back: the last word is the withdrawal, not the return
    again = {row["id"]: row for row in api("drafter").get("/api/v1/tasks").get_json()["items"]}
    assert again[returned.id]["returned"] is None


# --------------------------------------------------------------------------- 批量批准

def test_batch_approval_one_of_five_refused(world: World, api) -> None:
    ids = [_in_approval(world, f"批量事项{n}") for n in range(4)]
    own = _in_approval(world, "自己起草的事项", author=world.all_rounder)  # separation of duties refuses this one
    batch = [ids[0], ids[1], own, ids[2], ids[3]]
    response = api("all_rounder").post("/api/v1/batch/approve", json={"items": batch, "opinion": "同意公开"})
    assert response.status_code == 200
    results = response.get_json()
    assert [result["id"] for result in results] == batch
    assert [result["ok"] for result in results] == [True, True, False, True, True]
    refused = results[2]
    assert refused["error"] == "separation_of_duties" and "职责分离" in refused["message"]
    for item_id in ids:
        assert svc.get_item(world.app, world.admin, item_id).state == "published"
        assert _audited(world, item_id, "approve") == ["all_rounder"]  # each approval its own audit event
    assert svc.get_item(world.app, world.admin, own).state == "approval" and _audited(world, own, "approve") == []
    from sqlalchemy import select

    from db.models import Decision
    with world.app.db.read() as session:  # the one opinion is each approval's own
        opinions = session.scalars(select(Decision.opinion).where(Decision.item_id.in_(ids),
                                                                  Decision.kind == "approve")).all()
    assert opinions == ["同意公开"] * 4
    again = api("all_rounder").post("/api/v1/batch/approve", json={"items": [ids[0]]}).get_json()
    assert again == [{"id": ids[0], "ok": False, "error": "invalid_state", "message": again[0]["message"]}]


def test_batch_approval_refuses_malformed_requests(world: World, api) -> None:
    item_id = _in_approval(world, "批量事项")
    approver = api("approver")
    for body in ({"items": [item_id, item_id]}, {"items": [str(item_id)]}, {"items": [1.5]}, {"items": [True]},
                 {"items": []}, {"items": item_id}, {}, {"items": list(range(1, 52))}, {"items": [0]},
                 {"items": [item_id], "trigger": "approve"}, {"items": [item_id], "opinion": 7},
                 {"items": [item_id], "opinion": "意" * 5001}):
        refused = approver.post("/api/v1/batch/approve", json=body)
        assert refused.status_code == 422, body
    assert approver.post("/api/v1/batch/approve", data="[1]", content_type="application/json").status_code == 400
    assert svc.get_item(world.app, world.admin, item_id).state == "approval"
    unknown = approver.post("/api/v1/batch/approve", json={"items": [item_id, 999999]}).get_json()
    assert unknown[0]["ok"] and unknown[1] == {"id": 999999, "ok": False, "error": "item_not_found",
                                               "message": unknown[1]["message"]}


def test_batch_approval_in_the_browser_pages(world: World, as_user) -> None:
    ids = [_in_approval(world, f"批量事项{n}") for n in range(4)]
    review = svc.create_item(world.app, world.drafter, item_payload(title="仍在保密审查"))
    svc.submit(world.app, world.drafter, review.id)
    client = as_user("approver")
    tasks = client.get("/").get_data(as_text=True)
    assert all(f'value="{item_id}" id="select-{item_id}"' in tasks for item_id in ids)
    assert f'id="select-{review.id}"' not in as_user("reviewer").get("/").get_data(as_text=True)  # review: one by one
    assert "批量批准" in tasks and "逐项审查，一事一审" in tasks
    assert 'id="select-' not in as_user("drafter").get("/").get_data(as_text=True)
    assert "逐项审查，一事一审" in as_user("reviewer").get("/").get_data(as_text=True)

    chosen = [*ids, review.id]  # the last one is not in approval: refused, the others approved
    confirm = client.post("/tasks/batch-approve", data={"items": [str(i) for i in chosen]})
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "确认批量批准" in page
    assert "批量事项0" in _row(page, f"preview-{ids[0]}") and "学校网站、微信公众号" in _row(page, f"preview-{ids[0]}")
    assert "确认后立即发布" in _row(page, f"preview-{ids[0]}")
    assert "目前不能批准" in _row(page, f"preview-{review.id}")
    assert all(svc.get_item(world.app, world.admin, i).state == "approval" for i in ids)  # nothing approved yet

    result = client.post("/tasks/batch-approve/confirm", data={"items": [str(i) for i in chosen]})
    page = result.get_data(as_text=True)
    assert result.status_code == 200 and "已批准 4 项，未批准 1 项" in page
    assert "已批准，已发布" in _row(page, f"result-{ids[0]}")
    assert "未批准" in _row(page, f"result-{review.id}") and "仍在保密审查" in _row(page, f"result-{review.id}")
    assert all(svc.get_item(world.app, world.admin, i).state == "published" for i in ids)
    assert client.post("/tasks/batch-approve", data={}).status_code == 422
    assert client.post("/tasks/batch-approve", data={"items": ["abc"]}).status_code == 422


# --------------------------------------------------------------------------- confirm before anything goes public

def test_approve_shows_what_goes_public_and_needs_the_confirmation(world: World, as_user) -> None:
    number = resident_id()
    item = svc.create_item(world.app, world.drafter, item_payload(
        title="2025年国家奖学金获奖学生名单公示", body=f"张三，身份证号{number}，经济管理学院2023级。\n" + "正文" * 200))
    add_attachment(world.app, world.drafter, item.id, "获奖名单.txt", "text/plain", "名单".encode())
    svc.submit(world.app, world.drafter, item.id)
    key = item_findings(world.app, world.reviewer, item.id)["findings"][0]["key"]
    svc.pass_review(world.app, world.reviewer, item.id, checklist={**CLEAR, "personal_info": True}, legal_basis=BASIS,
                    justifications={"personal_info": {"ground": "legal_duty"}}, payload={"accept_findings": [key]})
    approver = as_user("approver")
    version = svc.get_item(world.app, world.admin, item.id).version
    assert "确认后才会发布" in approver.get(f"/items/{item.id}").get_data(as_text=True)

    shown = approver.post(f"/items/{item.id}/do/approve", data={"version": str(version), "publish_at": ""})
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "请确认：批准" in page
    assert "2025年国家奖学金获奖学生名单公示" in page and "经济管理学院2023级" in page and "……" in page
    assert "学校网站、微信公众号" in page and "确认后立即发布" in page and "获奖名单.txt" in page
    assert BASIS in page.split('class="small mb-1 accepted-findings"', 1)[1]
    assert svc.get_item(world.app, world.admin, item.id).state == "approval"  # nothing fired
    assert 'name="confirmed" value="1"' in page and f'name="version" value="{version}"' in page

    later = approver.post(f"/items/{item.id}/do/approve", data={"version": str(version),
                                                                "publish_at": "2025-10-09T09:00"})
    assert "定时发布：2025年10月9日 09:00" in later.get_data(as_text=True)
    done = approver.post(f"/items/{item.id}/do/approve", data={"version": str(version), "publish_at": "2025-10-09T09:00",
                                                               "confirmed": "1"})
    assert done.status_code == 302
    assert svc.get_item(world.app, world.admin, item.id).state == "scheduled"

    admin = as_user("admin")  # 发布 (publish now) of a scheduled item: the same confirmation
    version = svc.get_item(world.app, world.admin, item.id).version
    now = admin.post(f"/items/{item.id}/do/publish", data={"version": str(version)}).get_data(as_text=True)
    assert "请确认：发布" in now and "确认后立即发布" in now
    assert svc.get_item(world.app, world.admin, item.id).state == "scheduled"
    assert admin.post(f"/items/{item.id}/do/publish", data={"version": str(version), "confirmed": "1"}).status_code == 302
    assert svc.get_item(world.app, world.admin, item.id).state == "published"


def test_the_confirmation_refuses_what_approve_would_refuse(world: World, as_user) -> None:
    item_id = _in_approval(world, "审批中事项")
    approver = as_user("approver")
    stale = approver.post(f"/items/{item_id}/do/approve", data={"version": "1"})
    assert stale.status_code == 409 and "请确认" not in stale.get_data(as_text=True)
    own = _in_approval(world, "自己起草的事项", author=world.all_rounder)
    refused = as_user("all_rounder").post(f"/items/{own}/do/approve", data={})
    assert refused.status_code == 403
    countersign = _route_world(world, vote=False)  # a 会签 of two: the first vote does not publish
    first = as_user("approver").post(f"/items/{countersign}/do/approve", data={}).get_data(as_text=True)
    assert "您批准后还需 1 人批准，之后立即发布" in first
    assert as_user("approver").post(f"/items/{countersign}/do/approve", data={"confirmed": "1"}).status_code == 302
    last = as_user("approver2").post(f"/items/{countersign}/do/approve", data={}).get_data(as_text=True)
    assert "确认后立即发布" in last
