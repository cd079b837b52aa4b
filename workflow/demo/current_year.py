"""This year's demo data: per department, items in every state (overdue ones included), and
three 依申请公开 requests; back-dated by pinning the clock, made through the real workflow verbs."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select

from db.models import Department, Item
from workflow.access import Actor
from workflow.clock import FixedClock, local_date
from workflow.context import Gongkai
from workflow.checklist import ALL_CLEAR
from workflow.demo.users import ROLE_USERS, demo_actor
from workflow.services import items as svc


def _at(app: Gongkai, when: datetime) -> Gongkai:
    """The same instance with its clock pinned at ``when`` (demo history is back-dated)."""
    return dataclasses.replace(app, clock=FixedClock(when))


def _catalog_for(app: Gongkai, dept_code: str) -> str:
    from db.models import CatalogEntry
    with app.db.read() as session:
        code = session.scalar(select(CatalogEntry.code).where(CatalogEntry.department_code == dept_code)
                              .order_by(CatalogEntry.position))
        return code or session.scalar(select(CatalogEntry.code).order_by(CatalogEntry.position))


def _item(app: Gongkai, when: datetime, drafter: Actor, dept: Department, title: str, days_ago: int = 0) -> Item:
    at = _at(app, when)
    return svc.create_item(at, drafter, {
        "title": title, "department": dept.code, "catalog_code": _catalog_for(app, dept.code),
        "body": f"{dept.name}关于“{title}”的公开内容。本信息依据《高等学校信息公开办法》主动公开。",
        "channels": ["website", "wechat"], "formed_on": local_date(when - timedelta(days=days_ago)).isoformat()})


def demo_items(app: Gongkai, dept: Department, now: datetime) -> int:
    """One department's items across every state, some overdue."""
    drafter, reviewer, approver = (demo_actor(app, f"{dept.code}-{r}") for r, _ in ROLE_USERS)
    admin = demo_actor(app, "admin")
    clear = dict(ALL_CLEAR)
    ago = lambda days: now - timedelta(days=days)  # noqa: E731

    def run(verb: Callable[..., Item], when: datetime, *args: object, **kwargs: object) -> Item:
        return verb(_at(app, when), *args, **kwargs)

    _item(app, ago(1), drafter, dept, f"{dept.name}2025-2026学年工作要点")
    _item(app, ago(35), drafter, dept, f"{dept.name}规章制度汇编（草稿，已超期）")
    review = _item(app, ago(2), drafter, dept, f"{dept.name}年度工作计划")
    run(svc.submit, ago(2), drafter, review.id)
    late = _item(app, ago(12), drafter, dept, f"{dept.name}专项经费使用情况")
    run(svc.submit, ago(10), drafter, late.id)
    very_late = _item(app, ago(20), drafter, dept, f"{dept.name}办事指南更新")
    run(svc.submit, ago(18), drafter, very_late.id)
    returned = _item(app, ago(6), drafter, dept, f"{dept.name}评优结果公示")
    run(svc.submit, ago(5), drafter, returned.id)
    run(svc.return_item, ago(4), reviewer, returned.id, reason="请删除附件中的联系电话后重新提交")
    approval = _item(app, ago(4), drafter, dept, f"{dept.name}招聘信息")
    run(svc.submit, ago(3), drafter, approval.id)
    # a recruitment notice names the people hired (法定职责, 个人信息保护法 Art. 13(3)) and was approved beforehand
    run(svc.pass_review, ago(2), reviewer, approval.id, checklist={**clear, "personal_info": True, "prior_approval": True},
        legal_basis="《高等学校信息公开办法》第七条；《事业单位公开招聘人员暂行规定》",
        justifications={"personal_info": {"ground": "legal_duty"},
                        "prior_approval": {"document_number": f"{dept.name}〔{ago(6).year}〕1号",
                                           "document_date": local_date(ago(6)).isoformat()}})
    scheduled = _item(app, ago(5), drafter, dept, f"{dept.name}下学期安排")
    run(svc.submit, ago(4), drafter, scheduled.id)
    run(svc.pass_review, ago(3), reviewer, scheduled.id, checklist=clear)
    run(svc.approve, ago(2), approver, scheduled.id, publish_at=(now + timedelta(days=3)).isoformat())
    for n, days in enumerate((40, 25, 9)):
        published = _item(app, ago(days + 3), drafter, dept, f"{dept.name}公开信息第{n + 1}期")
        run(svc.submit, ago(days + 2), drafter, published.id)
        if n == 0:  # a 公示 is 过程性信息 published by design during its 公示期 (条例 Art. 16: a judgement)
            run(svc.pass_review, ago(days + 1), reviewer, published.id, checklist={**clear, "undecided": True},
                justifications={"undecided": {"ground": "publicity", "reason": "公示期内公开，接受师生监督"}})
        else:
            run(svc.pass_review, ago(days + 1), reviewer, published.id, checklist=clear)
        run(svc.approve, ago(days), approver, published.id)
    run(svc.archive, ago(2), admin, published.id, reason="公示期满")
    return 11 + 3


def settle_old_notifications(app: Gongkai, before: datetime) -> int:
    """Back-dated demo history leaves inbox entries people would long have read and been mailed
    about: mark them read and not to be mailed, so the demo inbox and outbox look lived-in."""
    from sqlalchemy import update

    from db.models import Notification
    with app.db.write() as session:
        return session.execute(update(Notification).where(Notification.created_at < before)
                               .values(read_at=Notification.created_at, mail_status="none")).rowcount


def demo_applications(app: Gongkai, now: datetime) -> int:
    """Three 依申请公开 requests of this year: one just received, one overdue, one replied."""
    from workflow.services import applications as requests
    admin = demo_actor(app, "admin")
    specs = [
        (2, "natural", "李明", "liming@example.com", "请公开2025年学生资助资金的使用情况", "xsc"),
        (30, "business", "某教育科技有限公司", "0596-1234567", "请提供2025年度设备采购项目的招标结果", "cwc"),
        (12, "natural", "王芳", "wangfang@example.com", "请公开2025年招生章程及录取最低分", "zsjyc"),
    ]
    made = []
    for days, kind, name, contact, text, dept in specs:
        received = now - timedelta(days=days)
        application = requests.register_application(_at(app, received), admin, {
            "applicant_kind": kind, "name": name, "contact": contact, "request_text": text,
            "delivery_form": "email", "channel": "online", "received_at": received.isoformat()})
        requests.assign(_at(app, received + timedelta(hours=2)), admin, application.id, dept)
        made.append((application, dept, received))
    replied, dept, received = made[2]
    when = received + timedelta(days=3)
    reply = requests.prepare_reply(_at(app, when), demo_actor(app, f"{dept}-drafter"), replied.id, "disclosed",
                                   supplied="2025年招生章程及各批次录取最低分见附件。")
    svc.submit(_at(app, when), demo_actor(app, f"{dept}-drafter"), reply.id)
    svc.pass_review(_at(app, when + timedelta(hours=1)), demo_actor(app, f"{dept}-reviewer"), reply.id,
                    checklist=dict(ALL_CLEAR))
    svc.approve(_at(app, when + timedelta(hours=2)), demo_actor(app, f"{dept}-approver"), reply.id)
    return len(made)


