"""The China working-day (工作日) calendar that every deadline is counted on.

A day is a working day when it is Monday–Friday and not an official rest day, or when it is a
weekend day the State Council turned into a make-up workday (调休上班). The answer for a date
comes from three layers; the newer layer wins:

1. **base data** from the ``chinesecalendar`` package (2004–2026 in version 1.11; it raises
   ``NotImplementedError`` for any other year, which never escapes this module);
2. **``config/holidays.toml``**: rest days and make-up workdays per year, each with the notice
   it comes from; a year marked ``complete = true`` there counts as covered;
3. **admin overrides** (``date -> DayOverride``), stored by the database layer and passed in.

A year that neither the package nor ``holidays.toml`` covers is computed on weekends only and
every date in it is *estimated*. Deadlines that touch such a year say so.

Counting is precomputed per year (a sorted list of workday ordinals plus a day-flag table), so
``add_workdays`` and ``workdays_between`` cost a bisection per year crossed, not a loop per day.
"""
from __future__ import annotations

import re
import tomllib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import chinese_calendar

from workflow.errors import BadInput, ValidationFailed
from workflow.i18n import _, _l
from workflow.settings import config_path

__all__ = [
    "DayInfo",
    "DayOverride",
    "Explanation",
    "HolidayFile",
    "HolidayFileError",
    "load_holiday_file",
    "WorkCalendar",
    "HOLIDAY_NAMES",
]

DayKind = Literal["rest", "work"]
Layer = Literal["rule", "chinesecalendar", "holidays.toml", "override"]

# chinese_calendar reports holidays by the English value of its ``Holiday`` enum. Keyed by
# the value so that an unknown future member degrades to a generic label instead of failing.
HOLIDAY_NAMES: Mapping[str, Any] = MappingProxyType({
    "New Year's Day": _l("元旦"),
    "Spring Festival": _l("春节"),
    "Tomb-sweeping Day": _l("清明节"),
    "Labour Day": _l("劳动节"),
    "Dragon Boat Festival": _l("端午节"),
    "National Day": _l("国庆节"),
    "Mid-autumn Festival": _l("中秋节"),
    "Anti-Fascist 70th Day": _l("抗战胜利70周年纪念日"),
})

_WEEKDAYS = (_l("周一"), _l("周二"), _l("周三"), _l("周四"), _l("周五"), _l("周六"), _l("周日"))

# chinesecalendar raises NotImplementedError outside its range; probe this window once.
_PROBE_YEARS = range(1949, 2201)
_FILE_NAME = "holidays.toml"


class HolidayFileError(ValueError):
    """``holidays.toml`` is malformed. Raised at load time so a bad edit fails loudly on start."""


@dataclass(frozen=True)
class DayOverride:
    """An administrator's decision about one date; wins over every other layer.

    ``kind`` is ``"rest"`` (no work that day) or ``"work"`` (a working day); ``reason`` is shown
    to users in every explanation; ``source`` is an optional notice URL or document number.
    """

    kind: DayKind
    reason: str
    source: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("rest", "work"):
            raise ValidationFailed("调整类型必须是 rest 或 work", field="kind")
        if not self.reason or not self.reason.strip():
            raise ValidationFailed("请填写调整原因", field="reason")


@dataclass(frozen=True)
class DayInfo:
    """What the calendar says about one date, and why.

    ``reason`` is a translated label (周末, 国庆节, 调休上班, 工作日, 管理员调整：…);
    ``holiday`` the translated name of the holiday a rest day or make-up workday belongs to;
    ``layer`` which layer decided; ``source`` the notice or override source, when known;
    ``estimated`` is true for every date of a year without official data.
    """

    date: date
    workday: bool
    reason: str
    estimated: bool
    holiday: str | None = None
    layer: Layer = "rule"
    source: str | None = None

    @property
    def weekday_label(self) -> str:
        """The weekday in the current locale (周一 … 周日)."""
        return str(_WEEKDAYS[self.date.weekday()])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict (dates as ISO strings)."""
        return {
            "date": self.date.isoformat(),
            "weekday": self.weekday_label,
            "workday": self.workday,
            "reason": self.reason,
            "estimated": self.estimated,
            "holiday": self.holiday,
            "layer": self.layer,
            "source": self.source,
        }


@dataclass
class Explanation:
    """How a deadline was counted: every day looked at, in counting order.

    For ``workdays > 0`` the days run forward from the day after ``start``; for ``workdays < 0``
    they run backward from the day before ``start``. ``counted`` are the working days (the k-th
    of them is counted as working day k), ``skipped`` the rest days passed over.
    """

    start: date
    workdays: int
    deadline: date
    days: list[DayInfo] = field(default_factory=list)

    @property
    def counted(self) -> list[DayInfo]:
        """The working days that were counted, in counting order."""
        return [d for d in self.days if d.workday]

    @property
    def skipped(self) -> list[DayInfo]:
        """The rest days that were passed over, in counting order."""
        return [d for d in self.days if not d.workday]

    @property
    def estimated(self) -> bool:
        """True when any day looked at lies in a year without official data."""
        return any(d.estimated for d in self.days)

    def as_text(self) -> str:
        """A multi-line explanation for people, one line per day, in the current locale."""
        lines = [self._header()]
        plain = _("工作日")
        index = 0
        for day in self.days:
            when = f"{day.date.isoformat()} {day.weekday_label}"
            if day.workday:
                index += 1
                if day.reason == plain:
                    line = _("%(day)s 计入第%(index)d个工作日", day=when, index=index)
                else:
                    detail = day.reason
                    if day.holiday and day.holiday != day.reason:  # 调休上班 for which holiday
                        detail = _("%(reason)s，%(holiday)s", reason=day.reason, holiday=day.holiday)
                    line = _("%(day)s 计入第%(index)d个工作日（%(reason)s）",
                             day=when, index=index, reason=detail)
            else:
                line = _("%(day)s 跳过：%(reason)s", day=when, reason=day.reason)
            if day.estimated:
                line += _("（估算）")
            lines.append(line)
        if self.estimated:
            lines.append(_("注意：部分日期所在年份尚无官方放假安排，按周末推算，截止日期为估算值。"))
        return "\n".join(lines)

    def _header(self) -> str:
        start = f"{self.start.isoformat()}（{_WEEKDAYS[self.start.weekday()]}）"
        deadline = f"{self.deadline.isoformat()}（{_WEEKDAYS[self.deadline.weekday()]}）"
        if self.workdays > 0:
            return _("起算日 %(start)s，自次日起计 %(n)d 个工作日，截止日 %(deadline)s",
                     start=start, n=self.workdays, deadline=deadline)
        if self.workdays < 0:
            return _("起算日 %(start)s，自前一日起向前计 %(n)d 个工作日，结果为 %(deadline)s",
                     start=start, n=-self.workdays, deadline=deadline)
        return _("起算日 %(start)s，计 0 个工作日，截止日即起算日", start=start)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict; counted days carry their position ``index`` (1-based)."""
        counted = []
        for index, day in enumerate(self.counted, start=1):
            counted.append({**day.to_dict(), "index": index})
        return {
            "start": self.start.isoformat(),
            "workdays": self.workdays,
            "deadline": self.deadline.isoformat(),
            "estimated": self.estimated,
            "counted": counted,
            "skipped": [day.to_dict() for day in self.skipped],
        }


@dataclass(frozen=True)
class _FileDay:
    """One date from ``holidays.toml``."""

    kind: DayKind
    name: str
    source: str | None


@dataclass(frozen=True)
class HolidayFile:
    """The parsed ``holidays.toml``: per-date entries and the years declared complete."""

    days: Mapping[date, _FileDay]
    complete_years: frozenset[int]
    path: Path | None = None

    @classmethod
    def empty(cls) -> "HolidayFile":
        return cls(MappingProxyType({}), frozenset())


@dataclass(frozen=True, slots=True)
class _YearTable:
    """Precomputed answers for one year: flags per day and the sorted workday ordinals."""

    first: int              # ordinal of 1 January
    flags: bytes            # 1 = working day, indexed by ordinal - first
    workdays: list[int]     # ordinals of the working days, ascending


class WorkCalendar:
    """The China working-day calendar with three layers (package, holidays.toml, overrides).

    Instances are immutable; build a new one (``with_overrides``) when the overrides change.
    Per-year tables are computed on first use and cached on the instance.
    """

    def __init__(
        self,
        overrides: Mapping[date, DayOverride] | None = None,
        holidays_file: Path | str | None = None,
    ) -> None:
        """Build a calendar.

        ``overrides``: admin decisions by date. ``holidays_file``: path of a ``holidays.toml``;
        ``None`` means the shipped ``config/holidays.toml`` (absent file = no entries).
        """
        if holidays_file is None:
            default = config_path(_FILE_NAME)
            self._file = load_holiday_file(default) if default.is_file() else HolidayFile.empty()
        else:
            self._file = load_holiday_file(Path(holidays_file))
        self._overrides = _normalize_overrides(overrides or {})
        self._tables: dict[int, _YearTable] = {}
        self._changes = _changes_by_year(self._file, self._overrides)

    @classmethod
    def _from_parts(cls, holiday_file: HolidayFile, overrides: Mapping[date, DayOverride]) -> "WorkCalendar":
        calendar = cls.__new__(cls)
        calendar._file = holiday_file
        calendar._overrides = _normalize_overrides(overrides)
        calendar._tables = {}
        calendar._changes = _changes_by_year(holiday_file, calendar._overrides)
        return calendar

    @classmethod
    def default(cls, *, reload: bool = False) -> "WorkCalendar":
        """The shared calendar from the shipped ``holidays.toml`` without overrides.

        Shared so that its year tables are computed once per process; ``reload=True`` rereads
        the file (after an edit).
        """
        global _DEFAULT
        if _DEFAULT is None or reload:
            _DEFAULT = cls()
        return _DEFAULT

    def with_overrides(self, overrides: Mapping[date, DayOverride]) -> "WorkCalendar":
        """A new calendar with the same ``holidays.toml`` data and these overrides instead."""
        return type(self)._from_parts(self._file, overrides)

    @property
    def overrides(self) -> Mapping[date, DayOverride]:
        """The admin overrides in force (read-only)."""
        return self._overrides

    # -- coverage ---------------------------------------------------------------------------

    def covered_years(self) -> list[int]:
        """Years with official data: chinesecalendar's years plus ``complete`` years of the file."""
        return sorted(_chinesecalendar_years() | self._file.complete_years)

    def is_covered(self, year: int) -> bool:
        """True when ``year`` has official data (not estimated)."""
        return year in self._file.complete_years or year in _chinesecalendar_years()

    def missing_years(self, from_year: int, to_year: int) -> list[int]:
        """Years in ``from_year..to_year`` (inclusive) without official data, ascending."""
        return [y for y in range(from_year, to_year + 1) if not self.is_covered(y)]

    def is_estimated(self, d: date) -> bool:
        """True when ``d`` lies in a year without official data (computed on weekends only)."""
        return not self.is_covered(d.year)

    def is_estimated_range(self, a: date, b: date) -> bool:
        """True when any date between ``a`` and ``b`` (inclusive, either order) is estimated."""
        low, high = (a, b) if a <= b else (b, a)
        return any(not self.is_covered(y) for y in range(low.year, high.year + 1))

    # -- single days ------------------------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        """True when ``d`` is a working day (overrides > holidays.toml > package > weekends)."""
        table = self._table(d.year)
        return table.flags[d.toordinal() - table.first] == 1

    def day_info(self, d: date) -> DayInfo:
        """Whether ``d`` is a working day, the reason in the current locale, and its source."""
        d = _as_date(d)
        estimated = not self.is_covered(d.year)
        weekend = d.weekday() >= 5

        override = self._overrides.get(d)
        if override is not None:
            return DayInfo(d, override.kind == "work", _("管理员调整：%(reason)s", reason=override.reason),
                           estimated, None, "override", override.source)

        entry = self._file.days.get(d)
        if entry is not None:
            holiday = _(entry.name)
            if entry.kind == "work":
                reason = _("调休上班") if weekend else _("工作日")
                return DayInfo(d, True, reason, estimated, holiday, "holidays.toml", entry.source)
            return DayInfo(d, False, holiday, estimated, holiday, "holidays.toml", entry.source)

        base = _chinesecalendar_year(d.year)
        if base is not None:
            workday, name = base[d.toordinal() - date(d.year, 1, 1).toordinal()]
            holiday = _holiday_label(name) if name else None
            if workday:
                reason = _("调休上班") if weekend else _("工作日")
            elif holiday is not None:
                reason = holiday
            elif weekend:
                reason = _("周末")
            else:  # a weekday rest day without a name; chinesecalendar has none today
                reason = _("休息日")
            return DayInfo(d, workday, reason, estimated, holiday, "chinesecalendar", None)

        if weekend:
            return DayInfo(d, False, _("周末"), estimated)
        return DayInfo(d, True, _("工作日"), estimated)

    def next_workday(self, d: date, *, inclusive: bool = False) -> date:
        """The first working day after ``d`` (or ``d`` itself if ``inclusive`` and a workday)."""
        if inclusive and self.is_workday(d):
            return _as_date(d)
        return self.add_workdays(d, 1)

    def previous_workday(self, d: date, *, inclusive: bool = False) -> date:
        """The last working day before ``d`` (or ``d`` itself if ``inclusive`` and a workday)."""
        if inclusive and self.is_workday(d):
            return _as_date(d)
        return self.add_workdays(d, -1)

    # -- counting ---------------------------------------------------------------------------

    def add_workdays(self, start: date, n: int) -> date:
        """The ``n``-th working day counted from the day after ``start``.

        ``n == 0`` returns ``start``; negative ``n`` counts backwards from the day before
        ``start`` (``add_workdays(due, -1)`` is the working day before ``due``). Whether the
        result is estimated (any day walked over, ``start`` excluded, lies in an uncovered year):
        ``is_estimated_range(start ± 1 day, result)``, as ``explain(start, n).estimated``. Raises ``BadInput`` if the
        result would fall outside the years 1–9999.
        """
        start = _as_date(start)
        if n == 0:
            return start
        ordinal = start.toordinal()
        year = start.year
        if n > 0:
            table = self._table(year)
            i = bisect_right(table.workdays, ordinal)  # workdays after start in this year begin at i
            remaining = n
            while remaining > len(table.workdays) - i:
                remaining -= len(table.workdays) - i
                year += 1
                if year > date.max.year:
                    raise BadInput("日期超出可计算范围")
                table, i = self._table(year), 0
            return date.fromordinal(table.workdays[i + remaining - 1])
        table = self._table(year)
        i = bisect_left(table.workdays, ordinal)  # workdays before start in this year: [0, i)
        remaining = -n
        while remaining > i:
            remaining -= i
            year -= 1
            if year < date.min.year:
                raise BadInput("日期超出可计算范围")
            table = self._table(year)
            i = len(table.workdays)
        return date.fromordinal(table.workdays[i - remaining])

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in ``(a, b]``; negative (minus those in ``(b, a]``) when ``b < a``.

        ``workdays_between(start, add_workdays(start, n)) == n`` for every ``n >= 0``.
        """
        if b < a:
            return -self.workdays_between(b, a)
        total = sum(len(self._table(y).workdays) for y in range(a.year, b.year))
        return total + self._count_upto(b) - self._count_upto(a)

    def explain(self, start: date, n: int) -> Explanation:
        """Count ``n`` working days from ``start`` day by day, recording every day and why.

        Agrees with ``add_workdays`` (``explain(s, n).deadline == add_workdays(s, n)``).
        """
        start = _as_date(start)
        days: list[DayInfo] = []
        step = timedelta(days=1 if n > 0 else -1)
        current, found = start, 0
        while found < abs(n):
            current += step
            info = self.day_info(current)
            days.append(info)
            if info.workday:
                found += 1
        return Explanation(start=start, workdays=n, deadline=current, days=days)

    # -- tables -----------------------------------------------------------------------------

    def _count_upto(self, d: date) -> int:
        """Working days from 1 January of ``d.year`` up to and including ``d``."""
        return bisect_right(self._table(d.year).workdays, d.toordinal())

    def _table(self, year: int) -> _YearTable:
        table = self._tables.get(year)
        if table is None:
            table = self._build_table(year)
            self._tables[year] = table  # a concurrent duplicate build is harmless: same result
        return table

    def _build_table(self, year: int) -> _YearTable:
        first = date(year, 1, 1).toordinal()
        length = date(year, 12, 31).toordinal() - first + 1
        base = _chinesecalendar_year(year)
        if base is not None:
            flags = bytearray(1 if workday else 0 for workday, _name in base)
        else:
            # Weekend rule: 1 January's weekday gives every other day's.
            start_weekday = date(year, 1, 1).weekday()
            flags = bytearray(1 if (start_weekday + i) % 7 < 5 else 0 for i in range(length))
        for ordinal, workday in self._changes.get(year, ()):
            flags[ordinal - first] = 1 if workday else 0
        workdays = [first + i for i, flag in enumerate(flags) if flag]
        return _YearTable(first, bytes(flags), workdays)


_DEFAULT: WorkCalendar | None = None


# -- chinesecalendar access (module-level: the package data is the same for every instance) ----

@lru_cache(maxsize=1)
def _chinesecalendar_years() -> frozenset[int]:
    """Years chinesecalendar answers for, found by asking it (its range is not a public API).

    Both ends of a year are probed so that a year the package knows only in part is uncovered.
    """
    years = set()
    for year in _PROBE_YEARS:
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
            chinese_calendar.is_workday(date(year, 12, 31))
        except NotImplementedError:
            continue
        years.add(year)
    return frozenset(years)


@lru_cache(maxsize=64)
def _chinesecalendar_year(year: int) -> tuple[tuple[bool, str | None], ...] | None:
    """``(workday, holiday name)`` for every day of ``year``, or None if the package lacks it."""
    if year not in _chinesecalendar_years():
        return None
    result = []
    day, end = date(year, 1, 1), date(year, 12, 31)
    try:
        while day <= end:
            _is_holiday, name = chinese_calendar.get_holiday_detail(day)
            result.append((bool(chinese_calendar.is_workday(day)), name))
            day += timedelta(days=1)
    except NotImplementedError:  # cannot happen after the probe; never let it escape
        return None
    return tuple(result)


def _holiday_label(name: str) -> str:
    label = HOLIDAY_NAMES.get(name)
    if label is not None:
        return str(label)
    return _("节假日（%(name)s）", name=name)


# -- holidays.toml ----------------------------------------------------------------------------

_RANGE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*(?:\.\.\s*(\d{4}-\d{2}-\d{2})\s*)?$")
_YEAR_KEYS = {"complete", "title", "url", "document", "published", "note", "holidays"}
_HOLIDAY_KEYS = {"name", "rest", "work", "title", "url", "note"}


def load_holiday_file(path: Path) -> HolidayFile:
    """Parse ``holidays.toml`` (format in ``docs/calendar.md``); raise ``HolidayFileError``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise HolidayFileError(f"{path}: not valid TOML: {exc}") from exc
    return parse_holiday_data(data, path)


def parse_holiday_data(data: Mapping[str, Any], path: Path | None = None) -> HolidayFile:
    """Validate and index the parsed TOML of a holidays file."""
    where = str(path) if path else "holidays.toml"
    unknown = set(data) - {"years"}
    if unknown:
        raise HolidayFileError(f"{where}: unknown top-level keys {sorted(unknown)}")
    years = data.get("years", {})
    if not isinstance(years, Mapping):
        raise HolidayFileError(f"{where}: [years] must be a table")
    days: dict[date, _FileDay] = {}
    complete: set[int] = set()
    for key, table in years.items():
        label = f"{where}: [years.{key}]"
        if not re.fullmatch(r"\d{4}", str(key)):
            raise HolidayFileError(f"{label}: the key must be a four-digit year")
        year = int(key)
        if not isinstance(table, Mapping):
            raise HolidayFileError(f"{label} must be a table")
        unknown = set(table) - _YEAR_KEYS
        if unknown:
            raise HolidayFileError(f"{label}: unknown keys {sorted(unknown)}")
        is_complete = table.get("complete", False)
        if not isinstance(is_complete, bool):
            raise HolidayFileError(f"{label}: complete must be true or false")
        year_source = _source_of(table, label)
        if year_source is None:
            raise HolidayFileError(f"{label}: give the notice's url or title")
        if is_complete:
            complete.add(year)
        holidays = table.get("holidays", [])
        if not isinstance(holidays, list):
            raise HolidayFileError(f"{label}: holidays must be an array of tables [[years.{key}.holidays]]")
        for position, section in enumerate(holidays, start=1):
            _add_section(days, section, year_source, f"{label} holidays #{position}")
    return HolidayFile(MappingProxyType(days), frozenset(complete), path)


def _add_section(days: dict[date, _FileDay], section: Any, year_source: str, label: str) -> None:
    if not isinstance(section, Mapping):
        raise HolidayFileError(f"{label} must be a table")
    unknown = set(section) - _HOLIDAY_KEYS
    if unknown:
        raise HolidayFileError(f"{label}: unknown keys {sorted(unknown)}")
    name = section.get("name")
    if not isinstance(name, str) or not name.strip():
        raise HolidayFileError(f"{label}: name is required (e.g. 春节)")
    source = _source_of(section, label) or year_source
    for kind in ("rest", "work"):
        values = section.get(kind, [])
        if not isinstance(values, list):
            raise HolidayFileError(f"{label}: {kind} must be an array")
        for value in values:
            for day in _expand(value, f"{label} {kind}"):
                if day in days:
                    raise HolidayFileError(f"{label}: {day.isoformat()} is listed twice")
                days[day] = _FileDay(kind, name.strip(), source)  # type: ignore[arg-type]


def _source_of(table: Mapping[str, Any], label: str) -> str | None:
    """The notice reference: url, else title (both strings)."""
    for key in ("url", "title"):
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            raise HolidayFileError(f"{label}: {key} must be a string")
    url, title = table.get("url"), table.get("title")
    return url or title or None


def _expand(value: Any, label: str) -> Iterable[date]:
    """A TOML date, ``"YYYY-MM-DD"`` or an inclusive range ``"YYYY-MM-DD..YYYY-MM-DD"``."""
    if isinstance(value, datetime):
        raise HolidayFileError(f"{label}: {value!r} is a date-time; write a date")
    if isinstance(value, date):
        return [value]
    if not isinstance(value, str) or not (match := _RANGE.match(value)):
        raise HolidayFileError(f"{label}: {value!r} is not YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD")
    try:
        first = date.fromisoformat(match.group(1))
        last = date.fromisoformat(match.group(2)) if match.group(2) else first
    except ValueError as exc:
        raise HolidayFileError(f"{label}: {value!r}: {exc}") from exc
    if last < first:
        raise HolidayFileError(f"{label}: {value!r} ends before it starts")
    if (last - first).days > 366:
        raise HolidayFileError(f"{label}: {value!r} is longer than a year")
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# -- helpers ----------------------------------------------------------------------------------

def _as_date(d: date) -> date:
    """Accept a datetime where a date is meant (its calendar date, as given)."""
    return d.date() if isinstance(d, datetime) else d


def _normalize_overrides(overrides: Mapping[date, DayOverride]) -> Mapping[date, DayOverride]:
    result: dict[date, DayOverride] = {}
    for day, override in overrides.items():
        if not isinstance(override, DayOverride):
            raise ValidationFailed("日历调整格式不正确", field="overrides")
        result[_as_date(day)] = override
    return MappingProxyType(result)


def _changes_by_year(
    holiday_file: HolidayFile, overrides: Mapping[date, DayOverride]
) -> dict[int, list[tuple[int, bool]]]:
    """``year -> [(ordinal, workday)]`` from the file, then the overrides (applied last, so they win)."""
    changes: dict[int, list[tuple[int, bool]]] = {}
    for layer in (holiday_file.days, overrides):
        for day, entry in layer.items():
            changes.setdefault(day.year, []).append((day.toordinal(), entry.kind == "work"))
    return changes
