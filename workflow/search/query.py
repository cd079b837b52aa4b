"""The search query: what a user typed, checked, and the SQL condition that finds it (docs/search.md).

``q`` is split like the indexed text (``db.search_text``): every run of letters and digits is a term,
and an item matches when it contains every term (AND), each inside one run of its title, body,
attachment names or attachment texts. A term needs two characters or more (the index holds bigrams);
terms of three or more characters are also checked against the stored content, so 「奖学金」 does not
match a text that has 「奖学」 and 「学金」 apart.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, Text, column, select, table, type_coerce
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

from db.models.search import ItemSearch
from db.search_text import grams_of_term, runs
from workflow.errors import ValidationFailed
from workflow.i18n import N_

MAX_QUERY_CHARS = 100      # what a search box takes; longer is a 422, never a slow query
MAX_TERMS = 10
# Control and invisible format characters (tab, line breaks, zero-width spaces, direction marks):
# nothing anyone types in a search box; refused rather than silently dropped.
_INVISIBLE = ("Cc", "Cf", "Cs")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

_FTS = table("item_search_fts", column("rowid"), column("item_search_fts"))


@dataclass(frozen=True)
class SearchQuery:
    """The checked terms of one search (normalised: NFKC, case-folded)."""

    terms: tuple[str, ...]

    @property
    def grams(self) -> list[str]:
        """The distinct bigrams of every term: all must be in an item's index."""
        return list(dict.fromkeys(gram for term in self.terms for gram in grams_of_term(term)))

    @property
    def exact_terms(self) -> tuple[str, ...]:
        """Terms the bigrams alone do not decide (three characters or more)."""
        return tuple(term for term in self.terms if len(term) > 2)


def parse_query(value: Any) -> SearchQuery | None:
    """The search of ``q`` (None when empty); ValidationFailed (422) with a plain message otherwise."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed("搜索词必须是文字", code="invalid_value", field="q")
    if len(value) > MAX_QUERY_CHARS:
        raise ValidationFailed("搜索词太长：最多 %(max)d 个字", code="invalid_value", field="q", max=MAX_QUERY_CHARS)
    if any(unicodedata.category(ch) in _INVISIBLE for ch in value):
        raise ValidationFailed("搜索词含有控制字符或不可见字符（如换行、制表符），请删除后重试", code="invalid_value",
                               field="q")
    if not value.strip():
        return None
    terms = list(dict.fromkeys(runs(value)))
    if not terms:
        raise ValidationFailed("搜索词须包含汉字、字母或数字", code="invalid_value", field="q")
    short = [term for term in terms if len(term) < 2]
    if short:
        raise ValidationFailed("搜索词「%(term)s」只有一个字：每个词至少两个字，如「奖学」「招生」", code="invalid_value",
                               field="q", term=short[0])
    if len(terms) > MAX_TERMS:
        raise ValidationFailed("搜索词太多：最多 %(max)d 个词", code="invalid_value", field="q", max=MAX_TERMS)
    return SearchQuery(tuple(terms))


def parse_day(value: Any, field: str) -> date | None:
    """A date filter given as YYYY-MM-DD (None when empty); 422 with the expected form otherwise."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        if not _DAY.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        # one whole sentence per field, so that each is translated as such
        message = (N_("起始日期「%(value)s」不是有效日期，请写成 2025-09-01 这样的形式") if field == "from"
                   else N_("截止日期「%(value)s」不是有效日期，请写成 2025-09-01 这样的形式"))
        raise ValidationFailed(message, code="invalid_value", field=field, value=text[:20]) from None


def parse_range(start: Any, end: Any) -> tuple[date | None, date | None]:
    """``from`` and ``to`` (信息形成日期, both inclusive); 422 when ``from`` is after ``to``."""
    first, last = parse_day(start, "from"), parse_day(end, "to")
    if first is not None and last is not None and first > last:
        raise ValidationFailed("起始日期不能晚于截止日期", code="invalid_value", field="from")
    return first, last


def found_ids(search: SearchQuery, postgres: bool, *conditions: ColumnElement[bool]) -> Select[tuple[int]]:
    """``SELECT item_id`` of the items containing every term and meeting ``conditions`` (on ``item_search``:
    the scope and department), unordered; :func:`newest_first` orders them.

    PostgreSQL: ``grams @> ARRAY[…]`` answered by the GIN index. SQLite: the FTS5 table drives the query
    (``ascii`` tokenizer, every gram quoted — they hold letters and digits only) and ``item_search`` is
    joined to it by primary key, so that FTS5 hands its matches out newest first and the page stops at
    the first rows found. Then, for terms of three or more characters, ``content LIKE '%term%'`` on the
    candidates only (a term has no wildcard: it is letters and digits).
    """
    exact = [ItemSearch.content.contains(term, autoescape=True) for term in search.exact_terms]
    if postgres:
        grams = type_coerce(ItemSearch.grams, ARRAY(Text(collation="C")))
        return select(ItemSearch.item_id).where(grams.contains(search.grams), *exact, *conditions)
    expression = " AND ".join(f'"{gram}"' for gram in search.grams)
    return (select(_FTS.c.rowid.label("item_id")).join(ItemSearch, ItemSearch.item_id == _FTS.c.rowid)
            .where(_FTS.c.item_search_fts.op("MATCH")(expression), *exact, *conditions))


def newest_first(found: Select[tuple[int]]) -> Select[tuple[int]]:
    """``found`` ordered by item id, descending, on the column that drives it (FTS5's rowid on SQLite)."""
    return found.order_by(found.selected_columns[0].desc())


__all__ = ["MAX_QUERY_CHARS", "MAX_TERMS", "SearchQuery", "found_ids", "newest_first", "parse_day", "parse_query",
           "parse_range"]
