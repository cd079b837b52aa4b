"""The reply letter's institution-specific wording (settings section ``[reply_letter]``).

The default is a college's letter: the college calls itself 本校 and the remedy is a complaint (申诉)
to the competent education department (条例 Art. 55 ¶2; 《高等学校信息公开办法》), never 行政复议 or
行政诉讼, which are remedies against a 行政机关. An instance names its authority (e.g. 福建省教育厅) and
may replace the whole remedy sentence; a 行政机关 would write its own (行政复议法 2023 Art. 23 makes
复议 a precondition of a lawsuit against a refusal, so the either/or sentence is wrong there too).

The settings are checked when an instance is built (``workflow.wiring.build_gongkai``): an unknown
placeholder or a malformed template is a ``SettingsError`` naming the key, not a broken letter.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflow.settings import Settings, SettingsError

SECTION = "reply_letter"
#: The placeholders the remedy template may use, and the settings each is read from.
PLACEHOLDERS: Mapping[str, str] = {"authority": f"{SECTION}.authority", "institution": "institution.name"}
_TEXT_KEYS = ("title", "self_reference", "authority", "remedy")
# A placeholder is %(name)s; %% is a percent sign. Anything else after a % is refused, because
# "%s" against a mapping would print the mapping itself into the letter.
_PLACEHOLDER = re.compile(r"%%|%\((?P<name>[^)]*)\)s")


@dataclass(frozen=True)
class LetterWording:
    """The wording an instance chooses: title, how the institution calls itself, the remedy sentence."""

    title: str
    self_reference: str
    remedy: str


def fill(template: str, values: Mapping[str, str]) -> str:
    """``template`` with its placeholders replaced; ``SettingsError`` for an unknown or malformed one."""
    allowed = ", ".join(f"%({name})s" for name in PLACEHOLDERS)
    for match in _PLACEHOLDER.finditer(template):
        name = match.group("name")
        if name is not None and name not in PLACEHOLDERS:
            raise SettingsError(f"{SECTION}.remedy: unknown placeholder %({name})s; allowed: {allowed}")
    if "%" in _PLACEHOLDER.sub("", template):
        raise SettingsError(f"{SECTION}.remedy: write placeholders as {allowed} and a percent sign as %%")
    return _PLACEHOLDER.sub(lambda m: "%" if m.group("name") is None else values[m.group("name")], template)


def wording(settings: Settings) -> LetterWording:
    """The checked wording from ``settings``; ``SettingsError`` names the key that cannot be used."""
    values: dict[str, Any] = {key: settings.get(f"{SECTION}.{key}") for key in _TEXT_KEYS}
    for key, value in values.items():
        if not isinstance(value, str) or not value.strip():
            raise SettingsError(f"{SECTION}.{key} must be a non-empty text, not {value!r}")
    known = {name: str(settings.get(dotted, "")).strip() for name, dotted in PLACEHOLDERS.items()}
    remedy = fill(values["remedy"].strip(), known)
    return LetterWording(title=values["title"].strip(), self_reference=values["self_reference"].strip(),
                         remedy=remedy)


def check(settings: Settings) -> None:
    """Refuse unusable letter settings at load, before any letter is drafted."""
    wording(settings)
