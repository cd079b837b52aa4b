"""Issue 12 point 1: a reply to an application is 依申请公开, never 主动公开.

Approving a reply sets ``published_at`` like any item; it used to count in the yearly report's
``active`` figures and, filed under 清单 entry "1" by default, to fake that entry's coverage.
"""
from __future__ import annotations

from datetime import datetime

from tests.conftest import CLEAR, World, item_payload
from workflow.clock import SHANGHAI
from workflow.services import applications as requests
from workflow.services import items as svc
from workflow.services import reports

INTAKE = {"applicant_kind": "natural", "name": "王五", "contact": "wangwu@example.com",
          "request_text": "请公开2024年学生资助资金使用情况", "delivery_form": "email", "channel": "post",
          "received_at": "2025-09-26T09:00:00+08:00"}


def _through(world: World, item_id: int) -> None:
    svc.submit(world.app, world.drafter, item_id)
    svc.pass_review(world.app, world.reviewer, item_id, checklist=CLEAR)
    svc.approve(world.app, world.approver, item_id)


def test_a_reply_moves_neither_active_total_nor_coverage(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload(catalog_code="7"))
    _through(world, item.id)
    before = reports.annual_report(app, world.admin, "2025-2026")
    coverage_before = reports.coverage(app, "2025-2026", world.admin).to_dict()

    application = requests.register_application(app, world.admin, INTAKE)
    requests.assign(app, world.admin, application.id, "xsc")
    reply = requests.prepare_reply(app, world.drafter, application.id, "disclosed")
    _through(world, reply.id)
    assert svc.get_item(app, world.admin, reply.id).published_at is not None  # approved: it was "published"

    after = reports.annual_report(app, world.admin, "2025-2026")
    assert after.active.total == before.active.total == 1
    assert after.active.by_department == before.active.by_department
    assert after.active.by_channel == before.active.by_channel
    covered = {c.code for c in after.catalog_coverage if c.covered}
    assert covered == {c.code for c in before.catalog_coverage if c.covered} == {"7"}
    coverage_after = reports.coverage(app, "2025-2026", world.admin).to_dict()
    assert coverage_after["covered"] == coverage_before["covered"] == 1
    assert all(sum(e["by_month"].values()) == e["published"] for e in coverage_after["entries"])
    assert after.applications["replied"] == 1  # it counts where it belongs: 依申请公开


def test_an_existing_reply_is_not_counted_even_if_it_stayed_published(world: World) -> None:
    """Whatever state the reply is left in (approved during a consultation, before the fix)."""
    from sqlalchemy import update

    from db.models import Item
    app = world.app
    application = requests.register_application(app, world.admin, INTAKE)
    requests.assign(app, world.admin, application.id, "xsc")
    reply = requests.prepare_reply(app, world.drafter, application.id, "disclosed")
    _through(world, reply.id)
    with app.db.write() as session:
        session.execute(update(Item).where(Item.id == reply.id).values(
            state="published", published_at=datetime(2025, 9, 26, 12, tzinfo=SHANGHAI)))
    data = reports.annual_report(app, world.admin, "2025-2026")
    assert data.active.total == 0 and not any(c.covered for c in data.catalog_coverage)
