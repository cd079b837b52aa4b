"""Migration 0032 on a populated database: down drops the identity columns (users, their roles and the
items they drafted stay); up again restores them, every account ``local``; 工号 stays unique."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, select, update
from sqlalchemy.exc import IntegrityError

from db.migrate import alembic_config, upgrade
from db.models import Department, User
from tests.conftest import World, item_payload
from workflow.services import items as svc

IDENTITY_COLUMNS = {"employee_no", "auth_source", "directory_dn", "deactivated_at", "wecom_userid", "dingtalk_userid"}


def test_down_and_up_again(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    with app.db.write() as session:
        session.execute(update(User).where(User.id == world.drafter.id)
                        .values(employee_no="20190001", auth_source="cas", wecom_userid="zhangsan"))
    command.downgrade(alembic_config(app.db), "0031")
    with app.db.engine.connect() as connection:
        inspector = inspect(connection)
        assert not IDENTITY_COLUMNS & {c["name"] for c in inspector.get_columns("users")}
        assert "directory_key" not in {c["name"] for c in inspector.get_columns("departments")}
    upgrade(app.db)
    with app.db.read() as session:
        drafter = session.get(User, world.drafter.id)
        assert drafter is not None and drafter.roles == world.drafter.roles
        assert (drafter.employee_no, drafter.auth_source, drafter.wecom_userid) == (None, "local", None)
        assert session.scalar(select(Department.directory_key).limit(1)) is None
    assert svc.get_item(app, world.admin, item.id).title == item.title


def test_employee_number_is_unique(world: World) -> None:
    with pytest.raises(IntegrityError):
        with world.app.db.write() as session:
            session.execute(update(User).values(employee_no="20190001"))
