"""Migration 0024 on a populated database: existing items become searchable by title, body and attachment
names at once; their attachments' text follows through the scheduler's ``scan`` job (bounded extraction)."""
from __future__ import annotations

from alembic import command
from sqlalchemy import select

from db.migrate import alembic_config, upgrade
from db.models.search import ItemSearch
from tests.conftest import World, item_payload
from workflow import scheduler
from workflow.services import attachments, queries
from workflow.services import items as svc


def _found(world: World, q: str) -> list[int]:
    return [item.id for item in queries.list_items(world.app, world.admin, q=q).items]


def test_existing_items_are_indexed_and_their_attachment_texts_follow(world: World) -> None:
    app = world.app
    plain = svc.create_item(app, world.drafter, item_payload(title="关于学费标准的公示", body="按学年收取。"))
    with_file = svc.create_item(app, world.other_drafter, item_payload(title="实验室开放", department="jwc"))
    attachments.add_attachment(app, world.other_drafter, with_file.id, "开放安排.txt", "text/plain",
                               "周末开放化学实验室".encode())
    command.downgrade(alembic_config(app.db), "0023")   # the index and the stored texts are gone
    upgrade(app.db)
    assert _found(world, "学费") == [plain.id]
    assert _found(world, "学年") == [plain.id]
    assert _found(world, "开放安排") == [with_file.id]       # the file name right away
    assert _found(world, "化学") == []                       # its text once extracted
    with app.db.read() as session:
        pending = dict(session.execute(select(ItemSearch.item_id, ItemSearch.pending)).tuples().all())
        departments = dict(session.execute(select(ItemSearch.item_id, ItemSearch.department_id)).tuples().all())
    assert pending == {plain.id: 0, with_file.id: 1}
    assert departments == {plain.id: plain.department_id, with_file.id: with_file.department_id}
    assert scheduler.scan_attachments(app) >= 1
    assert _found(world, "化学") == [with_file.id]
    assert [i.id for i in queries.list_items(app, world.drafter, q="化学").items] == []   # scope as before
    # new changes after the migration are indexed as usual
    svc.update_item(app, world.drafter, plain.id, {"body": "按学期收取。"})
    assert _found(world, "学年") == [] and _found(world, "学期") == [plain.id]
