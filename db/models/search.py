"""The full-text search index (docs/search.md): one row of searchable text per item, and the text
extracted from each attachment content.

``item_search`` holds, per item, the normalised content of its title, body, attachment names and
attachment texts (``db.search_text``) and the distinct character bigrams of that content. How the
bigrams are indexed depends on the database, and is made by migration 0024, not by these models:

- PostgreSQL: ``grams`` is a ``text[]`` with a GIN index (``ix_item_search_grams``), a posting list per
  bigram; the main row is kept small (``toast_tuple_target``) so that a bitmap over many matches
  stays exact and cheap;
- SQLite: ``grams`` is the bigrams joined by spaces, indexed by the FTS5 table ``item_search_fts``
  (external content, ``ascii`` tokenizer: every non-ASCII character is part of a token) that
  triggers on ``item_search`` keep in step.

``department_id`` repeats the item's department (it never changes after creation) so that the
bigram index and the scope of a user's departments combine on one table (a bitmap AND on PostgreSQL).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from db.models.base import Base
from db.types import UTCDateTime

# Objects of the index that only one database has, made by migration 0024 (not by the models): the
# schema comparison (tests/db/test_migrations.py, autogenerate) leaves them out.
DIALECT_SPECIFIC = ("ix_item_search_grams", "item_search_fts")


def dialect_specific(name: str | None) -> bool:
    """True for the search index's objects that exist on one database only (FTS5 and its shadow tables,
    the GIN index)."""
    return bool(name) and any(str(name) == known or str(name).startswith(known + "_") for known in DIALECT_SPECIFIC)


class Grams(TypeDecorator[list[str]]):
    """The bigrams of a content: ``text[]`` on PostgreSQL, space-separated text on SQLite (FTS5 reads it)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            # byte-wise comparison (migration 0030): bigrams are only tested for equality
            return dialect.type_descriptor(postgresql.ARRAY(Text(collation="C")))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: list[str] | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return list(value) if dialect.name == "postgresql" else " ".join(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> list[str] | None:
        if value is None:
            return None
        return list(value) if dialect.name == "postgresql" else [g for g in str(value).split(" ") if g]


class ItemSearch(Base):
    """The searchable text of one item, rebuilt in the transaction of every change to its content."""

    __tablename__ = "item_search"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, index=True)
    content: Mapped[str] = mapped_column(Text, default="")
    grams: Mapped[list[str]] = mapped_column(Grams, default=list)
    # attachments whose text is not extracted yet (their scan has not run): the item is indexed again
    # when it is (workflow.search.index.attachment_text_stored)
    pending: Mapped[int] = mapped_column(Integer, default=0)


class AttachmentText(Base):
    """The text the bounded scanner extracted from one attachment content (by SHA-256 and extension:
    ``.txt`` and ``.csv`` read the same bytes differently), kept for search. Extracted once, in the same
    child process as the secrecy scan; ``complete`` is false when the extraction stopped early (a limit,
    a corrupt file, an unsupported type), and the text is then what was read before."""

    __tablename__ = "attachment_texts"
    __table_args__ = (UniqueConstraint("sha256", "extension", name="attachment_text_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    extension: Mapped[str] = mapped_column(String(16), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    complete: Mapped[bool] = mapped_column(Boolean, default=True)
    extracted_at: Mapped[datetime] = mapped_column(UTCDateTime)
