"""``gongkai init``: schema (Alembic) and the 清单 catalogue and departments, idempotently."""
from __future__ import annotations

from sqlalchemy import select

from db.migrate import upgrade
from db.models import CatalogCategory, CatalogEntry, Department
from workflow.context import Gongkai


def init(app: Gongkai, load_departments: bool = True) -> dict[str, int]:
    """Create or upgrade the schema and load the catalogue (and departments) from config."""
    upgrade(app.db)
    counts = sync_catalog(app)
    if load_departments:
        counts["departments"] = sync_departments(app)
    return counts


def sync_catalog(app: Gongkai) -> dict[str, int]:
    """Insert or update the catalogue from config/catalog.toml; admin edits to titles survive."""
    from workflow.catalog import load_catalog
    catalog = load_catalog()
    added = {"categories": 0, "entries": 0}
    with app.db.write() as session:
        for position, category in enumerate(catalog.categories):
            if session.get(CatalogCategory, category.code) is None:
                session.add(CatalogCategory(code=category.code, title=category.title, position=position))
                added["categories"] += 1
        session.flush()
        for position, entry in enumerate(catalog.entries):
            if session.get(CatalogEntry, entry.code) is None:
                session.add(CatalogEntry(
                    code=entry.code, title=entry.title, category_code=entry.category_code,
                    department_code=entry.department, rhythm=entry.rhythm or "",
                    documents="\n".join(entry.documents),
                    column_url=entry.column_url or "", number_confirmed=entry.number_confirmed,
                    local=entry.local, position=position))
                added["entries"] += 1
    return added


def sync_departments(app: Gongkai) -> int:
    """Add the configured departments that are missing."""
    from workflow.catalog import load_departments
    added = 0
    with app.db.write() as session:
        existing = set(session.scalars(select(Department.code)))
        for code, name in load_departments():
            if code not in existing:
                session.add(Department(code=code, name=name, active=True))
                added += 1
    return added
