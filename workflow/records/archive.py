"""Archive export (归档): the records of the items published in a period, one PDF each, and an index.

The zip holds one PDF per item, in order of publication, and ``index.csv`` (UTF-8 with BOM, so that
Excel opens it in Chinese): a line per PDF with its title, department, 清单 entry, dates, the revision's
SHA-256, the record's digest and its verify link. Bounded: at most ``MAX_ITEMS`` items per export (a larger period is refused
with 422 before anything is rendered: the office splits it into months).
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import IO, Any, Sequence

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from db.models import Item
from workflow.clock import SHANGHAI
from workflow.errors import ValidationFailed
from workflow.i18n import N_
from workflow.i18n import gettext as _
from workflow.inputs import parse_date
from workflow.records import wording
from workflow.records.model import Record

MAX_ITEMS = 500
# Once published, an item keeps ``published_at`` when it is archived or taken down later.
PUBLISHED_STATES = ("published", "archived")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


@dataclass(frozen=True)
class Period:
    """A period of publication dates, both days included (Asia/Shanghai)."""

    start: date
    end: date

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The instants [start 00:00, the day after end 00:00) in Asia/Shanghai."""
        return (datetime.combine(self.start, time(0), tzinfo=SHANGHAI),
                datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=SHANGHAI))


def parse_period(start: Any, end: Any) -> Period:
    """``from`` and ``to`` as dates (YYYY-MM-DD), both required, ``from`` not after ``to`` (422 otherwise)."""
    first, last = parse_date(start, "from"), parse_date(end, "to")
    if first is None:
        raise ValidationFailed("请填写起始日期（from，YYYY-MM-DD）", code="missing_field", field="from")
    if last is None:
        raise ValidationFailed("请填写截止日期（to，YYYY-MM-DD）", code="missing_field", field="to")
    if first > last:
        raise ValidationFailed("起始日期不能晚于截止日期", code="invalid_value", field="from")
    return Period(first, last)


def _published_in(period: Period) -> Any:
    start, end = period.bounds
    return and_(Item.state.in_(PUBLISHED_STATES), Item.published_at >= start, Item.published_at < end)


def count_published(session: Session, period: Period) -> int:
    """How many items were published in ``period``."""
    return session.scalar(select(func.count()).select_from(Item).where(_published_in(period))) or 0


def published_ids(session: Session, period: Period) -> list[int]:
    """The items published in ``period``, in order of publication; 422 ``too_many_records`` beyond
    ``MAX_ITEMS`` (counted without loading more than one row past the limit)."""
    ids = list(session.scalars(select(Item.id).where(_published_in(period))
                               .order_by(Item.published_at, Item.id).limit(MAX_ITEMS + 1)))
    if len(ids) > MAX_ITEMS:
        raise ValidationFailed("该期间发布的事项有 %(count)d 个，超过单次归档导出的上限 %(max)d 个，请缩短期间后分次导出",
                               code="too_many_records", field="to", count=count_published(session, period),
                               max=MAX_ITEMS, details={"max_items": MAX_ITEMS})
    return ids


def file_name(record: Record) -> str:
    """The PDF's name in the zip: the item's number and its title (characters no file system takes left out)."""
    title = _UNSAFE.sub("", record.title).strip()[:40] or _("无标题")
    return f"GK-{record.item_id}-{record.revision}_{title}.pdf"


INDEX_COLUMNS = (N_("序号"), N_("编号"), N_("文件名"), N_("信息名称"), N_("发布部门"), N_("清单条目"), N_("信息形成日期"),
                 N_("发布时间"), N_("稿次"), N_("稿件SHA-256"), N_("记录校验码"), N_("核验链接"))


@dataclass(frozen=True)
class Filed:
    """One record written into the zip, for its line in the index."""

    record: Record
    published_at: datetime | None
    file_name: str
    verify_url: str


class ArchiveWriter:
    """Writes the zip: each PDF as it is made (``add``: never more than one in memory), the index last
    (``close``)."""

    def __init__(self, target: IO[bytes]):
        self.zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)
        self.filed: list[Filed] = []

    def add(self, record: Record, published_at: datetime | None, pdf: bytes, verify_url: str) -> None:
        """One record's PDF."""
        name = file_name(record)
        self.zip.writestr(name, pdf)
        self.filed.append(Filed(record, published_at, name, verify_url))

    def close(self) -> None:
        """Write ``index.csv`` and finish the zip."""
        self.zip.writestr("index.csv", index_csv(self.filed))
        self.zip.close()


def index_csv(filed: Sequence[Filed]) -> bytes:
    """The index: one line per record, headed in the current language."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_(column) for column in INDEX_COLUMNS])
    for n, entry in enumerate(filed, 1):
        record = entry.record
        catalog = " ".join(part for part in (record.catalog_code or "", record.entry_title) if part)
        writer.writerow([n, f"GK-{record.item_id}-{record.revision}", entry.file_name, record.title,
                         record.department_name or record.department, catalog or "—", wording.day(record.formed_on),
                         wording.moment(entry.published_at), record.revision, record.content_hash, record.digest,
                         entry.verify_url])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
