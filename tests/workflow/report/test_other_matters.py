"""The part 「其他需要报告的事项」 (State Council format part six; 教育部 notices): the report's last part,
with a default text from the figures (信息处理费), editable per year, printed in HTML and DOCX, in the JSON."""
from __future__ import annotations

import io

from docx import Document

from tests.conftest import World
from tests.workflow.report.sample import reference_report
from workflow.report import NARRATIVE_KEYS, SECTION_KEYS, ReportData, default_headings, render, render_narrative
from workflow.services import reports

HEADING = "七、其他需要报告的事项"


def test_it_is_the_last_part_with_its_heading() -> None:
    assert SECTION_KEYS[-1] == "other_matters" and "other_matters" in NARRATIVE_KEYS
    assert default_headings()["other_matters"] == HEADING


def test_default_text_from_the_fees() -> None:
    data = reference_report()
    assert render_narrative({}, data)["other_matters"].startswith("本学年未收取信息处理费。")
    data.fees.charged_total, data.fees.count, data.fees.waived_total = 30.0, 2, 5.0
    text = render_narrative({}, data)["other_matters"]
    assert text.startswith("本学年依申请公开共收取信息处理费30.00元（2笔），减免5.00元。")


def test_printed_in_html_docx_and_json() -> None:
    data = reference_report().with_narrative({"other_matters": "本学年办理政协提案1件。"})
    page = render(data, "html").decode("utf-8")
    part = page[page.index('<section id="other_matters">'):]
    assert f"<h2>{HEADING}</h2>" in part and "<p>本学年办理政协提案1件。</p>" in part
    assert part.index("</section>") < part.index('class="signature"')  # before the signature
    doc = Document(io.BytesIO(render(data, "docx")))
    texts = [p.text for p in doc.paragraphs]
    assert texts.index(HEADING) + 1 == texts.index("本学年办理政协提案1件。")
    assert texts.index(HEADING) > texts.index("六、主要问题和改进措施")
    import json
    body = json.loads(render(data, "json"))
    assert body["narrative"]["other_matters"] == "本学年办理政协提案1件。"


def test_a_report_stored_before_the_part_gets_the_default() -> None:
    stored = reference_report().to_json_dict()
    stored["narrative"] = {"overview": "概述。"}  # as stored before: no other_matters
    page = render(ReportData.from_dict(stored), "html").decode("utf-8")
    assert HEADING in page and "本学年未收取信息处理费。" in page


def test_edited_per_year_and_audited(world: World) -> None:
    saved = reports.save_narratives(world.app, world.admin, "2024-2025",
                                    {"other_matters": "本学年收取信息处理费{{ fees.charged_total | money }}元。"})
    assert saved["other_matters"].source == "year"
    data = reports.annual_report(world.app, world.admin, "2024-2025")
    assert reports.render_annual(world.app, world.admin, "2024-2025", "json", with_charts=False) \
        .decode("utf-8").count("本学年收取信息处理费0.00元。") == 1
    assert data.narrative["other_matters"].startswith("本学年收取信息处理费")
    from sqlalchemy import select

    from db.models import AuditEvent
    with world.app.db.read() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "report_narrative")).all()
    assert any("other_matters" in (e.data or {}).get("sections", []) for e in events)
