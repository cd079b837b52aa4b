"""Migration 0034 on a populated database: down drops the IM columns and ``im_tokens`` (mail and inbox rows
stay); up again restores them — every outbox row ``email``, every existing notification ``none`` (no
backlog is messaged when 企业微信 / 钉钉 is switched on), every user wanting IM."""
from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, select

from db.migrate import alembic_config, upgrade
from db.models import Notification, OutboxMail, User
from tests.conftest import World, item_payload
from workflow.mailer import queue_instant
from workflow.services import items as svc


def test_down_and_up_again(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)
    with app.db.write() as session:
        session.execute(User.__table__.update().values(notify_pref="instant"))
    assert queue_instant(app) >= 1
    command.downgrade(alembic_config(app.db), "0033")
    with app.db.engine.connect() as connection:
        inspector = inspect(connection)
        assert not {"channel", "link"} & {c["name"] for c in inspector.get_columns("outbox")}
        assert "im_status" not in {c["name"] for c in inspector.get_columns("notifications")}
        assert "im_enabled" not in {c["name"] for c in inspector.get_columns("users")}
        assert "im_tokens" not in inspector.get_table_names()
    upgrade(app.db)
    with app.db.read() as session:
        assert set(session.scalars(select(OutboxMail.channel))) == {"email"}
        assert set(session.scalars(select(Notification.im_status))) == {"none"}
        assert set(session.scalars(select(User.im_enabled))) == {True}
    second = svc.create_item(app, world.drafter, item_payload(title="另一事项"))
    svc.submit(app, world.drafter, second.id)
    with app.db.read() as session:  # rows written after the migration wait for IM
        assert "pending" in set(session.scalars(select(Notification.im_status)))
