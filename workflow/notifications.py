"""Inbox notifications: who is told what, written idempotently inside the caller's transaction.

Every notification row has a unique ``idempotency_key``; writing the same key twice is a no-op
on both databases (``INSERT … ON CONFLICT DO NOTHING``), so a sweep re-run after a crash, or
two sweeps racing, can never notify anyone twice. E-mail is derived from these rows later
(``workflow.mailer``); the inbox is the source of truth.

Importing this module registers the transition hooks (events and the reminder ledger).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from sqlalchemy import Table, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import Item, Notification, User, UserRole, user_departments
from workflow.access import ADMIN, APPROVER, DRAFTER, REVIEWER
from workflow.clock import SHANGHAI
from workflow.hooks import TransitionEvent
from workflow.i18n import _

if TYPE_CHECKING:
    from workflow.context import Gongkai

STAGE_LABELS = {"draft": "起草", "secrecy_review": "保密审查", "approval": "审批"}
STAGE_ROLES = {"draft": DRAFTER, "secrecy_review": REVIEWER, "approval": APPROVER}


@dataclass(frozen=True)
class Recipient:
    """A user to notify, with what e-mail needs to know."""

    id: int
    username: str
    email: str | None
    notify_pref: str


@dataclass(frozen=True)
class ItemFacts:
    """The columns of an item that recipients and messages depend on."""

    id: int
    title: str
    state: str
    stage_entry: int
    department_id: int
    author_id: int | None
    submitted_by_id: int | None
    reviewed_by_id: int | None
    stage_due: datetime | None

    @classmethod
    def of(cls, item: Item) -> "ItemFacts":
        return cls(item.id, item.title or "", item.state, item.stage_entry or 0, item.department_id,
                   item.author_id, item.submitted_by_id, item.reviewed_by_id, item.stage_due)


def insert_ignore(session: Session, table: Table) -> Any:
    """An INSERT that skips rows violating a unique key (PostgreSQL and SQLite)."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


class Directory:
    """Looks up recipients by role and department; cached for one transaction or sweep."""

    def __init__(self, session: Session):
        self.session = session
        self._cache: dict[tuple[str, int | None], list[Recipient]] = {}

    def _query(self, key: tuple[str, int | None]) -> list[Recipient]:
        kind, department_id = key
        query = select(User.id, User.username, User.email, User.notify_pref).where(User.active.is_(True))
        if kind == "head":
            query = query.where(User.is_department_head.is_(True))
        else:
            query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == kind)))
        if department_id is not None:
            query = query.where(or_(User.all_departments.is_(True), User.id.in_(
                select(user_departments.c.user_id).where(user_departments.c.department_id == department_id))))
        return [Recipient(*row) for row in self.session.execute(query.order_by(User.id))]

    def get(self, kind: str, department_id: int | None) -> list[Recipient]:
        """Active users holding role ``kind`` (or ``"head"``) covering the department (None: anywhere)."""
        key = (kind, department_id)
        if key not in self._cache:
            self._cache[key] = self._query(key)
        return self._cache[key]

    def users(self, ids: Iterable[int | None]) -> list[Recipient]:
        """Active users by id (missing ids are dropped)."""
        wanted = sorted({i for i in ids if i is not None})
        if not wanted:
            return []
        rows = self.session.execute(select(User.id, User.username, User.email, User.notify_pref)
                                    .where(User.id.in_(wanted), User.active.is_(True)).order_by(User.id))
        return [Recipient(*row) for row in rows]

    def stage_candidates(self, item: ItemFacts, stage: str) -> list[Recipient]:
        """Who may act on the item in ``stage``: never the submitter/author or this revision's reviewer."""
        people = self.get(STAGE_ROLES[stage], item.department_id)
        if stage == "draft":
            return people
        excluded = {item.author_id, item.submitted_by_id}
        if stage == "approval":
            excluded.add(item.reviewed_by_id)
        return [p for p in people if p.id not in excluded]


def rung_recipients(directory: Directory, item: ItemFacts, stage: str, rung: str) -> list[Recipient]:
    """due_soon → candidates; overdue → + department heads; very_overdue → + all admins."""
    people = list(directory.stage_candidates(item, stage))
    if rung in ("overdue", "very_overdue"):
        people += directory.get("head", item.department_id)
    if rung == "very_overdue":
        people += directory.get(ADMIN, None)
    return dedupe(people)


def dedupe(people: Iterable[Recipient]) -> list[Recipient]:
    """Each person once, in first-seen order."""
    seen: dict[int, Recipient] = {}
    for person in people:
        seen.setdefault(person.id, person)
    return list(seen.values())


def notify(session: Session, people: Sequence[Recipient], *, kind: str, key: str, title: str, body: str,
           now: datetime, item_id: int | None = None, application_id: int | None = None) -> list[Recipient]:
    """Write one inbox row per person (key ``{key}:u{user_id}``); returns those newly notified."""
    if not people:
        return []
    rows = [{"user_id": p.id, "kind": kind, "item_id": item_id, "application_id": application_id,
             "title": title[:300], "body": body,
             "created_at": now, "read_at": None, "idempotency_key": f"{key}:u{p.id}"[:200],
             "mail_status": "pending" if p.email and p.notify_pref != "off" else "none"}
            for p in people]
    statement = insert_ignore(session, Notification.__table__).returning(Notification.user_id)
    created = {row[0] for row in session.execute(statement, rows)}
    return [p for p in people if p.id in created]


def item_link(app: "Gongkai", item_id: int) -> str:
    """The item's page, for mails and inbox bodies."""
    base = str(app.settings.get("institution.base_url", "")).rstrip("/")
    return f"{base}/items/{item_id}"


def _local(at: datetime | None) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if at else "-"


def rung_message(app: "Gongkai", item: ItemFacts, stage: str, rung: str, late: int) -> tuple[str, str]:
    """Subject and body (Chinese msgids) of a deadline reminder."""
    params = {"title": item.title, "stage": _(STAGE_LABELS.get(stage, stage)), "due": _local(item.stage_due),
              "days": late, "link": item_link(app, item.id)}
    if rung == "due_soon":
        title = _("即将到期：《%(title)s》%(stage)s", **params)
        body = _("事项《%(title)s》的%(stage)s将于 %(due)s 到期，请及时处理。\n查看：%(link)s", **params)
    elif rung == "overdue":
        title = _("已超期：《%(title)s》%(stage)s", **params)
        body = _("事项《%(title)s》的%(stage)s已于 %(due)s 到期，现已超期，请尽快处理。\n查看：%(link)s", **params)
    else:
        title = _("严重超期：《%(title)s》%(stage)s已超期 %(days)s 个工作日", **params)
        body = _("事项《%(title)s》的%(stage)s截止时间为 %(due)s，已超期 %(days)s 个工作日，"
                 "已上报信息公开办公室。\n查看：%(link)s", **params)
    return title, body


# --------------------------------------------------------------------------- applications (依申请公开)

APPLICATION_HANDLERS = (DRAFTER, REVIEWER, APPROVER)


@dataclass(frozen=True)
class ApplicationFacts:
    """The columns of an application that reminder recipients and messages depend on."""

    id: int
    tracking_no: str
    state: str
    entry: int  # number of clock events: the application's current "stage entry"
    department_id: int | None
    due_on: date | None


def application_recipients(directory: Directory, application: ApplicationFacts, rung: str) -> list[Recipient]:
    """Who is reminded of an application's reply due date.

    due_soon → everyone who must act before the statutory date in the handling department:
    its drafters (who prepare the reply), reviewers and approvers (who pass it); with no
    handling department yet, the admins (信息公开办公室 must assign it). overdue → + department
    heads; very_overdue → + all admins (the same rule as items).
    """
    department_id = application.department_id
    if department_id is None:
        people = list(directory.get(ADMIN, None))
    else:
        people = [p for role in APPLICATION_HANDLERS for p in directory.get(role, department_id)]
    if rung in ("overdue", "very_overdue") and department_id is not None:
        people += directory.get("head", department_id)
    if rung == "very_overdue":
        people += directory.get(ADMIN, None)
    return dedupe(people)


def application_link(app: "Gongkai", application_id: int) -> str:
    """The application's staff page, for mails and inbox bodies."""
    base = str(app.settings.get("institution.base_url", "")).rstrip("/")
    return f"{base}/applications/{application_id}"


def application_rung_message(app: "Gongkai", application: ApplicationFacts, rung: str, late: int) -> tuple[str, str]:
    """Subject and body (Chinese msgids) of an application's reply-deadline reminder."""
    params = {"no": application.tracking_no, "due": application.due_on.isoformat() if application.due_on else "-",
              "days": late, "link": application_link(app, application.id)}
    if rung == "due_soon":
        title = _("即将到期：依申请公开 %(no)s 答复", **params)
        body = _("政府信息公开申请 %(no)s 的答复期限为 %(due)s，即将到期，请及时办理答复。\n查看：%(link)s", **params)
    elif rung == "overdue":
        title = _("已超期：依申请公开 %(no)s 答复", **params)
        body = _("政府信息公开申请 %(no)s 的答复期限 %(due)s 已届满，现已超期，请尽快答复。\n查看：%(link)s", **params)
    else:
        title = _("严重超期：依申请公开 %(no)s 答复已超期 %(days)s 个工作日", **params)
        body = _("政府信息公开申请 %(no)s 的答复期限为 %(due)s，已超期 %(days)s 个工作日，"
                 "已上报信息公开办公室。\n查看：%(link)s", **params)
    return title, body


# --------------------------------------------------------------------------- event notifications

def _event_message(app: "Gongkai", event: TransitionEvent) -> tuple[str, str, str] | None:
    item = event.item
    params = {"title": item.title or "", "reason": event.reason or "-", "link": item_link(app, item.id),
              "actor": event.actor.username}
    if event.trigger == "submit":
        return ("submitted", _("待保密审查：《%(title)s》", **params),
                _("事项《%(title)s》已提交保密审查，请在期限内完成审查。\n查看：%(link)s", **params))
    if event.trigger == "return":
        return ("returned", _("已退回：《%(title)s》", **params),
                _("事项《%(title)s》在保密审查中被退回。\n退回原因：%(reason)s\n查看：%(link)s", **params))
    if event.trigger == "reject":
        return ("rejected", _("审批未通过：《%(title)s》", **params),
                _("事项《%(title)s》审批未通过，已退回起草。\n原因：%(reason)s\n查看：%(link)s", **params))
    if event.trigger == "take_down":
        return ("taken_down", _("已撤下：《%(title)s》", **params),
                _("事项《%(title)s》已被 %(actor)s 撤下。\n原因：%(reason)s\n查看：%(link)s", **params))
    return None


def notify_on_event(app: "Gongkai", session: Session, event: TransitionEvent) -> None:
    """Submitted → reviewers in scope; returned/rejected/taken down → author and submitter (+ admins)."""
    message = _event_message(app, event)
    if message is None:
        return
    kind, title, body = message
    directory = Directory(session)
    facts = ItemFacts.of(event.item)
    if kind == "submitted":
        people = directory.stage_candidates(facts, "secrecy_review")
    else:
        people = directory.users([facts.author_id, facts.submitted_by_id])
        if kind == "taken_down":
            people = dedupe([*people, *directory.get(ADMIN, None)])
    key = f"ev:{facts.id}:{facts.stage_entry}:{event.trigger}"
    notify(session, people, kind=kind, key=key, title=title, body=body, now=event.at, item_id=facts.id)

