"""The demo users: ``admin`` and, per department, CODE-drafter / CODE-reviewer / CODE-approver,
all with the password :data:`DEMO_PASSWORD`; and the all-clear checklist their reviewers tick."""
from __future__ import annotations


from sqlalchemy import select

from db.models import Department, User
from workflow.access import Actor, actor_from_user
from workflow.context import Gongkai
from workflow.services.users import add_user

DEMO_PASSWORD = "gongkai-demo"
ROLE_USERS = (("drafter", "起草人"), ("reviewer", "审查员"), ("approver", "审批人"))


def demo_users(app: Gongkai, departments: list[Department]) -> dict[str, object]:
    """admin, office (office head, approver everywhere) and CODE-drafter/-reviewer/-approver."""
    made: dict[str, object] = {}
    existing = set()
    with app.db.read() as session:
        existing = set(session.scalars(select(User.username)))
    specs = [("admin", ["admin"], ["*"], "信息公开办公室管理员", False, True)]
    for dept in departments:
        for role, label in ROLE_USERS:
            specs.append((f"{dept.code}-{role}", [role], [dept.code], f"{dept.name}{label}", role == "reviewer", False))
    for name, roles, scope, display, head, office_head in specs:
        if name not in existing:
            made[name] = add_user(app, name, roles=roles, departments=scope, password=DEMO_PASSWORD,
                                  email=f"{name}@demo.gongkai.local", display_name=display,
                                  department_head=head, office_head=office_head)
    return made


def demo_actor(app: Gongkai, username: str) -> Actor:
    """The demo user ``username`` as an actor of the workflow verbs."""
    with app.db.read() as session:
        return actor_from_user(session.scalar(select(User).where(User.username == username)))
