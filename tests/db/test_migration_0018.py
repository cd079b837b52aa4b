"""Migration 0018 on a populated database: down to 0017 and up again keeps the decisions and brings back
the justifications column and the retention triggers."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from db.migrate import alembic_config, upgrade
from tests.conftest import CLEAR, World, item_payload
from workflow.services import items as svc

ASSESSMENT = {"purpose_necessity": "目的", "impact_risks": "风险", "protective_measures": "措施"}


def test_down_and_up_again_keeps_decisions_and_the_retention_rule(world: World) -> None:
    from alembic import command
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, item.id)
    svc.pass_review(app, world.reviewer, item.id, checklist=CLEAR)
    command.downgrade(alembic_config(app.db), "0017")
    columns = {column["name"] for column in inspect(app.db.engine).get_columns("decisions")}
    assert "justifications" not in columns
    assert "personal_info_assessments" not in inspect(app.db.engine).get_table_names()

    upgrade(app.db)

    other = svc.create_item(app, world.drafter, item_payload())
    svc.submit(app, world.drafter, other.id)
    svc.pass_review(app, world.reviewer, other.id, checklist={**CLEAR, "personal_info": True,
                                                              "sensitive_personal_info": True},
                    legal_basis="教财厅函〔2017〕28号", justifications={
                        "personal_info": {"ground": "legal_duty"}, "sensitive_personal_info": {"assessment": ASSESSMENT}})
    with app.db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM decisions")).scalar_one() == 2
    with pytest.raises(DBAPIError):
        with app.db.engine.begin() as connection:
            connection.execute(text("DELETE FROM personal_info_assessments"))
