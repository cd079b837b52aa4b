"""The 清单 catalogue as stored in the database (loaded by ``gongkai init``)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from db.models import CatalogCategory, CatalogEntry
from workflow.context import Gongkai


def catalog_tree(app: Gongkai) -> dict[str, Any]:
    """``{"categories": [{code, title, items: [{code, title, department, rhythm}]}]}``."""
    with app.db.read() as session:
        categories = session.scalars(select(CatalogCategory).order_by(CatalogCategory.position)).all()
        entries = session.scalars(select(CatalogEntry).where(CatalogEntry.active.is_(True))
                                  .order_by(CatalogEntry.position)).all()
    by_category: dict[str, list[dict[str, Any]]] = {c.code: [] for c in categories}
    for entry in entries:
        by_category.setdefault(entry.category_code, []).append({
            "code": entry.code, "title": entry.title, "department": entry.department_code,
            "rhythm": entry.rhythm, "number_confirmed": entry.number_confirmed, "local": entry.local})
    return {"categories": [{"code": c.code, "title": c.title, "items": by_category[c.code]} for c in categories]}
