"""The font the report's charts are drawn in: one that really has the Chinese characters they use.

Matplotlib draws a character its font lacks as a box (□) and only warns. A font named in its cache may
also be gone from the disk (the cache is stale), or the machine has no CJK font at all. So before a
chart is drawn, :func:`chart_font` picks a font *file* whose character map (read with fontTools) covers
every Chinese (CJK) character of the chart: the usual CJK families first, then any other installed font.
When none does, matplotlib's font cache is rebuilt once per process (fonts installed since it was
written appear) and the search repeated; when there is still none, :class:`ChartFontMissing` (503)
says which package to install — a report never goes out with boxes for its Chinese.

``font_dir`` (setting ``report.font_dir``, environment ``GONGKAI_REPORT_FONT_DIR``) makes the search
look only at the fonts under that directory, for machines whose CJK fonts live outside the system
font path.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from matplotlib import font_manager

from workflow.errors import DomainError

FONT_PACKAGE = "fonts-noto-cjk"
INSTALL_COMMAND = f"apt-get install {FONT_PACKAGE}"
#: The families tried first, in this order (then every other installed font).
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "Source Han Serif SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK JP",  # same glyph coverage for the Hanzi used here
)
#: Every chart's fixed wording: the font must have these whatever the data.
CHART_WORDING = "各月主动公开信息数量各渠道按清单类别统计的条数次暂无数据其他年月"
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")

_lock = threading.Lock()
_rebuilt = False


@dataclass(frozen=True)
class ChartFont:
    """A font face the charts can be drawn in: its file, the face in a collection (.ttc), its family name."""

    path: str
    family: str
    index: int = 0


class ChartFontMissing(DomainError):
    """No installed font has the Chinese characters of the report's charts: 503, naming the package."""

    status, code = 503, "chart_font_missing"


#: Code point ranges of CJK writing: the characters that turn into boxes without a CJK font.
CJK_RANGES = ((0x2E80, 0x2FDF), (0x3000, 0x33FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
              (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3134F))


def is_cjk(ch: str) -> bool:
    """Is ``ch`` a Chinese (CJK) character or CJK punctuation/full-width form?"""
    code = ord(ch)
    return any(low <= code <= high for low, high in CJK_RANGES)


def needed_characters(texts: Iterable[str]) -> tuple[str, ...]:
    """The CJK characters of ``texts`` (the ones a Latin font lacks), once each, in the order they appear."""
    return tuple(dict.fromkeys(ch for text in texts for ch in str(text) if is_cjk(ch)))


# A CJK font maps some 65,000 code points: keep a few maps, and the answers for the texts asked about.
@lru_cache(maxsize=8)
def _character_map(path: str, index: int, mtime: float) -> frozenset[int]:
    """The code points of one face of the font file; empty when it cannot be read."""
    from fontTools.ttLib import TTFont
    try:
        font = TTFont(path, lazy=True, fontNumber=index)
        return frozenset(font["cmap"].getBestCmap() or {})
    except Exception:  # noqa: BLE001 — a broken or unreadable file is simply not a candidate
        return frozenset()


def covers(path: str | os.PathLike[str], characters: Iterable[str], index: int = 0) -> bool:
    """Does face ``index`` of the font file at ``path`` have a glyph for every one of ``characters``?"""
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        return False  # listed in a stale cache, gone from the disk
    return _covers(str(path), index, mtime, tuple(characters))


@lru_cache(maxsize=4096)
def _covers(path: str, index: int, mtime: float, characters: tuple[str, ...]) -> bool:
    cmap = _character_map(path, index, mtime)
    return bool(cmap) and all(ord(ch) in cmap for ch in characters)


def _preferred(fonts: Iterable[ChartFont]) -> list[ChartFont]:
    """The usual CJK families first (Simplified Chinese before the others), then the rest, each in the order given."""
    rank = {name: i for i, name in enumerate(CJK_FONTS)}
    return sorted(dict.fromkeys(fonts), key=lambda f: rank.get(f.family, len(rank)))


def _installed() -> list[ChartFont]:
    """The font faces matplotlib knows (regular weight before bold)."""
    entries = sorted(font_manager.fontManager.ttflist, key=lambda f: (f.weight != 400, f.fname, getattr(f, "index", 0)))
    return _preferred(ChartFont(f.fname, f.name, getattr(f, "index", 0)) for f in entries)


def _faces(path: str) -> tuple[ChartFont, ...]:
    try:
        return _faces_of(path, os.stat(path).st_mtime)
    except OSError:
        return ()


@lru_cache(maxsize=256)
def _faces_of(path: str, mtime: float) -> tuple[ChartFont, ...]:
    """The faces of one font file, each with the family name matplotlib gives it (name table, ID 1)."""
    from fontTools.ttLib import TTCollection, TTFont
    try:
        if path.lower().endswith((".ttc", ".otc")):
            fonts = list(TTCollection(path, lazy=True).fonts)
        else:
            fonts = [TTFont(path, lazy=True)]
        return tuple(ChartFont(path, str(font["name"].getDebugName(1) or ""), index) for index, font in enumerate(fonts))
    except Exception:  # noqa: BLE001 — unreadable: not a candidate
        return ()


def _in_directory(font_dir: str) -> list[ChartFont]:
    root = Path(font_dir)
    if not root.is_dir():
        return []
    files = sorted(str(p) for p in root.rglob("*") if p.suffix.lower() in FONT_SUFFIXES and p.is_file())
    return _preferred(face for path in files for face in _faces(path))


def _search(characters: tuple[str, ...], font_dir: str | None) -> ChartFont | None:
    candidates = _in_directory(font_dir) if font_dir else _installed()
    return next((font for font in candidates if covers(font.path, characters, font.index)), None)


def _rebuild_cache() -> None:
    """Re-scan the system fonts once per process (matplotlib's cache may predate the fonts installed)."""
    global _rebuilt
    with _lock:
        if _rebuilt:
            return
        font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
        _rebuilt = True


def chart_font(texts: Iterable[str], font_dir: str | None = None) -> ChartFont:
    """A font face covering every CJK character of ``texts`` and of the charts' wording.

    Raises :class:`ChartFontMissing` (naming :data:`FONT_PACKAGE`) when no font has them, after one
    rebuild of matplotlib's font cache.
    """
    characters = needed_characters([CHART_WORDING, *texts])
    found = _search(characters, font_dir)
    if found is None and not font_dir:
        _rebuild_cache()
        found = _search(characters, font_dir)
    if found is None:
        missing = "".join(characters[:12])
        if font_dir:
            raise ChartFontMissing(
                "报告图表需要能显示中文的字体，但字体目录 %(dir)s 中没有含这些字的字体（%(chars)s）。"
                "请把中文字体放入该目录，或安装字体：%(command)s",
                dir=font_dir, chars=missing, command=INSTALL_COMMAND, details={"package": FONT_PACKAGE})
        raise ChartFontMissing(
            "报告图表需要能显示中文的字体，本机没有含这些字的字体（%(chars)s）。请安装字体：%(command)s",
            chars=missing, command=INSTALL_COMMAND, details={"package": FONT_PACKAGE})
    return found


def problem(font_dir: str | None = None) -> ChartFontMissing | None:
    """The error charts would raise on this machine for their fixed wording, or None when a font is there."""
    try:
        chart_font([], font_dir)
    except ChartFontMissing as error:
        return error
    return None
