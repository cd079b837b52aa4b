"""Charts: PNG bytes with Chinese labels drawn in a font that has them; never boxes (issue 15)."""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from matplotlib import font_manager

from workflow.report import charts, fonts
from workflow.report.fonts import ChartFontMissing

PNG = b"\x89PNG\r\n\x1a\n"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def test_three_charts_are_png(reference_data):
    a = reference_data.active
    for png in (charts.chart_by_month(a.by_month),
                charts.chart_by_channel(a.by_channel),
                charts.chart_by_category(a.by_category, reference_data.labels.categories)):
        assert png.startswith(PNG) and len(png) > 5000


def test_the_chart_font_has_every_chinese_character_the_chart_shows(reference_data):
    labels = list(reference_data.labels.categories.values()) + ["学校网站", "微信公众号", "暂无数据"]
    font = fonts.chart_font(labels)
    assert fonts.covers(font.path, fonts.needed_characters(labels + [fonts.CHART_WORDING]), font.index)
    assert font.family == "Noto Sans CJK SC"     # installed here (fonts-noto-cjk): the Simplified Chinese face
    # and that is the file matplotlib draws with: no "Glyph … missing" while drawing
    family = charts.font_family(font)
    assert Path(font_manager.findfont(font_manager.FontProperties(family=[family]), fallback_to_default=False)) \
        .name == Path(font.path).name
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert charts.chart_by_category(reference_data.active.by_category,
                                        reference_data.labels.categories).startswith(PNG)


def test_a_font_directory_without_chinese_fonts_is_a_clear_error_not_boxes(tmp_path):
    if DEJAVU.exists():
        shutil.copy(DEJAVU, tmp_path)
    with pytest.raises(ChartFontMissing) as refused:
        charts.chart_by_channel({"website": 3, "wechat": 1}, font_dir=str(tmp_path))
    assert refused.value.status == 503
    assert "apt-get install fonts-noto-cjk" in refused.value.message and str(tmp_path) in refused.value.message


def test_a_font_directory_with_a_chinese_font_is_used(tmp_path):
    font = fonts.chart_font(["学校网站"])
    shutil.copy(font.path, tmp_path)
    found = fonts.chart_font(["学校网站"], str(tmp_path))
    assert found.path.startswith(str(tmp_path)) and found.family == font.family
    assert charts.chart_by_channel({"website": 3}, font_dir=str(tmp_path)).startswith(PNG)


def test_a_stale_cache_entry_is_skipped_and_a_missing_font_rebuilds_the_cache_once(monkeypatch, tmp_path):
    ghost = font_manager.FontEntry(fname=str(tmp_path / "gone.ttc"), name="Noto Sans CJK SC")
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [ghost, *font_manager.fontManager.ttflist])
    assert fonts.chart_font(["学校网站"]).path != ghost.fname   # listed, but gone from the disk

    # A cache that knows only a Latin font: rebuilt once, and the Chinese font is found after all.
    latin = font_manager.FontEntry(fname=str(DEJAVU), name="DejaVu Sans")
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [latin])
    monkeypatch.setattr(fonts, "_rebuilt", False)
    rebuilt = []
    real = font_manager._load_fontmanager
    monkeypatch.setattr(font_manager, "_load_fontmanager",
                        lambda **kw: rebuilt.append(kw) or real(**kw))
    monkeypatch.setattr(font_manager, "fontManager", font_manager.fontManager)  # restored after the test
    found = fonts.chart_font(["学校网站"])
    assert fonts.covers(found.path, "学校网站", found.index)
    assert rebuilt == [{"try_read_cache": False}]


def test_without_any_chinese_font_the_error_names_the_package(monkeypatch):
    latin = font_manager.FontEntry(fname=str(DEJAVU), name="DejaVu Sans")
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [latin])
    monkeypatch.setattr(fonts, "_rebuilt", True)   # already rebuilt once in this process
    with pytest.raises(ChartFontMissing) as refused:
        charts.chart_by_month({"2022-09": 1})
    assert "apt-get install fonts-noto-cjk" in refused.value.message
    assert fonts.problem() is not None


def test_empty_data_gives_a_placeholder_chart():
    assert charts.chart_by_month({}).startswith(PNG)


hanzi = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
labels = st.text(st.one_of(st.characters(max_codepoint=0x7E, blacklist_categories=("Cs", "Cc")), hanzi), max_size=15)
counts = st.dictionaries(labels, st.integers(min_value=0, max_value=10**12), max_size=30)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts, st.sampled_from(["month", "channel", "category"]))
def test_charts_never_raise_on_non_negative_counts(values, kind):
    draw = {"month": charts.chart_by_month, "channel": charts.chart_by_channel,
            "category": charts.chart_by_category}[kind]
    assert draw(values).startswith(PNG)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text(max_size=8), st.integers(min_value=0, max_value=9), max_size=5))
def test_any_label_gives_a_chart_or_the_clear_error(values):
    try:
        assert charts.chart_by_channel(values).startswith(PNG)
    except ChartFontMissing as error:   # a character no installed font has: said, never drawn as a box
        assert "fonts-noto-cjk" in error.message
