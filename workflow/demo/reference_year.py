"""Demo data of a past year: the reference college's 2022-2023 academic year, made through the real verbs.

The 漳州理工职业学院 report for 2022-2023 states 732 items actively published, 451 of them
through network channels, and no applications, fees or complaints. ``load_history``
creates exactly such a year — create → submit → (a few returns) → pass_review → approve,
some items archived after their 公示期 — by moving a :class:`FixedClock` through the year,
so every revision, decision, scan and audit event is the workflow's own. The yearly report
then *counts* those records; nothing in the report is a constant.

The plan is deterministic (a seeded ``random.Random``): the same year comes out every time.
"""
from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Callable

from sqlalchemy import func, select

from db.models import CatalogEntry, Department, Item, User
from workflow import channels
from workflow.clock import SHANGHAI, FixedClock
from workflow.access import actor_from_user
from workflow.context import Gongkai
from workflow.checklist import ALL_CLEAR
from workflow.demo.users import demo_users
from workflow.report.model import Period
from workflow.report.stats import period_bounds
from workflow.services import items as svc
from workflow.setup import sync_departments

REFERENCE_YEAR = "2022-2023"
REFERENCE_TOTAL = 732
REFERENCE_NETWORK = 451

# Relative publication volume per month, September first (term starts, winter break, 招生季).
MONTH_WEIGHTS = (1.35, 1.0, 1.1, 1.15, 1.05, 0.45, 1.0, 1.0, 1.1, 1.25, 0.9, 0.65)
RHYTHM_WEIGHTS = {"及时": 4.0, "招生季": 3.0, "每学年": 1.2, "每年": 1.0, "每年10月": 0.8}
NETWORK_SETS = ((("website",), 48), (("website", "wechat"), 34), (("wechat",), 9),
                (("website", "wechat", "weibo"), 6), (("website", "app"), 3))
OFFLINE_SETS = ((("bulletin_board",), 38), (("meeting",), 30), (("led_screen",), 14), (("print",), 12),
                (("bulletin_board", "meeting"), 6))
NOT_APPLICABLE_CATEGORIES = ("xwxk",)  # 学位学科: a vocational college awards no degrees
RETURN_SHARE = 0.02
ARCHIVE_SHARE = 0.06
LATE_SHARE = 0.03


@dataclass
class PlannedItem:
    """One item of the year and the moments of its steps."""

    department: str
    catalog_code: str
    title: str
    channels: list[str]
    formed_on: date
    created_at: datetime
    submitted_at: datetime
    returned_at: datetime | None
    reviewed_at: datetime
    published_at: datetime
    archived_at: datetime | None
    item_id: int | None = None


def _allocate(total: int, weights: tuple[float, ...]) -> list[int]:
    """Split ``total`` by ``weights`` (largest remainder), exact sum."""
    raw = [total * w / sum(weights) for w in weights]
    counts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[:total - sum(counts)]:
        counts[i] += 1
    return counts


def _month_days(period: Period, index: int, calendar: Any) -> list[date]:
    first = date(period.start.year + (period.start.month - 1 + index) // 12, (period.start.month - 1 + index) % 12 + 1, 1)
    days, d = [], first
    while d.month == first.month and d <= period.end:
        if d >= period.start and calendar.is_workday(d):
            days.append(d)
        d += timedelta(days=1)
    return days


def _at(d: date, minutes: int) -> datetime:
    return datetime.combine(d, time(8, 30), SHANGHAI) + timedelta(minutes=minutes)


def plan_year(entries: list[tuple[str, str, str, str, str]], department_names: dict[str, str], period: Period,
              total: int, network: int, calendar: Any, seed: int = 20222023) -> list[PlannedItem]:
    """The items of a year: ``entries`` are (code, title, category, department, rhythm) of the 清单.

    Exactly ``total`` items are published inside ``period``, ``network`` of them through at
    least one network channel; each applicable entry is used at least once when there are
    enough items.
    """
    if not 0 <= network <= total:
        raise ValueError("network must be between 0 and total")
    rng = random.Random(seed)
    usable = [e for e in entries if e[2] not in NOT_APPLICABLE_CATEGORIES] or list(entries)
    picks = [e for e in usable] if total >= len(usable) else []
    weights = [RHYTHM_WEIGHTS.get(e[4], 1.0) for e in usable]
    picks += rng.choices(usable, weights=weights, k=total - len(picks))
    rng.shuffle(picks)
    is_network = [True] * network + [False] * (total - network)
    rng.shuffle(is_network)
    months = len(MONTH_WEIGHTS) if period.is_academic_year else 1
    plans: list[PlannedItem] = []
    slot = 0
    for month, count in enumerate(_allocate(total, MONTH_WEIGHTS[:months])):
        days = _month_days(period, month, calendar)
        for _ in range(count):
            code, title, _category, dept, _rhythm = picks[slot]
            sets = NETWORK_SETS if is_network[slot] else OFFLINE_SETS
            channels = list(rng.choices([s for s, _ in sets], weights=[w for _, w in sets])[0])
            slot += 1
            publish_day = rng.choice(days)
            review_day = calendar.previous_workday(publish_day)
            submit_day = calendar.previous_workday(review_day) if rng.random() < 0.5 else review_day
            late = rng.random() < LATE_SHARE
            formed_on = submit_day - timedelta(days=rng.randint(32, 45) if late else rng.randint(0, 6))
            returned = rng.random() < RETURN_SHARE
            submitted_at = _at(submit_day, rng.randint(0, 120))
            reviewed_at = _at(review_day, rng.randint(240, 300))
            if returned and reviewed_at - submitted_at < timedelta(hours=2):
                reviewed_at = submitted_at + timedelta(hours=2)
            published_at = _at(publish_day, rng.randint(330, 480))
            archived = rng.random() < ARCHIVE_SHARE
            plans.append(PlannedItem(
                department=dept, catalog_code=code,
                title=f"{department_names.get(dept, dept)}：{title}（{publish_day.year}年{publish_day.month}月）",
                channels=channels, formed_on=formed_on, created_at=submitted_at - timedelta(minutes=20),
                submitted_at=submitted_at,
                returned_at=submitted_at + timedelta(minutes=50) if returned else None,
                reviewed_at=reviewed_at, published_at=published_at,
                archived_at=published_at + timedelta(days=7) if archived else None))
    return plans


def _steps(plans: list[PlannedItem]) -> list[tuple[datetime, int, str, int]]:
    """Every step of every item, in time order (the clock only moves forward)."""
    steps = []
    for i, p in enumerate(plans):
        steps += [(p.created_at, 0, "create", i), (p.submitted_at, 1, "submit", i)]
        if p.returned_at is not None:
            steps += [(p.returned_at, 2, "return", i), (p.returned_at + timedelta(minutes=30), 3, "submit", i)]
        steps += [(p.reviewed_at, 4, "pass_review", i), (p.published_at, 5, "approve", i)]
        if p.archived_at is not None:
            steps.append((p.archived_at, 6, "archive", i))
    steps.sort(key=lambda s: (s[0], s[3], s[1]))
    return steps


def _already_loaded(app: Gongkai, period: Period) -> bool:
    start, end = period_bounds(period)
    with app.db.read() as session:
        return (session.scalar(select(func.count(Item.id)).where(Item.published_at >= start,
                                                                  Item.published_at < end)) or 0) > 0


def load_history(app: Gongkai, echo: Callable[[str], None] = print, *, year: str = REFERENCE_YEAR,
                 total: int = REFERENCE_TOTAL, network: int = REFERENCE_NETWORK, seed: int = 20222023,
                 progress: bool | None = None, departments: list[str] | None = None) -> str:
    """Create the demo year (default: the reference 2022-2023, 732 items, 451 via network).

    Needs the catalogue and departments (``gongkai init``); creates the demo users it needs.
    Does nothing when items were already published in that year. Returns a summary suffix
    for ``gongkai demo``. ``progress=None`` shows a tqdm bar on a terminal only;
    ``departments`` limits the year to those department codes (a small year for tests).
    """
    from tqdm import tqdm

    period = Period.academic_year(year, str(app.settings.get("institution.academic_year_start", "09-01")))
    if _already_loaded(app, period):
        return ""
    sync_departments(app)
    wanted = set(departments) if departments is not None else None
    with app.db.read() as session:
        departments = {d.code: d for d in session.scalars(select(Department).where(Department.active.is_(True)))
                       if wanted is None or d.code in wanted}
        entries = [(e.code, e.title, e.category_code, e.department_code, e.rhythm)
                   for e in session.scalars(select(CatalogEntry).where(CatalogEntry.active.is_(True))
                                            .order_by(CatalogEntry.position))
                   if e.department_code in departments]
    demo_users(app, list(departments.values()))
    with app.db.read() as session:
        actors = {u.username: actor_from_user(u) for u in session.scalars(select(User))}
    clear = dict(ALL_CLEAR)
    clock = FixedClock(datetime.combine(period.start, time(8), SHANGHAI))
    at = dataclasses.replace(app, clock=clock)  # one instance: the calendar is built once
    plans = plan_year(entries, {c: d.name for c, d in departments.items()}, period, total, network,
                      at.calendar, seed)
    steps = _steps(plans)
    for when, _, kind, index in tqdm(steps, desc=f"history {period.label}", unit="step",
                                     disable=None if progress is None else not progress):
        plan = plans[index]
        clock.set(when)
        dept = plan.department
        if kind == "create":
            plan.item_id = svc.create_item(at, actors[f"{dept}-drafter"], {
                "title": plan.title, "department": dept, "catalog_code": plan.catalog_code,
                "body": f"{plan.title}。现予公开，特此通知。", "channels": plan.channels,
                "formed_on": plan.formed_on.isoformat()}).id
        elif kind == "submit":
            svc.submit(at, actors[f"{dept}-drafter"], plan.item_id)
        elif kind == "return":
            svc.return_item(at, actors[f"{dept}-reviewer"], plan.item_id, reason="请核对公开范围，删除不宜公开的内容后重新提交")
        elif kind == "pass_review":
            svc.pass_review(at, actors[f"{dept}-reviewer"], plan.item_id, checklist=clear)
        elif kind == "approve":
            svc.approve(at, actors[f"{dept}-approver"], plan.item_id)
        elif kind == "archive":
            svc.archive(at, actors["admin"], plan.item_id, reason="公示期满")
    network_count = sum(1 for p in plans if set(p.channels) & channels.NETWORK)
    echo(f"history {period.label}: {len(plans)} items published ({network_count} via network channels)")
    return f"; {period.label}: {len(plans)} items published, {network_count} via network"
