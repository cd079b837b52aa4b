"""Code sets defined once with their labels: the base of every vocabulary (states, channels, kinds …).

A member is a stored code (a ``str``) carrying its label (a msgid marked ``N_`` where it is declared,
translated where it is shown) and whatever else the code set needs (a colour, a flag, another wording).
Subclasses with extra attributes declare ``__new__`` as one call to ``member(...)``.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

VocabularyT = TypeVar("VocabularyT", bound="Vocabulary")


def member(cls: type[VocabularyT], value: str, **attributes: Any) -> VocabularyT:
    """A new member of ``cls`` storing ``value`` and carrying ``attributes`` (label, colour …)."""
    created = str.__new__(cls, value)
    created._value_ = value
    for name, attribute in attributes.items():
        setattr(created, name, attribute)
    return created


class Vocabulary(StrEnum):
    """A code set: each member is a stored code carrying its label."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Vocabulary:
        return member(cls, value, label=label)

    @classmethod
    def codes(cls) -> tuple[str, ...]:
        """Every code, in declaration order."""
        return tuple(code.value for code in cls)

    @classmethod
    def labels(cls) -> dict[str, str]:
        """Code → label (msgid), in declaration order."""
        return {code.value: code.label for code in cls}

    @classmethod
    def label_of(cls, code: str | None) -> str:
        """The label (msgid) of ``code``; the code itself when unknown."""
        try:
            return cls(code).label
        except ValueError:
            return code or ""
