"""Yearly report statistics counted from the records — on SQLite and PostgreSQL."""
from __future__ import annotations

import io
import json
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.conftest import CLEAR
from workflow.channels import CODES as CHANNEL_CODES
from workflow.channels import NETWORK
from workflow.catalog import load_catalog
from workflow.clock import SHANGHAI, local_date
from workflow.errors import Forbidden, ValidationFailed
from workflow.services import items as svc
from workflow.services import reports
from workflow.services.users import add_user

CODES = ("1", "7", "20", "30", "41")
CHANNEL_SETS = (["website"], ["wechat", "bulletin_board"], ["meeting"], ["print", "led_screen"], ["weibo", "app"])


def publish(world, when: datetime, *, dept: str = "xsc", code: str = "1", channels=("website",),
            formed_days: int = 3) -> int:
    """One item through create → submit → pass_review → approve, published at ``when``."""
    app, clock = world.app, world.app.clock
    drafter, reviewer, approver = ((world.drafter, world.reviewer, world.approver) if dept == "xsc" else
                                   (world.other_drafter, world.other_reviewer, world.actor("jwc_approver")))
    clock.set(when - timedelta(hours=2))
    item = svc.create_item(app, drafter, {
        "title": f"公开信息 {when:%Y-%m-%d %H:%M}", "body": "现予公开。", "department": dept, "catalog_code": code,
        "channels": list(channels), "formed_on": (local_date(when) - timedelta(days=formed_days)).isoformat()})
    svc.submit(app, drafter, item.id)
    clock.set(when - timedelta(hours=1))
    svc.pass_review(app, reviewer, item.id, checklist=CLEAR)
    clock.set(when)
    svc.approve(app, approver, item.id)
    return item.id


@pytest.fixture
def jwc_world(world):
    add_user(world.app, "jwc_approver", roles=["approver"], departments=["jwc"], password="password-123")
    return world


def test_year_counts_published_items_archived_included_outside_excluded(jwc_world) -> None:
    world = jwc_world
    inside = datetime(2022, 10, 10, 10, tzinfo=SHANGHAI)
    first = publish(world, datetime(2022, 9, 1, 0, 30, tzinfo=SHANGHAI), channels=["website", "wechat"])
    archived = publish(world, inside, code="20", channels=["meeting"])
    publish(world, datetime(2023, 8, 31, 23, 30, tzinfo=SHANGHAI), dept="jwc", code="7", channels=["bulletin_board"])
    publish(world, datetime(2022, 8, 31, 23, 59, tzinfo=SHANGHAI))  # the day before: excluded
    publish(world, datetime(2023, 9, 1, 0, 0, tzinfo=SHANGHAI))  # the day after: excluded
    world.app.clock.set(inside + timedelta(days=30))
    svc.archive(world.app, world.admin, archived, reason="公示期满")
    # a revision superseding ``first`` is an item of its own, published inside the year
    world.app.clock.set(datetime(2023, 3, 1, 9, tzinfo=SHANGHAI))
    revision = svc.revise(world.app, world.drafter, first)
    svc.submit(world.app, world.drafter, revision.id)
    svc.return_item(world.app, world.reviewer, revision.id, reason="请补充说明")
    svc.submit(world.app, world.drafter, revision.id)
    svc.pass_review(world.app, world.reviewer, revision.id, checklist=CLEAR)
    world.app.clock.set(datetime(2023, 3, 2, 9, tzinfo=SHANGHAI))
    svc.approve(world.app, world.approver, revision.id)

    data = reports.annual_report(world.app, world.admin, "2022-2023")
    a = data.active
    assert (a.total, a.network) == (4, 2)
    assert a.by_channel["website"] == 2 and a.by_channel["wechat"] == 2 and a.by_channel["meeting"] == 1
    assert a.by_department == {"xsc": 3, "jwc": 1}
    assert a.by_month["2022-09"] == 1 and a.by_month["2023-08"] == 1 and len(a.by_month) == 12
    category = load_catalog().entry
    assert a.by_category[category("1").category_code] >= 2
    assert sum(a.by_category.values()) == 4
    assert data.secrecy_review.returned == 1 and data.secrecy_review.reviewed == 4
    assert a.timeliness.within_deadline_share == 1.0 and a.timeliness.median_workdays is not None
    coverage = {c.code: c for c in data.catalog_coverage}
    assert coverage["20"].covered and coverage["20"].published == 1
    assert coverage["20"].links == [f"http://127.0.0.1:5000/public/items/{archived}"]
    assert not coverage["41"].covered and coverage["41"].links == []
    assert data.applications["received"] == 0 and data.fees.count == 0 and data.complaints.total == 0


def test_admin_only_and_bad_year(world) -> None:
    with pytest.raises(Forbidden):
        reports.annual_report(world.app, world.drafter, "2022-2023")
    with pytest.raises(Forbidden):
        reports.coverage(world.app, "2022-2023", world.reviewer)
    from workflow.errors import BadInput
    with pytest.raises(BadInput):
        reports.annual_report(world.app, world.admin, "2022-2024")


SPEC = st.tuples(st.integers(-40, 405), st.integers(0, 23), st.sampled_from(CHANNEL_SETS), st.sampled_from(CODES),
                 st.sampled_from(["xsc", "jwc"]), st.booleans())


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start_year=st.integers(2016, 2019), specs=st.lists(SPEC, min_size=1, max_size=5))
def test_random_years_sum_to_totals(jwc_world, start_year: int, specs) -> None:
    world = jwc_world
    made = getattr(world, "made", None)
    if made is None:
        made = world.made = []  # records accumulate over examples: expected counts use all of them
    category = load_catalog().entry
    for offset, hour, channels, code, dept, archive in sorted(specs):
        when = datetime.combine(date(start_year, 9, 1) + timedelta(days=offset), datetime.min.time(),
                                SHANGHAI).replace(hour=hour, minute=7)
        item_id = publish(world, when, dept=dept, code=code, channels=channels)
        if archive:
            world.app.clock.set(when + timedelta(days=2))
            svc.archive(world.app, world.admin, item_id)
        made.append((local_date(when), channels, category(code).category_code, dept))
    year = f"{start_year}-{start_year + 1}"
    first, last = date(start_year, 9, 1), date(start_year + 1, 8, 31)
    expected = [m for m in made if first <= m[0] <= last]

    a = reports.annual_report(world.app, None, year).active
    assert a.total == len(expected)
    assert a.network == sum(1 for m in expected if NETWORK & set(m[1]))
    assert sum(a.by_category.values()) == a.total == sum(a.by_department.values()) == sum(a.by_month.values())
    assert a.by_channel == {**{c: 0 for c in CHANNEL_CODES},
                            **Counter(c for m in expected for c in m[1])}
    network_by_channel = sum(n for c, n in a.by_channel.items() if c in NETWORK)
    assert a.network <= network_by_channel and a.total - a.network <= sum(a.by_channel.values()) - network_by_channel
    assert {k: v for k, v in a.by_department.items() if v} == dict(Counter(m[3] for m in expected))


def test_json_shape_is_stable(world) -> None:
    empty = json.loads(reports.render_annual(world.app, None, "2022-2023", "json"))
    publish(world, datetime(2023, 5, 4, 10, tzinfo=SHANGHAI))
    full = json.loads(reports.render_annual(world.app, None, "2022-2023", "json"))

    def shape(obj, depth=0):
        if isinstance(obj, dict) and depth < 2:
            return {k: shape(v, depth + 1) for k, v in obj.items() if k not in ("by_department", "links")}
        return type(obj).__name__ if obj is not None else "null"

    assert set(full) >= {"period", "active", "applications", "fees", "complaints", "catalog_coverage"}
    assert set(full["active"]) >= {"total", "network", "by_channel", "by_category", "by_department"}
    assert full["period"] == {"start": "2022-09-01", "end": "2023-08-31"}
    assert set(full) == set(empty) and set(full["active"]) == set(empty["active"])
    assert set(full["catalog_coverage"][0]) == set(empty["catalog_coverage"][0])
    assert shape(full)["applications"] == shape(empty)["applications"]
    assert (empty["active"]["total"], full["active"]["total"]) == (0, 1)


def test_docx_reads_back_with_python_docx(world) -> None:
    from docx import Document
    for n, code in enumerate(("1", "20", "20")):
        publish(world, datetime(2022, 11, 7 + n, 10, tzinfo=SHANGHAI), code=code,
                channels=["website"] if n else ["meeting"])
    body = reports.render_annual(world.app, world.admin, "2022-2023", "docx", with_charts=False)
    document = Document(io.BytesIO(body))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "信息公开年度报告（2022-2023学年）" in text
    assert "主动公开信息共3条" in text and "通过网络方式公开的信息数达2条" in text
    cells = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    assert ["新增主动公开信息（条）", "3"] in cells
    assert any(load_catalog().entry("20").title in row and "2" in row for row in cells)


def test_narratives_inherit_from_previous_year_and_refuse_sandbox_escape(world) -> None:
    reports.save_narratives(world.app, world.admin, "2021-2022", {"evaluation": "师生评议良好，共{{ active.total }}条。"})
    texts = reports.narratives(world.app, world.admin, "2022-2023")
    assert texts["evaluation"].source == "previous" and texts["evaluation"].from_year == "2021-2022"
    assert texts["overview"].source == "default"
    publish(world, datetime(2023, 1, 9, 10, tzinfo=SHANGHAI))
    reports.save_narratives(world.app, world.admin, "2022-2023", {"improvements": "明年继续改进。"})
    data = json.loads(reports.render_annual(world.app, None, "2022-2023", "json"))
    assert data["narrative"]["evaluation"] == "师生评议良好，共1条。"
    assert data["narrative"]["improvements"] == "明年继续改进。"
    with pytest.raises(ValidationFailed) as refused:
        reports.save_narratives(world.app, world.admin, "2022-2023",
                                {"overview": "{{ ''.__class__.__mro__[1].__subclasses__() }}"})
    assert refused.value.field == "sections.overview"
    with pytest.raises(Forbidden):
        reports.save_narratives(world.app, world.drafter, "2022-2023", {"overview": "x"})
    reports.save_narratives(world.app, world.admin, "2022-2023", {"improvements": ""})  # back to inherited
    assert reports.narratives(world.app, None, "2022-2023")["improvements"].source == "default"


def test_history_smoke_small_year(world) -> None:
    """The demo-year generator, scaled down (the full 732-item year is run by hand, see docs)."""
    from workflow.demo.reference_year import load_history
    from workflow.setup import sync_departments
    sync_departments(world.app)
    lines: list[str] = []
    summary = load_history(world.app, lines.append, total=8, network=5, progress=False, departments=["xsc", "jwc"])
    assert "8 items" in summary
    data = reports.annual_report(world.app, None, "2022-2023")
    assert (data.active.total, data.active.network) == (8, 5)
    assert data.applications["received"] == 0 and data.fees.count == 0
    assert load_history(world.app, lines.append, total=8, network=5, progress=False) == ""  # idempotent
