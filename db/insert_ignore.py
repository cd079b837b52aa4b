"""``INSERT … ON CONFLICT DO NOTHING`` that SQLAlchemy can cache, on SQLite and PostgreSQL alike.

SQLAlchemy 2.0's own ``sqlite.insert(t).on_conflict_do_nothing()`` (and PostgreSQL's) opts out of the
compiled-statement cache, so every execution of a statement carrying it is compiled again — about
half a millisecond each, more than running it. The clause here has no state (no conflict target: any
unique key), so every statement carrying it compiles to the same SQL and is cached like any other
Core statement. Both databases spell the clause the same way.
"""
from __future__ import annotations

from sqlalchemy import Table, insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ClauseElement


class OnConflictDoNothing(ClauseElement):
    """``ON CONFLICT DO NOTHING`` after an INSERT's values (or its SELECT): no state, hence cacheable."""

    __visit_name__ = "gongkai_on_conflict_do_nothing"
    _traverse_internals = []  # nothing varies: the class alone identifies the SQL in the cache key


@compiles(OnConflictDoNothing)
def _render(_element: OnConflictDoNothing, _compiler: object, **_kw: object) -> str:
    return "ON CONFLICT DO NOTHING"


def insert_ignore(table: Table) -> Insert:
    """An INSERT into ``table`` that skips rows violating any unique key (build it once, reuse it)."""
    statement = insert(table)
    # the slot SQLAlchemy's dialect inserts put their ON CONFLICT clause in, rendered after VALUES/SELECT
    statement._post_values_clause = OnConflictDoNothing()
    return statement
