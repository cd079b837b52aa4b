"""The text form the full-text search indexes and queries (docs/search.md): pure functions, no database.

Search works on *character bigrams*, so any word of two or more characters is found — Chinese has no
spaces between words, and a segmenter (jieba …) would miss the words its dictionary cuts differently
(「奖学」 inside 「奖学金」). One normalisation serves the index, the query and the back-fill migration,
so that all three agree character for character:

- NFKC (full-width Ｅｘｃｅｌ and compatibility ideographs become their plain form) and case folding;
- a *run* is a maximal sequence of letters and digits (``str.isalnum``: Chinese characters, Latin
  letters, digits); everything else — spaces, punctuation 「，。、《》」, symbols — separates runs;
- the searchable *content* is the runs joined by single spaces; its *grams* are the distinct
  two-character substrings inside each run (never across a separator).

A query term is one run of two or more characters; a text matches it when the term is a substring of
one of its runs: every gram of the term is among the text's grams (the index narrows the candidates)
and the term occurs in the content (the exact check, needed for terms of three or more characters).

This module lives in ``db`` because migration 0024 back-fills the index with it; a change to what it
returns needs a migration that rebuilds ``item_search``.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

# A run: letters and digits of any script (``[^\W_]`` is ``str.isalnum`` character by character).
_RUN = re.compile(r"[^\W_]+")


def normalize(text: str) -> str:
    """NFKC and case folding: the form both the index and the query are compared in."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def runs(text: str) -> list[str]:
    """The runs of letters and digits of ``text`` after :func:`normalize`."""
    return _RUN.findall(normalize(text))


def content_of(parts: Iterable[str]) -> str:
    """The searchable content of several texts (title, body, attachment texts): their runs joined by
    single spaces; a run never continues from one text into the next."""
    return " ".join(run for part in parts for run in runs(part))


def grams_of_content(content: str) -> list[str]:
    """The distinct bigrams of a content made by :func:`content_of`, sorted (a stable stored form)."""
    found: set[str] = set()
    for run in content.split(" "):
        found.update(run[i:i + 2] for i in range(len(run) - 1))
    return sorted(found)


def grams_of_term(term: str) -> list[str]:
    """The distinct bigrams of one query term (a run of two or more characters), in order of appearance."""
    return list(dict.fromkeys(term[i:i + 2] for i in range(len(term) - 1)))


__all__ = ["content_of", "grams_of_content", "grams_of_term", "normalize", "runs"]
