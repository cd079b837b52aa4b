"""Migration 0017 on a populated database: the 清单 wording follows the notice, an admin's own title stays."""
from __future__ import annotations

from sqlalchemy import update

from db.migrate import alembic_config, upgrade
from db.models import CatalogCategory, CatalogEntry
from tests.conftest import World


def _titles(world: World) -> dict[str, str]:
    with world.app.db.read() as session:
        # the columns only: at revision 0016 later columns of the model (0020's not_applicable) do not exist yet
        entries = {f"entry {e.code}": e.title for e in session.query(CatalogEntry.code, CatalogEntry.title).filter(
            CatalogEntry.code.in_(("33", "43", "49", "50")))}
        categories = {f"category {c.code}": c.title for c in session.query(CatalogCategory).filter(
            CatalogCategory.code.in_(("cwzc", "xsgl", "xwxk")))}
    return {**entries, **categories}


def test_old_default_wording_is_corrected_and_an_admin_edit_survives(world: World) -> None:
    from alembic import command
    app = world.app
    command.downgrade(alembic_config(app.db), "0016")
    downgraded = _titles(world)
    assert downgraded["entry 50"] == "突发事件的应急处理预案、预警信息和处置情况"
    assert downgraded["category xwxk"] == "学位学科信息"
    with app.db.write() as session:  # an admin renamed entry 33 before the upgrade
        session.execute(update(CatalogEntry).where(CatalogEntry.code == "33").values(title="本校毕业生就业质量报告"))

    upgrade(app.db)

    assert _titles(world) == {
        "entry 33": "本校毕业生就业质量报告",
        "entry 43": "授予博士、硕士、学士学位的基本要求",
        "entry 49": "巡视组反馈意见，落实反馈意见整改情况",
        "entry 50": "自然灾害等突发事件的应急处理预案、预警信息和处置情况，涉及学校的重大事件的调查和处理情况",
        "category cwzc": "财务、资产及收费信息", "category xsgl": "学生管理服务信息", "category xwxk": "学位、学科信息"}
