"""The plain form of the report's narrative parts: text with named placeholders in Chinese brackets.

A clerk writes a part as ordinary text. A figure is a placeholder named in Chinese brackets,
``〔主动公开总数〕``; wording that depends on a figure sits between a condition and 〔结束〕::

    本学年共收到信息公开申请〔新收申请数〕件〔若上年结转申请数不为零〕，上学年结转〔上年结转申请数〕件〔结束〕。
    〔若举报复议诉讼总数为零〕本学年无……情况。〔否则〕本学年被举报〔举报数〕件……〔结束〕

Conditions: 〔若X为零〕 (0, or no figure at all), 〔若X不为零〕, 〔若X为空〕 (no figure: e.g. no
publication to time, an empty list), 〔若X不为空〕; then optionally 〔否则〕, and 〔结束〕. They nest.
A bracket holding only digits (the year of a document number, 教办函〔2014〕23号) is text; any other
unknown name is refused naming it. The English screen shows the English names (〔Total published〕,
〔if Total published is zero〕, 〔otherwise〕, 〔end〕); both are read, and the stored form is Chinese.

Internally a part compiles to a Jinja template that only reads the prepared figures
(``placeholders``, ``placeholder_zero``, ``placeholder_empty`` in the narrative context) and still runs
in the report's sandbox (``narrative.render_template``). Texts with Jinja syntax (``{{ … }}``,
``{% … %}``) are the older form and are rendered as they are (:func:`is_legacy`); :func:`from_legacy`
converts those that map cleanly onto placeholders.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterator, Mapping

from jinja2 import Environment, nodes
from jinja2.exceptions import TemplateSyntaxError

from workflow.errors import BadInput
from workflow.i18n import N_, get_locale, translations_for
from workflow.report.model import format_money, format_number, format_percent

LEGACY_MARKS = ("{{", "{%", "{#")
TOKEN = re.compile(r"〔([^〔〕\n]{0,60})〕")
_CONDITION_ZH = re.compile(r"^若\s*(.+?)\s*(不为零|为零|不为空|为空)$")
_CONDITION_EN = re.compile(r"^if\s+(.+?)\s+is\s+(not\s+)?(zero|empty)$", re.IGNORECASE)
ELSE_ZH, END_ZH = "否则", "结束"
ELSE_EN, END_EN = "otherwise", "end"
#: condition words: (negated, kind) → Chinese and English spelling
CONDITIONS = {(False, "zero"): "为零", (True, "zero"): "不为零", (False, "empty"): "为空", (True, "empty"): "不为空"}
#: A bracket with only digits is the year of a document number (国办公开办函〔2021〕30号): text, not a placeholder.
DOCUMENT_YEAR = re.compile(r"^\d{1,4}$")

Context = Mapping[str, Any]


@dataclass(frozen=True)
class Placeholder:
    """One figure a clerk can name: its Chinese label (stored form and msgid), group, value and format."""

    key: str  # internal name, never shown
    label: str  # Chinese, N_()-marked: the name in brackets, translated for the English screen
    group: str  # the palette heading (N_)
    value: Callable[[Context], Any]  # raw value from the narrative context
    fmt: Callable[[Any], str] = str
    legacy: str = ""  # the old template expression it replaces ("active.total", "fees.charged_total|money")

    def text(self, ctx: Context) -> str:
        """The value as printed in the report ("" when there is no figure)."""
        raw = self.value(ctx)
        return "" if raw is None else self.fmt(raw)


def _path(path: str) -> Callable[[Context], Any]:
    def read(ctx: Context) -> Any:
        value: Any = ctx
        for part in path.split("."):
            value = value[part]
        return value
    return read


def _channel_counts(ctx: Context) -> str:
    return "、".join(f"{c['label']}{c['count']}条" for c in ctx["channels"])


def _outcomes(ctx: Context) -> str:
    return "、".join(f"{o['label']}{o['count']}件" for o in ctx["outcomes"])


def _complaint_results(ctx: Context) -> str:
    return "；".join(r["label"] + "、".join(f"{o['label']}{o['count']}件" for o in r["outcomes"])
                    for r in ctx["complaint_rows"] if r["outcomes"])


BASIC, ACTIVE, REVIEW, APPLICATIONS, COMPLAINTS = (N_("基本信息"), N_("主动公开"), N_("保密审查"),
                                                   N_("依申请公开"), N_("举报、复议、诉讼"))

PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder("institution", N_("学校名称"), BASIC, _path("institution"), legacy="institution"),
    Placeholder("report_year", N_("报告年度"), BASIC, lambda c: f"{c['year_label']}{c['period_unit']}"),
    Placeholder("year_label", N_("学年名称"), BASIC, _path("year_label"), legacy="year_label"),
    Placeholder("period_text", N_("统计期限"), BASIC, _path("period_text"), legacy="period_text"),
    Placeholder("issued_on", N_("落款日期"), BASIC, _path("issued_on_cn"), legacy="issued_on_cn"),
    Placeholder("channels_text", N_("公开渠道"), BASIC, _path("channels_text"), legacy="channels_text"),
    Placeholder("active_total", N_("主动公开总数"), ACTIVE, _path("active.total"), legacy="active.total"),
    Placeholder("active_network", N_("网络公开数"), ACTIVE, _path("active.network"), legacy="active.network"),
    Placeholder("timely_share", N_("按时公开比例"), ACTIVE, _path("active.timeliness.within_deadline_share"),
                format_percent, legacy="active.timeliness.within_deadline_share|pct"),
    Placeholder("median_workdays", N_("公开用时中位数"), ACTIVE, _path("active.timeliness.median_workdays"),
                format_number, legacy="active.timeliness.median_workdays|num"),
    Placeholder("channel_counts", N_("各渠道公开数量"), ACTIVE, _channel_counts),
    Placeholder("coverage_total", N_("清单事项数"), ACTIVE, _path("coverage.total"), legacy="coverage.total"),
    Placeholder("coverage_covered", N_("已公开清单事项数"), ACTIVE, _path("coverage.covered"),
                legacy="coverage.covered"),
    Placeholder("coverage_uncovered", N_("无新增信息清单事项数"), ACTIVE, _path("coverage.uncovered"),
                legacy="coverage.uncovered"),
    Placeholder("coverage_not_applicable", N_("不适用清单事项数"), ACTIVE, _path("coverage.not_applicable"),
                legacy="coverage.not_applicable"),
    Placeholder("reviewed", N_("保密审查条数"), REVIEW, _path("secrecy_review.reviewed"),
                legacy="secrecy_review.reviewed"),
    Placeholder("returned", N_("退回修改条数"), REVIEW, _path("secrecy_review.returned"),
                legacy="secrecy_review.returned"),
    Placeholder("taken_down", N_("撤下条数"), REVIEW, _path("secrecy_review.taken_down"),
                legacy="secrecy_review.taken_down"),
    Placeholder("app_received", N_("新收申请数"), APPLICATIONS, _path("applications.received"),
                legacy="applications.received"),
    Placeholder("app_carried_over", N_("上年结转申请数"), APPLICATIONS, _path("applications.carried_over"),
                legacy="applications.carried_over"),
    Placeholder("app_open", N_("新收和结转申请数"), APPLICATIONS,
                lambda c: c["applications"]["received"] + c["applications"]["carried_over"]),
    Placeholder("app_replied", N_("已答复申请数"), APPLICATIONS, _path("applications.replied"),
                legacy="applications.replied"),
    Placeholder("app_outcomes", N_("答复结果"), APPLICATIONS, _outcomes),
    Placeholder("app_carried_forward", N_("结转下年申请数"), APPLICATIONS, _path("applications.carried_forward"),
                legacy="applications.carried_forward"),
    Placeholder("fee_count", N_("收费笔数"), APPLICATIONS, _path("fees.count"), legacy="fees.count"),
    Placeholder("fee_charged", N_("收费金额"), APPLICATIONS, _path("fees.charged_total"), format_money,
                legacy="fees.charged_total|money"),
    Placeholder("fee_waived", N_("减免金额"), APPLICATIONS, _path("fees.waived_total"), format_money,
                legacy="fees.waived_total|money"),
    Placeholder("complaints_total", N_("举报复议诉讼总数"), COMPLAINTS, _path("complaints_total"),
                legacy="complaints_total"),
    Placeholder("reports", N_("举报数"), COMPLAINTS, _path("complaints.reports.total"),
                legacy="complaints.reports.total"),
    Placeholder("reconsideration", N_("行政复议数"), COMPLAINTS, _path("complaints.reconsideration.total"),
                legacy="complaints.reconsideration.total"),
    Placeholder("lawsuits", N_("行政诉讼数"), COMPLAINTS, _path("lawsuits_total"), legacy="lawsuits_total"),
    Placeholder("litigation_direct", N_("直接起诉数"), COMPLAINTS, _path("complaints.litigation_direct.total"),
                legacy="complaints.litigation_direct.total"),
    Placeholder("litigation_after", N_("复议后起诉数"), COMPLAINTS,
                _path("complaints.litigation_after_reconsideration.total"),
                legacy="complaints.litigation_after_reconsideration.total"),
    Placeholder("complaint_results", N_("复议诉讼办理结果"), COMPLAINTS, _complaint_results),
)
BY_KEY = {p.key: p for p in PLACEHOLDERS}


def english_label(placeholder: Placeholder) -> str:
    """The English name of a placeholder (the Chinese one when no translation exists)."""
    return translations_for("en").gettext(placeholder.label)


@lru_cache(maxsize=1)
def _names() -> dict[str, Placeholder]:
    """Every accepted spelling (Chinese label, English label in any case) → placeholder."""
    names: dict[str, Placeholder] = {}
    for p in PLACEHOLDERS:
        names[p.label] = p
        names[_fold(english_label(p))] = p
    return names


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


def lookup(name: str) -> Placeholder | None:
    """The placeholder called ``name`` (Chinese or English), or None."""
    name = name.strip()
    return _names().get(name) or _names().get(_fold(name))


# ---------------------------------------------------------------- values

def values(ctx: Context) -> dict[str, Any]:
    """What the compiled templates read: ``placeholders`` (printed text), ``placeholder_zero`` and
    ``placeholder_empty`` (the conditions), each placeholder key → value."""
    raw = {p.key: p.value(ctx) for p in PLACEHOLDERS}
    return {
        "placeholders": {p.key: p.text(ctx) for p in PLACEHOLDERS},
        "placeholder_empty": {k: v is None or v == "" or v == [] for k, v in raw.items()},
        "placeholder_zero": {k: v is None or v == "" or v == [] or v == 0 for k, v in raw.items()},
    }


# ---------------------------------------------------------------- parsing

@dataclass(frozen=True)
class Token:
    """A piece of a part: ``text``, ``value`` (a placeholder), ``if``, ``else`` or ``end``."""

    kind: str
    text: str = ""  # the literal text of a "text" token
    placeholder: Placeholder | None = None
    negated: bool = False  # for "if": 不为零 / 不为空
    test: str = ""  # for "if": "zero" | "empty"


def is_legacy(text: str) -> bool:
    """Is ``text`` written in the older template syntax (``{{ … }}``, ``{% … %}``)?"""
    return any(mark in text for mark in LEGACY_MARKS)


def tokens(text: str, section: str = "", title: str = "") -> Iterator[Token]:
    """Split a part written in the plain form into tokens; an unknown name is a :class:`BadInput`
    (``title``: the part's name in messages, ``section``: its key in ``details``)."""
    position = 0
    for match in TOKEN.finditer(text):
        if match.start() > position:
            yield Token("text", text[position:match.start()])
        position = match.end()
        yield _token(match.group(1), match.group(0), section, title or section)
    if position < len(text):
        yield Token("text", text[position:])


def _token(inner: str, whole: str, section: str, title: str) -> Token:
    name = inner.strip()
    if DOCUMENT_YEAR.match(name):
        return Token("text", whole)
    if name == ELSE_ZH or name.casefold() in (ELSE_EN, "else"):
        return Token("else")
    if name == END_ZH or name.casefold() == END_EN:
        return Token("end")
    found = lookup(name)
    if found is not None:
        return Token("value", placeholder=found)
    condition = _CONDITION_ZH.match(name)
    if condition:
        target, word = condition.group(1), condition.group(2)
        negated, test = word.startswith("不"), "zero" if word.endswith("零") else "empty"
    else:
        condition = _CONDITION_EN.match(name)
        if condition:
            target, negated, test = condition.group(1), bool(condition.group(2)), condition.group(3).lower()
    if condition:
        found = lookup(target)
        if found is None:
            raise _unknown(section, title, target)
        return Token("if", placeholder=found, negated=negated, test=test)
    raise _unknown(section, title, name)


def syntax_words(english: bool) -> dict[str, str]:
    """The condition words as a screen spells them (for help texts and messages): ``if_zero``,
    ``if_not_zero``, ``otherwise``, ``end``, with … for the name."""
    if english:
        return {"if_zero": "〔if … is zero〕", "if_not_zero": "〔if … is not zero〕",
                "otherwise": f"〔{ELSE_EN}〕", "end": f"〔{END_EN}〕"}
    return {"if_zero": "〔若…为零〕", "if_not_zero": "〔若…不为零〕", "otherwise": f"〔{ELSE_ZH}〕", "end": f"〔{END_ZH}〕"}


def _words() -> dict[str, str]:
    return syntax_words(get_locale() == "en")


def _unknown(section: str, title: str, name: str) -> BadInput:
    return BadInput("报告章节「%(section)s」中的占位符%(placeholder)s不存在，请从占位符列表中点选",
                    code="unknown_placeholder", section=title, placeholder=f"〔{name}〕",
                    details={"section": section, "placeholder": name})


def check_structure(parts: list[Token], section: str, title: str = "") -> None:
    """Every 〔否则〕 and 〔结束〕 belongs to a condition, every condition ends."""
    title = title or section
    depth: list[bool] = []  # per open condition: has it had its 〔否则〕?
    for token in parts:
        if token.kind == "if":
            depth.append(False)
        elif token.kind == "else":
            if not depth or depth[-1]:
                raise BadInput("报告章节「%(section)s」中的%(otherwise)s前面缺少对应的%(condition)s条件",
                               section=title, otherwise=_words()["otherwise"], condition=_words()["if_zero"],
                               code="unbalanced_condition", details={"section": section})
            depth[-1] = True
        elif token.kind == "end":
            if not depth:
                raise BadInput("报告章节「%(section)s」中的%(end)s前面缺少对应的%(condition)s条件",
                               section=title, end=_words()["end"], condition=_words()["if_zero"],
                               code="unbalanced_condition", details={"section": section})
            depth.pop()
    if depth:
        raise BadInput("报告章节「%(section)s」中有 %(count)s 个%(condition)s条件缺少%(end)s", section=title,
                       count=len(depth), condition=_words()["if_zero"], end=_words()["end"],
                       code="unbalanced_condition", details={"section": section})


def parse(text: str, section: str = "", title: str = "") -> list[Token]:
    """The tokens of a plain-form part, checked (unknown names, unbalanced conditions)."""
    parts = list(tokens(text, section, title))
    check_structure(parts, section, title)
    return parts


def to_jinja(text: str, section: str = "", title: str = "") -> str:
    """Compile a plain-form part into the sandboxed template language (reads only prepared figures)."""
    out = []
    for token in parse(text, section, title):
        if token.kind == "text":
            out.append(token.text.replace("{", '{{ "{" }}'))  # a lone brace is text, never a delimiter
        elif token.kind == "value":
            out.append(f"{{{{ placeholders.{token.placeholder.key} }}}}")  # type: ignore[union-attr]
        elif token.kind == "if":
            table = "placeholder_zero" if token.test == "zero" else "placeholder_empty"
            out.append(f"{{% if {'not ' if token.negated else ''}{table}.{token.placeholder.key} %}}")  # type: ignore[union-attr]
        elif token.kind == "else":
            out.append("{% else %}")
        else:
            out.append("{% endif %}")
    return "".join(out)


def spell(parts: list[Token], english: bool) -> str:
    """Write tokens back as text, with Chinese or English names."""
    out = []
    for token in parts:
        if token.kind == "text":
            out.append(token.text)
        elif token.kind == "value":
            out.append(f"〔{_label(token.placeholder, english)}〕")  # type: ignore[arg-type]
        elif token.kind == "if":
            name = _label(token.placeholder, english)  # type: ignore[arg-type]
            if english:
                out.append(f"〔if {name} is {'not ' if token.negated else ''}{token.test}〕")
            else:
                out.append(f"〔若{name}{CONDITIONS[(token.negated, token.test)]}〕")
        elif token.kind == "else":
            out.append(f"〔{ELSE_EN if english else ELSE_ZH}〕")
        else:
            out.append(f"〔{END_EN if english else END_ZH}〕")
    return "".join(out)


def insertion(placeholder: Placeholder, english: bool) -> tuple[str, str, str]:
    """What the editor's palette inserts: the placeholder, and the condition 「若…不为零」 … 「结束」 that
    wraps the selected words, in the screen's spelling."""
    name = _label(placeholder, english)
    if english:
        return f"〔{name}〕", f"〔if {name} is not zero〕", f"〔{END_EN}〕"
    return f"〔{name}〕", f"〔若{name}不为零〕", f"〔{END_ZH}〕"


def _label(placeholder: Placeholder, english: bool) -> str:
    return english_label(placeholder) if english else placeholder.label


def canonical(text: str, section: str = "", title: str = "") -> str:
    """The stored form of a part: Chinese names (English ones typed on the English screen are read too).
    Older template syntax is kept as it is."""
    if is_legacy(text):
        return text
    return spell(parse(text, section, title), english=False)


def localized(text: str, english: bool) -> str:
    """A stored part as the editor shows it: English names on the English screen. Texts that do not
    parse (older syntax, a name since removed) are shown as they are."""
    if is_legacy(text):
        return text
    try:
        return spell(parse(text), english)
    except BadInput:
        return text


# ---------------------------------------------------------------- the older syntax

def from_legacy(template: str) -> str | None:
    """The plain form of an older template when it maps cleanly onto placeholders, else None.

    Convertible: text, ``{{ x }}`` where ``x`` is what a placeholder prints (with its filter), and
    ``{% if x %}``, ``{% if not x %}``, ``{% if x == 0 %}``, ``{% if x != 0 %}``, ``{% if x > 0 %}`` with
    ``else``/``elif``. Loops, ``and``/``or``, other variables or filters are not: such a template keeps
    rendering as it is.
    """
    try:
        tree = _PARSER.parse(template)  # parsed only, never rendered: the sandbox renders
    except TemplateSyntaxError:
        return None
    try:
        text = "".join(_convert(node) for node in tree.body)
        parse(text)  # e.g. 〔注〕 in the literal text would not read back
    except (_NotClean, BadInput):
        return None
    return text


# The narrative sandbox's syntax settings; a plain environment suffices to read the tree.
_PARSER = Environment(lstrip_blocks=True)


class _NotClean(Exception):
    """This template does not map onto placeholders."""


def _expression(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_expression(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        return f"{_expression(node.node)}.{node.arg.value}"
    if isinstance(node, nodes.Filter) and node.node is not None and not node.args and not node.kwargs:
        return f"{_expression(node.node)}|{node.name}"
    raise _NotClean


@lru_cache(maxsize=1)
def _by_legacy() -> dict[str, Placeholder]:
    table = {}
    for p in PLACEHOLDERS:
        if p.legacy:
            table[p.legacy] = p
            table.setdefault(p.legacy.split("|")[0], p)  # conditions test the bare figure
    return table


def _output(node: nodes.Node) -> str:
    if isinstance(node, nodes.TemplateData):
        return node.data
    expression = _expression(node)
    found = _by_legacy().get(expression)
    if found is None or found.legacy != expression:
        raise _NotClean  # an unknown figure, or printed with another filter than the placeholder's
    return f"〔{found.label}〕"


def _condition(test: nodes.Node) -> str:
    negated = False
    if isinstance(test, nodes.Not):
        negated, test = True, test.node
    if isinstance(test, nodes.Compare) and len(test.ops) == 1 and isinstance(test.ops[0].expr, nodes.Const) \
            and test.ops[0].expr.value == 0 and test.ops[0].op in ("eq", "ne", "gt"):
        negated ^= test.ops[0].op == "eq"
        test = test.expr
    found = _by_legacy().get(_expression(test))
    if found is None:
        raise _NotClean
    return f"〔若{found.label}{'为零' if negated else '不为零'}〕"


def _convert(node: nodes.Node) -> str:
    if isinstance(node, nodes.Output):
        return "".join(_output(child) for child in node.nodes)
    if isinstance(node, nodes.If):
        text = _condition(node.test) + "".join(_convert(child) for child in node.body)
        rest: list[nodes.Node] = list(node.else_)
        for elif_ in reversed(node.elif_):  # elif → a nested condition in the 〔否则〕 branch
            rest = [nodes.If(elif_.test, elif_.body, [], rest)]
        if rest:
            text += "〔否则〕" + "".join(_convert(child) for child in rest)
        return text + "〔结束〕"
    raise _NotClean
