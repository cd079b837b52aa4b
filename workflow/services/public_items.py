"""The public item page: a published item with the block disclosure sites show above it.

索引号 (``workflow.index_number``), 发布机构 (the department's name), 文号 (if any), 发布日期 and the 清单
category and entry by their titles — never a code.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from db.models import CatalogCategory, CatalogEntry, Item
from workflow.context import Gongkai
from workflow.index_number import index_number
from workflow.services.queries import public_item_in


@dataclass(frozen=True)
class PublicItemPage:
    """What the public item page shows besides the item itself."""

    item: Item
    index_number: str
    publisher: str                 # 发布机构: the department's name
    category: str | None           # the 清单 category's title (基本信息 …)
    entry: str | None              # the 清单 entry's title


def index_prefix(app: Gongkai) -> str:
    """The configured prefix of every 索引号 (``public.index_prefix``)."""
    return str(app.settings.get("public.index_prefix", "") or "")


def public_item_page(app: Gongkai, item_id: int) -> PublicItemPage:
    """A published disclosure item and its block; NotFound as ``queries.public_item`` (with the successor)."""
    with app.db.read() as session:
        item = public_item_in(session, item_id)
        labels = session.execute(select(CatalogCategory.title, CatalogEntry.title)
                                 .join(CatalogCategory, CatalogCategory.code == CatalogEntry.category_code)
                                 .where(CatalogEntry.code == item.catalog_code)).first()
        number = index_number(session, item, index_prefix(app))
    assert number is not None  # published
    return PublicItemPage(item=item, index_number=number, publisher=item.department.name,
                          category=labels[0] if labels else None, entry=labels[1] if labels else None)
