"""Migration 0033 on a populated database: down drops ``user_sessions.sso_ticket_hash`` (sessions stay open and
usable); up again restores it empty, with its index, and single logout finds a session by it again."""
from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from db.migrate import alembic_config, upgrade
from tests.conftest import World
from workflow.services import sessions


def test_down_and_up_again(world: World) -> None:
    app = world.app
    with app.db.write() as session:
        password_sid = sessions.start(session, app, world.drafter.id, app.now())
        sessions.start(session, app, world.reviewer.id, app.now(), sso_ticket="ST-1-before")
    command.downgrade(alembic_config(app.db), "0032")
    with app.db.engine.connect() as connection:
        assert "sso_ticket_hash" not in {c["name"] for c in inspect(connection).get_columns("user_sessions")}
    upgrade(app.db)
    with app.db.engine.connect() as connection:
        inspector = inspect(connection)
        assert "sso_ticket_hash" in {c["name"] for c in inspector.get_columns("user_sessions")}
        assert "ix_user_sessions_sso_ticket_hash" in {i["name"] for i in inspector.get_indexes("user_sessions")}
    assert sessions.session_user(app, world.drafter.id, password_sid) is not None
    with app.db.write() as session:  # the old ticket's hash went with the column: nothing to end
        assert sessions.end_by_sso_ticket(session, "ST-1-before", app.now()) == 0
        sessions.start(session, app, world.approver.id, app.now(), sso_ticket="ST-2-after")
    with app.db.write() as session:
        assert sessions.end_by_sso_ticket(session, "ST-2-after", app.now()) == 1
