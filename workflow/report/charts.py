"""PNG charts for the yearly report (matplotlib on an Agg canvas, no pyplot global state).

Chinese labels need a CJK font: each chart is drawn in a font file that has every character it
shows (``workflow/report/fonts.py``: the usual CJK families first, coverage checked in the font's
character map, matplotlib's cache rebuilt once when none is found). Without one the chart is refused
with :class:`~workflow.report.fonts.ChartFontMissing` naming ``fonts-noto-cjk`` — never boxes.
"""
from __future__ import annotations

import io
import re
from typing import Mapping

# Figures are drawn on an explicit Agg canvas, never through pyplot: no global backend
# switch, no figure registry, safe in web workers and threads.
from matplotlib import font_manager, rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from workflow.report.fonts import CJK_FONTS, ChartFont, chart_font
from workflow.report.model import CHANNEL_LABELS, ordered_counts

__all__ = ["CJK_FONTS", "chart_by_category", "chart_by_channel", "chart_by_month", "font_family"]

FALLBACK_FONT = "DejaVu Sans"
BAR_COLOR = "#8c1c13"  # a restrained red, prints well in grey
DPI = 150
MAX_BARS = 40  # more categories than this are summed into 其他


_added: set[str] = set()


def font_family(font: ChartFont) -> str:
    """The family name to draw with; a file matplotlib does not list yet (``report.font_dir``) is added once."""
    known = {(f.fname, f.name) for f in font_manager.fontManager.ttflist}
    if (font.path, font.family) not in known and font.path not in _added:
        font_manager.fontManager.addfont(font.path)
        _added.add(font.path)
    return font.family


def chart_by_month(by_month: Mapping[str, int], title: str = "各月主动公开信息数量", *,
                   font_dir: str | None = None) -> bytes:
    """Bar chart of publications per month; keys ``"2022-09"`` are shown as ``9月``."""
    items = sorted(by_month.items())
    labels = [_month_label(k, len({k[:4] for k, _ in items}) > 2) for k, _ in items]
    return _bar_chart(labels, [v for _, v in items], title=title, ylabel="条数", font_dir=font_dir)


def chart_by_channel(by_channel: Mapping[str, int], labels: Mapping[str, str] | None = None,
                     title: str = "各渠道主动公开信息数量", *, font_dir: str | None = None) -> bytes:
    """Bar chart of publications per channel (an item counts once per channel)."""
    names = {**CHANNEL_LABELS, **(labels or {})}
    items = list(ordered_counts(by_channel, CHANNEL_LABELS).items())
    return _bar_chart([names.get(k, k) for k, _ in items], [v for _, v in items], title=title, ylabel="条次",
                      font_dir=font_dir)


def chart_by_category(by_category: Mapping[str, int], labels: Mapping[str, str] | None = None,
                      title: str = "按清单类别统计的主动公开信息", *, font_dir: str | None = None) -> bytes:
    """Horizontal bar chart of publications per 清单 category, in the order of ``labels``
    (the 清单 order when the labels come from the catalogue)."""
    names = dict(labels or {})
    items = list(ordered_counts(by_category, names).items())
    return _bar_chart([names.get(k, k) for k, _ in items], [v for _, v in items], title=title,
                      ylabel="条数", horizontal=True, font_dir=font_dir)


# ---------------------------------------------------------------- drawing

def _month_label(key: str, with_year: bool) -> str:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", key)
    if not match:
        return key
    month = f"{int(match.group(2))}月"
    return f"{match.group(1)[2:]}年{month}" if with_year else month


def _plain(text: str) -> str:
    """Labels are text, not mathtext: escape ``$`` and drop control characters."""
    text = "".join(ch for ch in str(text) if ch.isprintable() or ch == " ")
    text = text.replace("\\", "\\\\").replace("$", r"\$")
    return text[:40] + ("…" if len(text) > 40 else "")


def _squash(labels: list[str], values: list[int]) -> tuple[list[str], list[int]]:
    if len(labels) <= MAX_BARS:
        return labels, values
    return labels[: MAX_BARS - 1] + ["其他"], values[: MAX_BARS - 1] + [sum(values[MAX_BARS - 1:])]


def _bar_chart(labels: list[str], values: list[int], *, title: str, ylabel: str,
               horizontal: bool = False, font_dir: str | None = None) -> bytes:
    labels, values = _squash([_plain(lbl) for lbl in labels], [max(0, int(v)) for v in values])
    # A font that has every character shown, or ChartFontMissing: never boxes.
    font = font_family(chart_font([*labels, title, ylabel], font_dir))
    rc = {
        "font.family": "sans-serif",
        "font.sans-serif": [font, FALLBACK_FONT],
        "axes.unicode_minus": False,  # the CJK fonts lack U+2212
        "svg.fonttype": "none",
    }
    with rc_context(rc):
        n = max(len(labels), 1)
        size = (7.0, min(2.0 + 0.35 * n, 12.0)) if horizontal else (max(6.4, min(0.45 * n + 2, 14.0)), 3.8)
        fig = Figure(figsize=size, dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        if title:  # the report puts its own caption under the picture and passes ""
            ax.set_title(_plain(title), fontsize=12)
        if not labels:
            ax.text(0.5, 0.5, "暂无数据", ha="center", va="center", fontsize=12, transform=ax.transAxes)
            ax.set_axis_off()
        else:
            positions = list(range(len(labels)))
            if horizontal:
                bars = ax.barh(positions, values, color=BAR_COLOR)
                ax.set_yticks(positions, labels, fontsize=9)
                ax.invert_yaxis()  # first category on top, as in the 清单
                ax.set_xlabel(ylabel)
                ax.set_xlim(0, max(max(values), 1) * 1.15)
            else:
                bars = ax.bar(positions, values, color=BAR_COLOR)
                rotate = 45 if len(labels) > 8 or max(len(lbl) for lbl in labels) > 6 else 0
                ax.set_xticks(positions, labels, fontsize=9, rotation=rotate,
                              ha="right" if rotate else "center")
                ax.set_ylabel(ylabel)
                ax.set_ylim(0, max(max(values), 1) * 1.15)
            ax.bar_label(bars, labels=[str(v) for v in values], fontsize=8, padding=2)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
        try:
            fig.tight_layout()
        except (ValueError, RuntimeError):
            pass  # odd label sizes: keep the default layout rather than fail
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
