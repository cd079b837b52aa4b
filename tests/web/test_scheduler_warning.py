"""超期预警 warns admins in plain Chinese when no scheduler process has beaten for a while."""
from __future__ import annotations

from datetime import datetime

from workflow.clock import SHANGHAI
from workflow.liveness import Instance, beat


def test_overdue_page_warns_when_no_scheduler_beats(as_user, world, clock) -> None:
    clock.set(datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI))
    page = as_user("admin").get("/admin/overdue").get_data(as_text=True)
    assert 'id="scheduler-down"' in page and "从未收到过计划任务进程的心跳" in page

    beat(world.app, Instance(started_at=world.app.now()))
    page = as_user("admin").get("/admin/overdue").get_data(as_text=True)
    assert 'id="scheduler-down"' not in page

    clock.set(datetime(2025, 9, 26, 10, 11, tzinfo=SHANGHAI))  # eleven minutes without a beat
    page = as_user("admin").get("/admin/overdue").get_data(as_text=True)
    assert 'id="scheduler-down"' in page and "计划任务进程未在运行" in page
    assert "最后一次心跳时间为 2025年9月26日 10:00" in page  # a human date-time in Asia/Shanghai

    english = as_user("admin").get("/admin/overdue?lang=en").get_data(as_text=True)
    assert "The scheduler is not running" in english and "the last heartbeat was at Sep 26, 2025 10:00" in english
