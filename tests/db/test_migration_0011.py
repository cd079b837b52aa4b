"""Migration 0011 on a populated database: replies get their kind, contributors come from the audit trail."""
from __future__ import annotations

from sqlalchemy import select

from db.migrate import alembic_config, upgrade
from db.models import Item, ItemContributor
from tests.conftest import CLEAR, World, item_payload
from workflow.services import applications as requests
from workflow.services import attachments
from workflow.services import items as svc


def test_down_and_up_again_keeps_replies_and_rebuilds_contributors(world: World) -> None:
    from alembic import command
    app = world.app
    application = requests.register_application(app, world.admin, {
        "applicant_kind": "natural", "name": "赵六", "contact": "z@example.com", "request_text": "请公开",
        "delivery_form": "email", "channel": "post", "received_at": "2025-09-26T09:00:00+08:00"})
    requests.assign(app, world.admin, application.id, "xsc")
    reply = requests.prepare_reply(app, world.drafter, application.id, "disclosed")
    item = svc.create_item(app, world.drafter, item_payload())
    svc.update_item(app, world.all_rounder, item.id, {"body": "他人修改"})
    svc.submit(app, world.drafter, item.id)
    svc.pass_review(app, world.reviewer, item.id, checklist=CLEAR)
    svc.approve(app, world.approver, item.id)
    revision = svc.revise(app, world.drafter2, item.id)
    attachments.add_attachment(app, world.drafter2, revision.id, "a.txt", "text/plain", b"x")

    command.downgrade(alembic_config(app.db), "0010")
    upgrade(app.db)

    with app.db.read() as session:
        kinds = dict(session.execute(select(Item.id, Item.kind)).all())
        assert kinds == {reply.id: "reply", item.id: "disclosure", revision.id: "disclosure"}
        assert session.get(Item, reply.id).catalog_code is None
        rows = session.execute(select(ItemContributor.item_id, ItemContributor.user_id)).all()
    by_item: dict[int, set[int]] = {}
    for item_id, user_id in rows:
        by_item.setdefault(item_id, set()).add(user_id)
    assert by_item[item.id] == {world.drafter.id, world.all_rounder.id}
    assert by_item[revision.id] == {world.drafter.id, world.all_rounder.id, world.drafter2.id}
    assert by_item[reply.id] == {world.drafter.id}
