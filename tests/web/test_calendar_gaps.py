"""From 1 November the overdue page warns while next year's holiday data is missing."""
from __future__ import annotations

from datetime import datetime

from workflow.clock import SHANGHAI


def test_banner_for_missing_next_year(as_user, clock) -> None:
    clock.set(datetime(2026, 10, 30, 10, 0, tzinfo=SHANGHAI))
    page = as_user("admin").get("/admin/overdue").get_data(as_text=True)
    assert "calendar-gap-2027" not in page  # not yet November
    clock.set(datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI))
    page = as_user("admin").get("/admin/overdue").get_data(as_text=True)
    assert "calendar-gap-2027" in page and "2027年的国务院办公厅节假日安排尚未载入" in page
