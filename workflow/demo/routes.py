"""The demo's review route (审批路线): 招生就业处's 招生考试信息 go 部门负责人审核 → 保密办复审 (the 保密办 sits in
the 党政办公室) → a 会签 of 招生就业处 and 财务处 → 分管校领导审批. Made after the demo items, so the items
the demo walked through keep the default route, and an item drafted in the demo follows this one."""
from __future__ import annotations

from sqlalchemy import select

from db.models.routes import ReviewRoute
from workflow.context import Gongkai
from workflow.demo.users import demo_actor
from workflow.services import routes as route_service

DEMO_ROUTE = {
    "name": "招生类信息审批路线", "catalog_codes": ["zsks"], "departments": ["zsjyc"],
    "steps": [
        {"stage": "secrecy_review", "name": "部门负责人审核", "role": "reviewer", "quorum": "any"},
        {"stage": "secrecy_review", "name": "保密办复审", "role": "reviewer", "department": "dzb", "quorum": "any"},
        {"stage": "approval", "name": "招生就业处、财务处会签", "role": "approver",
         "users": ["zsjyc-approver", "cwc-approver"], "quorum": "all"},
        {"stage": "approval", "name": "分管校领导审批", "role": "approver", "users": ["dzb-approver"], "quorum": "any"},
    ]}


def demo_route(app: Gongkai) -> bool:
    """Create the demo route unless a route of that name exists; True when it was created."""
    with app.db.read() as session:
        if session.scalar(select(ReviewRoute.id).where(ReviewRoute.name == DEMO_ROUTE["name"])) is not None:
            return False
    route_service.create_route(app, demo_actor(app, "admin"), DEMO_ROUTE)
    return True
