"""索引号: the index number a disclosure site shows in the block above a published item.

Scheme (docs/public.md): ``<prefix>/<DEPARTMENT>-<year>-<serial>``, e.g. ``ZZIT/XSC-2025-00012`` —

- ``prefix``: the setting ``public.index_prefix`` (an institution puts its 学校标识码 or 统一社会信用代码 there);
- ``DEPARTMENT``: the publishing department's code, upper-case;
- ``year``: the year (Asia/Shanghai) the item was published;
- ``serial``: the item's place among the department's disclosure items published that year, in order of
  publication (``published_at``, then id), five digits.

Nothing is stored: the number is derived from facts that never change once an item is published (its
department, its ``published_at``, and the items published before it, which are archived but never deleted),
so the same item always shows the same number, also after it is archived or superseded.
"""
from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from db.models import Item
from workflow.access import disclosure_filter
from workflow.clock import SHANGHAI, local_date

SERIAL_DIGITS = 5


def format_index(prefix: str, department_code: str, year: int, serial: int) -> str:
    """``ZZIT/XSC-2025-00012``; without a prefix ``XSC-2025-00012``."""
    number = f"{department_code.upper()}-{year:04d}-{serial:0{SERIAL_DIGITS}d}"
    prefix = prefix.strip().strip("/")
    return f"{prefix}/{number}" if prefix else number


def publication_serial(session: Session, item: Item) -> int:
    """The item's place among its department's disclosure items published in the same (local) year."""
    assert item.published_at is not None
    year = local_date(item.published_at).year
    start = datetime.combine(datetime(year, 1, 1).date(), time.min, SHANGHAI)
    earlier = or_(Item.published_at < item.published_at,
                  and_(Item.published_at == item.published_at, Item.id <= item.id))
    return int(session.scalar(select(func.count(Item.id)).where(
        Item.department_id == item.department_id, disclosure_filter(), Item.published_at.is_not(None),
        Item.published_at >= start, earlier)) or 0)


def index_number(session: Session, item: Item, prefix: str) -> str | None:
    """The 索引号 of a published item (None before publication)."""
    if item.published_at is None:
        return None
    return format_index(prefix, item.department.code, local_date(item.published_at).year,
                        publication_serial(session, item))
