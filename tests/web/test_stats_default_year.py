"""The statistics page (收到和处理政府信息公开申请情况) shows the current academic year at once (issue 15), not a
blank page waiting for 统计; another year is still one click away, and a bad one is refused in plain words."""
from __future__ import annotations

import re
from datetime import datetime

from tests.conftest import World
from workflow.clock import SHANGHAI


def _received_row(html: str) -> list[str]:
    match = re.search(r'<tbody><tr><td>[^<]*</td>(.*?)</tr>', html, re.S)
    assert match, html[:3000]
    return re.findall(r'<td class="text-end">([^<]*)</td>', match.group(1))


def test_the_page_opens_on_the_current_academic_year_with_its_figures(as_user, api, world: World, clock) -> None:
    created = api("admin").post("/api/v1/applications", json={
        "name": "李四", "contact": "lisi@example.com", "request_text": "请提供奖学金评定办法", "delivery_form": "email",
        "channel": "in_person", "received_at": "2025-09-26T09:00:00+08:00"})
    assert created.status_code == 201
    page = as_user("admin").get("/applications/stats")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="2025-2026"' in html and 'id="stats-table"' in html
    assert "统计期间：2025年9月1日至2026年8月31日" in html
    assert _received_row(html)[0] == "1" and _received_row(html)[-1] == "1"   # 新收: one natural person


def test_before_september_the_current_year_is_the_one_that_began_last_autumn(as_user, world: World, clock) -> None:
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI))
    html = as_user("reviewer").get("/applications/stats").get_data(as_text=True)
    assert 'value="2025-2026"' in html and 'id="stats-table"' in html


def test_another_year_and_a_bad_year(as_user, world: World) -> None:
    client = as_user("admin")
    other = client.get("/applications/stats?year=2022-2023").get_data(as_text=True)
    assert 'value="2022-2023"' in other and "统计期间：2022年9月1日至2023年8月31日" in other
    bad = client.get("/applications/stats?year=2025").get_data(as_text=True)
    assert 'id="stats-table"' not in bad and "alert-danger" in bad
    assert "Traceback" not in bad
