"""Narrative text of the yearly report: section keys, default texts, sandboxed rendering.

Narrative parts are admin-edited text with named placeholders in Chinese brackets
(``〔主动公开总数〕``, ``workflow/report/placeholders.py``), compiled to a Jinja template; texts in the
older Jinja form (``{{ active.total }}``) are rendered as they are. Either runs in an immutable
Jinja sandbox with strict undefined variables, so a template can read the report figures but
cannot reach Python internals, mutate the data or build huge strings; any problem becomes a
:class:`BadInput` naming the section.
"""
from __future__ import annotations

import operator
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from workflow.errors import BadInput
from workflow.i18n import gettext
from workflow.report import placeholders
from workflow.applications.vocabulary import REMEDY_ROW_LABELS
from workflow.report.model import COMPLAINT_OUTCOME_LABELS, ReportData, format_money, format_number, format_percent
from workflow.settings import config_path

# The seven parts of the report (docs/report.md §2), in order, plus an untitled preamble. The last is the
# part 「其他需要报告的事项」 of the State Council format (国办公开办函〔2021〕30号 part six) and of 教育部 notices;
# a report stored before it existed gets the default text.
SECTION_KEYS: tuple[str, ...] = (
    "overview",  # 一、概述
    "active",  # 二、主动公开情况
    "applications",  # 三、依申请公开情况
    "evaluation",  # 四、评议情况
    "complaints",  # 五、举报、复议、诉讼情况
    "improvements",  # 六、主要问题和改进措施
    "other_matters",  # 七、其他需要报告的事项
)
PREAMBLE_KEY = "preamble"
NARRATIVE_KEYS: tuple[str, ...] = (PREAMBLE_KEY, *SECTION_KEYS)

TEMPLATES_FILE = "report_templates/narrative.toml"
MAX_TEMPLATE_CHARS = 20_000
MAX_OUTPUT_CHARS = 100_000
MAX_SEQUENCE = 10_000  # longest string/list a template may build with * or **

_CN_DIGITS = "零一二三四五六七八九"
_SUBHEADING = re.compile(r"^（[一二三四五六七八九十]+）[^。；;]{1,30}$")


@dataclass(frozen=True)
class SectionTemplate:
    """A section's heading and its narrative template text."""

    key: str
    heading: str
    text: str


def load_templates(path: Path | str | None = None) -> dict[str, SectionTemplate]:
    """Read narrative templates (default ``config/report_templates/narrative.toml``).

    Every key of :data:`NARRATIVE_KEYS` must be present; unknown keys are refused.
    """
    file = Path(path) if path is not None else config_path(TEMPLATES_FILE)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BadInput("无法读取报告模板文件 %(path)s：%(error)s", path=str(file), error=str(exc)) from exc
    unknown = sorted(set(raw) - set(NARRATIVE_KEYS))
    missing = [k for k in NARRATIVE_KEYS if k not in raw]
    if unknown or missing:
        raise BadInput("报告模板文件 %(path)s 的章节不对：缺少 %(missing)s，多出 %(unknown)s",
                       path=str(file), missing="、".join(missing) or "无", unknown="、".join(unknown) or "无")
    result = {}
    for key in NARRATIVE_KEYS:
        section = raw[key]
        if not isinstance(section, dict) or not isinstance(section.get("text"), str) \
                or not isinstance(section.get("heading", ""), str):
            raise BadInput("报告模板文件 %(path)s 的章节 %(section)s 需要文本字段 heading 和 text",
                           path=str(file), section=key)
        result[key] = SectionTemplate(key, section.get("heading", "").strip(), section["text"].strip())
    return result


@lru_cache(maxsize=1)
def _default_sections() -> dict[str, SectionTemplate]:
    return load_templates()


def default_templates() -> dict[str, str]:
    """The default narrative templates, section key → template text."""
    return {k: s.text for k, s in _default_sections().items()}


def default_headings() -> dict[str, str]:
    """The default section headings (``一、概述`` …), section key → heading."""
    return {k: s.heading for k, s in _default_sections().items() if k in SECTION_KEYS}


def section_title(key: str) -> str:
    """A part's name for people: its heading (``一、概述``), ``导语`` for the preamble, else the key."""
    if key == PREAMBLE_KEY:
        return gettext("导语")
    return default_headings().get(key, key)


# ---------------------------------------------------------------- sandbox

# String methods and filters that can build arbitrarily large text from a small template
# ("x".center(10**9), "%999999999d" % 1); narrative templates have the filters below instead.
_BLOCKED_STR_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "format", "format_map"})
_BLOCKED_FILTERS = ("center", "indent", "wordwrap", "format")


class _ReportSandbox(ImmutableSandboxedEnvironment):
    """No attribute tricks, no mutation, and no memory blow-up through ``*``, ``**``, ``%``
    or padding methods."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr in _BLOCKED_STR_METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "%":
            if isinstance(left, str):
                raise SecurityError("string formatting with % is not allowed")
            return operator.mod(left, right)
        if operator_ == "**":
            if isinstance(right, (int, float)) and abs(right) > 100:
                raise SecurityError("exponent too large")
            return operator.pow(left, right)
        if isinstance(left, (str, list, tuple)) or isinstance(right, (str, list, tuple)):
            seq, times = (left, right) if isinstance(left, (str, list, tuple)) else (right, left)
            if isinstance(times, int) and len(seq) * max(times, 0) > MAX_SEQUENCE:
                raise SecurityError("sequence too long")
        return operator.mul(left, right)


@lru_cache(maxsize=1)
def _environment() -> _ReportSandbox:
    env = _ReportSandbox(
        undefined=StrictUndefined,  # a typo or a blocked attribute fails loudly, never ""
        autoescape=False,  # plain text; the HTML renderer escapes on output
        # No trim_blocks: a line ending in {% endif %} must keep its line break (one line is
        # one paragraph); empty lines left by block-only lines are dropped later.
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    for name in _BLOCKED_FILTERS:
        env.filters.pop(name, None)
    for name in ("lipsum", "cycler", "joiner"):  # no use in a report; less surface
        env.globals.pop(name, None)
    env.filters.update(pct=format_percent, money=format_money, num=format_number, cn_date=chinese_date)
    return env


def narrative_context(data: ReportData) -> dict[str, Any]:
    """The variables a narrative template sees (documented in docs/report.md)."""
    ctx = data.to_json_dict()
    ctx.pop("narrative", None)
    labels = data.labels
    channels = [
        {"code": code, "label": labels.channel(code), "count": n}
        for code, n in sorted(data.active.by_channel.items(), key=lambda kv: -kv[1]) if n > 0
    ]
    # an entry marked 「不适用」 is neither covered nor uncovered, whatever was filed under it before
    coverage_total = len(data.catalog_coverage)
    not_applicable = sum(1 for c in data.catalog_coverage if c.not_applicable)
    covered = sum(1 for c in data.catalog_coverage if c.covered and not c.not_applicable)
    ctx.update(
        year_label=data.period.label,
        period_unit="学年" if data.period.is_academic_year else "年度",
        period_text=f"{cn_date_arabic(data.period.start)}至{cn_date_arabic(data.period.end)}",
        issued_on_cn=chinese_date(data.signature_date()),
        channels=channels,
        channels_text="、".join(c["label"] for c in channels) or "学校网站",
        outcomes=[{"code": k, "label": labels.outcome(k), "count": v}
                  for k, v in ctx["applications"]["by_outcome"].items() if v],
        # per table-4 row: its label and its non-zero outcomes (结果维持 …); in Chinese, like the templates
        complaint_rows=[{"key": key, "label": REMEDY_ROW_LABELS[key], "total": row.total,
                         "outcomes": [{"code": code, "label": COMPLAINT_OUTCOME_LABELS[code], "count": n}
                                      for code, n in row.outcomes().items() if n]}
                        for key, row in data.complaints.rows().items()],
        complaints_total=data.complaints.total,
        lawsuits_total=data.complaints.litigation_direct.total + data.complaints.litigation_after_reconsideration.total,
        coverage={"total": coverage_total, "covered": covered, "not_applicable": not_applicable,
                  "uncovered": coverage_total - covered - not_applicable},
    )
    ctx.update(placeholders.values(ctx))  # what the plain form (〔主动公开总数〕 …) compiles to read
    return ctx


def render_template(key: str, template: str, context: Mapping[str, Any]) -> str:
    """Render one narrative template in the sandbox; any failure is a :class:`BadInput`."""
    if not isinstance(template, str):
        raise BadInput("报告章节「%(section)s」的内容必须是文本", section=key)
    if len(template) > MAX_TEMPLATE_CHARS:
        raise BadInput("报告章节「%(section)s」过长（最多 %(limit)s 字）", section=key, limit=MAX_TEMPLATE_CHARS)
    if not placeholders.is_legacy(template):
        template = placeholders.to_jinja(template, key, section_title(key))  # unknown names, unbalanced conditions: BadInput
    try:
        chunks: list[str] = []
        size = 0
        # generate() rather than render(): stop as soon as the output is too long.
        for chunk in _environment().from_string(template).generate(dict(context)):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise BadInput("报告章节「%(section)s」生成的文本过长", section=key)
            chunks.append(chunk)
        text = "".join(chunks)
    except BadInput:
        raise
    except SecurityError as exc:
        raise BadInput("报告章节「%(section)s」的模板含有不允许的操作：%(error)s", section=key,
                       error=str(exc), details={"section": key}) from exc
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        raise BadInput("报告章节「%(section)s」的模板有误：%(error)s", section=key, error=str(exc),
                       details={"section": key, "line": line}) from exc
    except Exception as exc:  # noqa: BLE001 — e.g. {{ 1/0 }}: an admin's template must never crash a report
        raise BadInput("报告章节「%(section)s」的模板无法计算：%(error)s", section=key,
                       error=f"{type(exc).__name__}: {exc}", details={"section": key}) from exc
    return _tidy(text)


def render_narrative(templates: Mapping[str, str], data: ReportData) -> dict[str, str]:
    """Render narrative templates against ``data``: section key → final text.

    ``templates`` overrides the defaults per key; keys it omits use the default template.
    Unknown keys are refused so that a misspelt section is not silently dropped.
    """
    unknown = sorted(set(templates) - set(NARRATIVE_KEYS))
    if unknown:
        raise BadInput("未知的报告章节：%(keys)s（可用：%(known)s）", keys="、".join(unknown),
                       known="、".join(NARRATIVE_KEYS))
    merged = {**default_templates(), **templates}
    context = narrative_context(data)
    return {key: render_template(key, merged[key], context) for key in NARRATIVE_KEYS}


def _tidy(text: str) -> str:
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def paragraphs(text: str) -> list[tuple[str, str]]:
    """Split narrative text into ``(kind, text)``: one non-empty line is one paragraph;
    a short line like ``（一）健全信息公开组织`` is a ``"subheading"``."""
    result = []
    for line in text.split("\n"):
        line = line.strip()
        if line:
            result.append(("subheading" if _SUBHEADING.match(line) else "paragraph", line))
    return result


# ---------------------------------------------------------------- Chinese dates

def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 31 → 三十一 (0 ≤ n < 100)."""
    if not 0 <= n < 100:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _CN_DIGITS[ones]
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def chinese_date(d: date, zero: str = "零") -> str:
    """2023-10-31 → ``二零二三年十月三十一日`` (the signature date of a report).

    The year is read digit by digit; ``zero="〇"`` gives the GB/T 9704 style ``二〇二三``.
    """
    year = "".join(zero if ch == "0" else _CN_DIGITS[int(ch)] for ch in str(d.year))
    return f"{year}年{chinese_number(d.month)}月{chinese_number(d.day)}日"


def cn_date_arabic(d: date) -> str:
    """2022-09-01 → ``2022年9月1日``."""
    return f"{d.year}年{d.month}月{d.day}日"
