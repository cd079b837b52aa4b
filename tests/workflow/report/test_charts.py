"""Charts: PNG bytes with Chinese labels; never an exception on plausible counts."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from workflow.report import charts

PNG = b"\x89PNG\r\n\x1a\n"


def test_three_charts_are_png(reference_data):
    a = reference_data.active
    for png in (charts.chart_by_month(a.by_month),
                charts.chart_by_channel(a.by_channel),
                charts.chart_by_category(a.by_category, reference_data.labels.categories)):
        assert png.startswith(PNG) and len(png) > 5000


def test_a_cjk_font_is_used_when_installed():
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    if not installed & set(charts.CJK_FONTS):
        pytest.skip("no CJK font installed")
    assert charts.cjk_font_family() in charts.CJK_FONTS


def test_without_a_cjk_font_charts_still_render(monkeypatch):
    monkeypatch.setattr(charts, "cjk_font_family", lambda: None)
    assert charts.chart_by_channel({"website": 3, "wechat": 1}).startswith(PNG)


def test_empty_data_gives_a_placeholder_chart():
    assert charts.chart_by_month({}).startswith(PNG)


counts = st.dictionaries(st.text(max_size=15), st.integers(min_value=0, max_value=10**12), max_size=30)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts, st.sampled_from(["month", "channel", "category"]))
def test_charts_never_raise_on_non_negative_counts(values, kind):
    draw = {"month": charts.chart_by_month, "channel": charts.chart_by_channel,
            "category": charts.chart_by_category}[kind]
    assert draw(values).startswith(PNG)
