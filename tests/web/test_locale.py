"""One locale per request: the templates and the domain messages never disagree."""
from __future__ import annotations

from tests.web.ui_helpers import login


def test_logged_in_user_setting_wins_over_browser_language(ui_app) -> None:
    admin = login(ui_app.test_client(), "admin")
    page = admin.get("/admin/reports/?year=2024-2025", headers={"Accept-Language": "en-US,en;q=0.9"})
    text = page.get_data(as_text=True)
    assert "信息公开年度报告" in text and "导语" in text  # template and domain labels both Chinese
    assert "Introduction" not in text and "System default template" not in text


def test_lang_parameter_switches_everything_to_english(ui_app) -> None:
    admin = login(ui_app.test_client(), "admin")
    text = admin.get("/admin/reports/?year=2024-2025&lang=en").get_data(as_text=True)
    assert "Introduction" in text and "导语" not in text
