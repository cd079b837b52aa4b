"""Migration 0025 on a populated database: down drops the opinions and the phrases; up again gives every
existing return and rejection its reason as its opinion (the reason is the opinion), a pass none."""
from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from db.migrate import alembic_config, upgrade
from db.models import Decision
from tests.conftest import CLEAR, World, item_payload
from workflow.services import items as svc
from workflow.services import phrases


def test_down_and_up_again(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)
    svc.transition(app, world.reviewer, item.id, "return", {"reason": "请补充法律依据"})
    svc.submit(app, world.drafter, item.id)
    svc.transition(app, world.reviewer, item.id, "pass_review", {"checklist": CLEAR, "opinion": "同意公开"})
    svc.reject(app, world.approver, item.id, "暂缓公开")
    phrases.set_my_phrases(app, world.reviewer, {"pass_review": ["同意"]})

    before = ScriptDirectory.from_config(alembic_config(app.db)).get_revision("0025").down_revision
    command.downgrade(alembic_config(app.db), str(before))
    with app.db.engine.connect() as connection:
        inspector = inspect(connection)
        assert "opinion" not in {c["name"] for c in inspector.get_columns("decisions")}
        assert "user_phrases" not in inspector.get_table_names()
    upgrade(app.db)
    with app.db.read() as session:
        rows = session.execute(select(Decision.kind, Decision.opinion).where(Decision.item_id == item.id)
                               .order_by(Decision.id)).all()
    assert [tuple(row) for row in rows] == [("return", "请补充法律依据"), ("pass_review", None), ("reject", "暂缓公开")]
    assert "同意公开" in phrases.my_phrases(app, world.reviewer)["pass_review"]   # built-in again
