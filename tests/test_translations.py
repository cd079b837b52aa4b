"""The English catalogue covers every message in the source, with matching placeholders.

No database. Messages are extracted live from the source tree with the same mapping
(``babel.cfg``) and keywords (the Makefile's ``I18N_KEYWORDS``) as ``make extract-messages``,
so a new ``_("…")`` without an English translation fails here, not in front of a user.
Fix a failure with ``make extract-messages`` and a translation in
``workflow/translations/en/LC_MESSAGES/messages.po`` (docs/i18n.md).
"""
from __future__ import annotations

import importlib
import re
from enum import Enum
import shlex
from pathlib import Path
from collections.abc import Iterable, Mapping
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

from workflow.i18n import DEFAULT_LOCALE, gettext, locale_context

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("workflow", "web", "gongkai")
PO_FILE = ROOT / "workflow" / "translations" / "en" / "LC_MESSAGES" / "messages.po"

CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
# printf-style conversions as Python's % operator reads them: %(name)s, %(num)d, %s, %%.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")
HTML_TAG = re.compile(r"<[A-Za-z/!][^>]*>")

# Dicts and tuples whose values are translated through a variable (``_(LABELS[key])``): extraction sees
# them where they are defined with N_ (the item spec, checklist, channels, item fields, guards) or through
# workflow/i18n_labels.py. (module, attribute).
LABEL_MAPS = (
    ("workflow.item_spec", "STATE_LABELS"),
    ("workflow.item_spec", "TRIGGER_LABELS"),
    ("workflow.item_spec", "ITEM_TRIGGERS"),     # trigger labels, their inputs' labels and help texts
    ("workflow.checklist", "QUESTIONS"),
    ("workflow.channels", "LABELS"),
    ("workflow.item_context", "ITEM_FIELD_LABELS"),
    ("workflow.guards", "NOT_A_CONTRIBUTOR_TO_REVIEW"),
    ("workflow.guards", "NOT_A_CONTRIBUTOR_TO_APPROVE"),
    ("workflow.access", "ROLE_LABELS"),
    ("workflow.notifications", "STAGE_LABELS"),
    ("workflow.calendar.workdays", "HOLIDAY_NAMES"),
    ("workflow.applications.spec", "ApplicationState"),
    ("workflow.applications.spec", "TRIGGERS"),
    ("workflow.applications.intake", "LABELS"),
    ("workflow.applications.stats", "COLUMNS"),
    ("workflow.applications.outcomes", "OUTCOMES"),
    ("web.errors", "HTTP_MESSAGES"),
    ("web.ui.format", "ACTION_LABELS"),
    ("web.ui.admin", "BUCKET_LABELS"),
    ("web.ui.reports", "SOURCE_LABELS"),
    ("workflow.applications.vocabulary", "ApplicantKind"),
    ("workflow.applications.vocabulary", "DeliveryForm"),
    ("workflow.applications.vocabulary", "ApplicationChannel"),
    ("workflow.applications.vocabulary", "ClockSegment"),
    ("workflow.applications.vocabulary", "RemedyKind"),
    ("workflow.applications.vocabulary", "RemedyOutcome"),
    ("web.ui.inbox", "PREFS"),
)


def _makefile_keywords() -> dict[str, Any]:
    """``I18N_KEYWORDS`` from the Makefile, on top of babel's defaults (as ``pybabel extract``)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^I18N_KEYWORDS\s*=\s*((?:.*\\\n)*.*)$", text, re.MULTILINE)
    assert match, "the Makefile defines no I18N_KEYWORDS"
    words = shlex.split(match.group(1).replace("\\\n", " "))
    specs = [words[i + 1] for i, word in enumerate(words) if word == "-k"]
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(parse_keywords(specs))
    return keywords


def _msgid(message: str | tuple[str, ...]) -> str:
    return message if isinstance(message, str) else message[0]


def _texts(message: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if message is None:
        return ()
    return (message,) if isinstance(message, str) else tuple(message)


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def extracted() -> dict[str, str | tuple[str, ...]]:
    """Every message in the source tree, keyed by msgid (plurals as ``(singular, plural)``)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = _makefile_keywords()
    found: dict[str, str | tuple[str, ...]] = {}
    for directory in SOURCE_DIRS:
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
                str(ROOT / directory), method_map, options_map, keywords=keywords):
            found.setdefault(_msgid(message), message)
    return found


@pytest.fixture(scope="module")
def english() -> Catalog:
    with PO_FILE.open("rb") as handle:
        return read_po(handle, locale="en")


def test_extraction_finds_python_and_template_strings(extracted: dict[str, Any]) -> None:
    # Guards the guard: extraction must see Python, Jinja templates, the error classes and N_.
    assert "未知的部门：%(dept)s" in extracted        # ValidationFailed/NotFound keyword
    assert "我的待办" in extracted                     # {{ _('…') }} in web/templates
    assert "已归档" in extracted                       # N_ in workflow/i18n_labels.py
    assert len(extracted) > 300


def test_every_message_has_an_english_translation(extracted: dict[str, Any], english: Catalog) -> None:
    problems = []
    for msgid, message in sorted(extracted.items()):
        entry = english.get(msgid)
        if entry is None:
            problems.append(f"not in messages.po (run make extract-messages): {msgid!r}")
            continue
        if entry.fuzzy:
            problems.append(f"marked fuzzy (ignored at run time): {msgid!r}")
        strings = _texts(entry.string)
        if not strings or not all(s.strip() for s in strings):
            problems.append(f"no English translation: {msgid!r}")
            continue
        if isinstance(message, tuple) and len(strings) < 2:
            problems.append(f"plural message without plural translation: {msgid!r}")
        for source, target in zip(_texts(message), strings):
            if CJK.search(source) and target == source:
                problems.append(f"translation copies the Chinese: {msgid!r}")
            if CJK.search(target):
                problems.append(f"translation still contains Chinese: {msgid!r} -> {target!r}")
    assert not problems, "\n".join(problems)


def test_placeholders_match_and_no_html(english: Catalog) -> None:
    problems = []
    for entry in english:
        if not entry.id or not entry.string:
            continue
        sources = _texts(entry.id)
        for i, target in enumerate(_texts(entry.string)):
            if not target:
                continue
            source = sources[min(i, len(sources) - 1)]
            # A singular translation may drop %(num)d ("one item"); every other form keeps them all.
            wanted = _placeholders(source)
            got = _placeholders(target)
            if got != wanted and not (len(sources) > 1 and i == 0 and set(got) <= set(wanted)):
                problems.append(f"{entry.id!r}: placeholders {got} != {wanted}")
            if HTML_TAG.search(target) and not HTML_TAG.search(source):
                problems.append(f"{entry.id!r}: HTML in translation {target!r}")
    assert not problems, "\n".join(problems)


# Attributes of labelled objects holding a translated text, and those holding more labelled objects.
LABEL_ATTRIBUTES = ("label", "help", "confirm", "what")
NESTED_LABELS = ("fields", "reasons")


def _label_values(value: Any) -> Iterable[str]:
    """The Chinese strings of a label map: dict values, (code, label) pairs, labelled objects (Outcome rows,
    checklist questions, triggers with their fields, guards naming a decision) and the labels of a
    vocabulary's members (an Enum whose members carry ``label`` and other wordings)."""
    if isinstance(value, type) and issubclass(value, Enum):
        for member in value:
            for attribute in ("label", "public_label", "column", "report_label"):
                yield from _label_values(getattr(member, attribute, None))
    elif isinstance(value, str):
        if CJK.search(value):
            yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _label_values(item)
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _label_values(item)
    elif any(hasattr(value, attr) for attr in (*LABEL_ATTRIBUTES, *NESTED_LABELS)):
        for attr in LABEL_ATTRIBUTES:
            yield from _label_values(getattr(value, attr, None))
        for attr in NESTED_LABELS:
            yield from _label_values(getattr(value, attr, ()))
    else:  # lazy_gettext proxies (HOLIDAY_NAMES) carry their msgid as the first argument
        args = getattr(value, "_args", None)
        if args:
            yield from _label_values(args[0])


@pytest.mark.parametrize(("module", "attribute"), LABEL_MAPS, ids=[f"{m}.{a}" for m, a in LABEL_MAPS])
def test_label_maps_are_catalogued(module: str, attribute: str, extracted: dict[str, Any]) -> None:
    values = list(_label_values(getattr(importlib.import_module(module), attribute)))
    assert values, f"{module}.{attribute} has no Chinese labels"
    missing = sorted({v for v in values if v not in extracted})
    assert not missing, (f"{module}.{attribute}: add these to workflow/i18n_labels.py with N_(): "
                         + ", ".join(missing))


def test_english_at_run_time() -> None:
    with locale_context("en"):
        assert gettext("未知的部门：%(dept)s", dept="xyz") == "Unknown department: xyz"
        assert gettext("保密审查") == "Secrecy review"
        assert gettext("我的待办") == "My tasks"
    with locale_context(DEFAULT_LOCALE):
        assert gettext("未知的部门：%(dept)s", dept="xyz") == "未知的部门：xyz"
    with locale_context("en-GB"):
        assert gettext("审批人") == "Approver"


def test_domain_error_message_in_english() -> None:
    from workflow.errors import NotFound

    error = NotFound("未知的部门：%(dept)s", dept="math")
    with locale_context("en"):
        assert error.message.startswith("Unknown department")
        assert error.to_dict()["message"] == "Unknown department: math"
