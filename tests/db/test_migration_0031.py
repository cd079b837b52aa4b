"""Migration 0031 on stored narratives: a part that is word for word an earlier default template becomes the
new plain-form default (〔主动公开总数〕 …) and prints the same report; an admin's own text stays as it was
and keeps rendering; down and up again."""
from __future__ import annotations

from datetime import datetime, timezone

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import select

from db.migrate import alembic_config, upgrade
from db.models.reports import ReportNarrative
from tests.conftest import World
from tests.workflow.report.test_placeholders import _migration
from workflow.report import default_templates
from workflow.services import reports

OWN = "本学年共公开{{ active.total }}条。{% for c in channels %}{{ c.label }}{% endfor %}"


def _texts(world: World) -> dict[tuple[str, str], str]:
    with world.app.db.read() as session:
        return {(row.year, row.section): row.text for row in session.scalars(select(ReportNarrative))}


def test_earlier_defaults_become_the_plain_form_and_own_texts_stay(world: World) -> None:
    app, migration = world.app, _migration()
    before = ScriptDirectory.from_config(alembic_config(app.db)).get_revision("0031").down_revision
    at = datetime(2023, 9, 20, tzinfo=timezone.utc)
    rows = {("2022-2023", "applications"): migration.OLD_DEFAULTS["applications"][0],
            ("2022-2023", "preamble"): migration.OLD_DEFAULTS["preamble"][-1] + "\r\n",   # as a browser sent it
            ("2021-2022", "complaints"): migration.OLD_DEFAULTS["complaints"][-1],
            # an older default (「六部分」, before part 七 existed) gets the current wording
            ("2019-2020", "preamble"): migration.OLD_DEFAULTS["preamble"][0],
            ("2022-2023", "overview"): OWN,
            ("2022-2023", "evaluation"): "评议良好。"}
    with app.db.write() as session:
        session.add_all(ReportNarrative(year=year, section=section, text=text, updated_at=at)
                        for (year, section), text in rows.items())
    # rendered by today's code (which still renders the older syntax): at the old revision the models of later
    # migrations' columns could not be loaded; the downgrade leaves these texts as they are (none is a new default)
    old_json = reports.render_annual(app, None, "2022-2023", "json")
    command.downgrade(alembic_config(app.db), str(before))
    assert _texts(world) == {key: text for key, text in rows.items()}

    upgrade(app.db)
    texts = _texts(world)
    assert texts[("2022-2023", "applications")] == default_templates()["applications"]
    assert texts[("2022-2023", "preamble")] == default_templates()["preamble"]
    assert texts[("2021-2022", "complaints")] == default_templates()["complaints"]
    assert texts[("2019-2020", "preamble")] == default_templates()["preamble"]
    assert "〔新收申请数〕" in texts[("2022-2023", "applications")]
    assert texts[("2022-2023", "overview")] == OWN and texts[("2022-2023", "evaluation")] == "评议良好。"
    assert reports.render_annual(app, None, "2022-2023", "json") == old_json    # the same report

    command.downgrade(alembic_config(app.db), str(before))
    texts = _texts(world)
    assert texts[("2022-2023", "applications")] == migration.OLD_DEFAULTS["applications"][-1]
    assert texts[("2022-2023", "overview")] == OWN
    upgrade(app.db)
    assert _texts(world)[("2022-2023", "applications")] == default_templates()["applications"]
