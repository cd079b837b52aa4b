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
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from sqlalchemy import Integer, String, Table, Text, and_, bindparam, case, cast, func, or_, select
from sqlalchemy.orm import Session

from db.insert_ignore import insert_ignore as cacheable_insert_ignore
from db.models import Item, Notification, User, UserRole, user_departments
from db.models.routes import DECIDER_KINDS
from db.types import UTCDateTime
from workflow import links
from workflow.access import ADMIN, APPROVER, DRAFTER, REVIEWER
from workflow.hooks import TransitionEvent
from workflow.i18n import _
from workflow.plain_dates import plain_day, plain_moment
from workflow.route_steps import ActiveStep

if TYPE_CHECKING:
    from workflow.context import Gongkai

STAGE_LABELS = {"draft": "起草", "secrecy_review": "保密审查", "approval": "审批"}
STAGE_ROLES = {"draft": DRAFTER, "secrecy_review": REVIEWER, "approval": APPROVER}
DEPARTMENT, USERS = DECIDER_KINDS[1:]  # a route step's deciders: a named department, named users


# Whether a user's inbox rows are to be mailed: an address and a preference other than "off".
# Defined once, in SQL: the recipient lookups select it, the inbox INSERT … SELECT writes it.
MAIL_STATUS = case((and_(User.email.is_not(None), User.email != "", User.notify_pref != "off"), "pending"),
                   else_="none")


@dataclass(frozen=True)
class Recipient:
    """A user to notify, with what e-mail needs to know."""

    id: int
    username: str
    email: str | None
    notify_pref: str
    mail_status: str  # MAIL_STATUS of this user: "pending" (to be mailed) or "none"


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
    route_step: int | None = None  # the active step of a stored route (workflow.route_steps)

    @classmethod
    def of(cls, item: Item) -> "ItemFacts":
        return cls(item.id, item.title or "", item.state, item.stage_entry or 0, item.department_id,
                   item.author_id, item.submitted_by_id, item.reviewed_by_id, item.stage_due, item.route_step)


@lru_cache(maxsize=None)
def _insert_ignore(table: Table, returning: tuple[str, ...] = ()) -> Any:
    statement = cacheable_insert_ignore(table)
    return statement.returning(*(table.c[name] for name in returning)) if returning else statement


def insert_ignore(_session: Session, table: Table, returning: tuple[str, ...] = ()) -> Any:
    """An INSERT that skips rows violating a unique key (PostgreSQL and SQLite), returning the columns
    named in ``returning`` of the rows it inserted (``db.insert_ignore``: cacheable, built once per table
    and ``returning``)."""
    return _insert_ignore(table, returning)


def _holding(head: bool, scoped: bool) -> list[Any]:
    """Active users holding the role ``:role`` (``head``: department heads), covering ``:department_id``
    when ``scoped`` (users of every department included)."""
    conditions = [User.active.is_(True),
                  User.is_department_head.is_(True) if head
                  else User.id.in_(select(UserRole.user_id).where(UserRole.role == bindparam("role")))]
    if scoped:
        conditions.append(or_(User.all_departments.is_(True), User.id.in_(
            select(user_departments.c.user_id).where(user_departments.c.department_id == bindparam("department_id")))))
    return conditions


_RECIPIENT_COLUMNS = (User.id, User.username, User.email, User.notify_pref, MAIL_STATUS)
# Built once (a new statement per call costs more than running it): by (head?, scoped?), and by id.
_HOLDING = {(head, scoped): select(*_RECIPIENT_COLUMNS).where(*_holding(head, scoped)).order_by(User.id)
            for head in (False, True) for scoped in (False, True)}
_BY_ID = (select(*_RECIPIENT_COLUMNS).where(User.id.in_(bindparam("ids", expanding=True)), User.active.is_(True))
          .order_by(User.id))


class Directory:
    """Looks up recipients by role and department; cached for one transaction or sweep."""

    def __init__(self, session: Session):
        self.session = session
        self._cache: dict[tuple[str, int | None], list[Recipient]] = {}

    def _query(self, key: tuple[str, int | None]) -> list[Recipient]:
        kind, department_id = key
        statement = _HOLDING[(kind == "head", department_id is not None)]
        rows = self.session.execute(statement, {"role": kind, "department_id": department_id})
        return [Recipient(*row) for row in rows]

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
        return [Recipient(*row) for row in self.session.execute(_BY_ID, {"ids": wanted})]

    def stage_candidates(self, item: ItemFacts, stage: str, step: ActiveStep | None = None) -> list[Recipient]:
        """Who may act on the item in ``stage``: never the submitter/author or this revision's reviewer.
        On a stored route (``step``: its active step), the people who still owe that step a vote."""
        if step is not None:
            return self.step_candidates(item, step)
        excluded = not_candidates(item, stage)
        return [p for p in self.get(STAGE_ROLES[stage], item.department_id) if p.id not in excluded]

    def step_candidates(self, item: ItemFacts, step: ActiveStep) -> list[Recipient]:
        """The people who may still vote on ``step`` (``guards.StepDecider``'s question, for everyone):
        its deciders now, but not the revision's author, submitter or contributors, nor anyone who voted
        on the revision already."""
        if step.kind == DEPARTMENT and step.department_id is not None:
            pool = self.get(step.role, step.department_id)
        elif step.kind == USERS:
            pool = [p for p in self.get(step.role, None) if p.id in step.user_ids]
        else:
            pool = self.get(step.role, item.department_id)
        excluded = {item.author_id, item.submitted_by_id, *step.voted_ids, *step.contributor_ids}
        return [p for p in pool if p.id not in excluded]


def not_candidates(item: ItemFacts, stage: str) -> set[int]:
    """Who may not act on the item in ``stage`` although holding its role (separation of duties): in
    review and approval its author and submitter, in approval also this revision's reviewer."""
    if stage == "draft":
        return set()
    excluded = {item.author_id, item.submitted_by_id}
    if stage == "approval":
        excluded.add(item.reviewed_by_id)
    return {user_id for user_id in excluded if user_id is not None}


def rung_recipients(directory: Directory, item: ItemFacts, stage: str, rung: str,
                    step: ActiveStep | None = None) -> list[Recipient]:
    """due_soon → candidates (on a stored route: who still owes the active ``step`` a vote); overdue →
    + department heads; very_overdue → + all admins."""
    people = list(directory.stage_candidates(item, stage, step))
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
             "mail_status": p.mail_status}
            for p in people]
    statement = insert_ignore(session, Notification.__table__, returning=("user_id",))
    created = {row[0] for row in session.execute(statement, rows)}
    return [p for p in people if p.id in created]


# The audiences of event notifications (notify_audience): the stage's candidates, given users, or
# given users and every admin.
CANDIDATES, PEOPLE, PEOPLE_AND_ADMINS = "candidates", "people", "people_and_admins"


def _audience(name: str) -> Any:
    if name == CANDIDATES:
        return and_(*_holding(head=False, scoped=True), User.id.not_in(bindparam("excluded", expanding=True)))
    people = User.id.in_(bindparam("ids", expanding=True))
    if name == PEOPLE_AND_ADMINS:
        people = or_(people, User.id.in_(select(UserRole.user_id).where(UserRole.role == bindparam("admin_role"))))
    return and_(User.active.is_(True), people)


@lru_cache(maxsize=None)
def _inbox_insert(audience: str) -> Any:
    """INSERT … SELECT of one inbox row per user of ``audience`` (unique key: no one twice), built once."""
    key = func.substr(bindparam("key", type_=String) + ":u" + cast(User.id, String), 1, 200)
    source = select(User.id, bindparam("kind", type_=String), bindparam("item_id", type_=Integer),
                    func.substr(bindparam("title", type_=String), 1, 300), bindparam("body", type_=Text),
                    bindparam("created_at", type_=UTCDateTime()), key, MAIL_STATUS
                    ).where(_audience(audience)).order_by(User.id)
    columns = ["user_id", "kind", "item_id", "title", "body", "created_at", "idempotency_key", "mail_status"]
    return cacheable_insert_ignore(Notification.__table__).from_select(columns, source)


def notify_audience(session: Session, audience: str, *, kind: str, key: str, title: str, body: str, now: datetime,
                    item_id: int, department_id: int | None = None, role: str | None = None,
                    excluded: Iterable[int] = (), ids: Iterable[int | None] = ()) -> None:
    """``notify`` in one statement: the recipients are selected by the INSERT itself.

    ``audience``: ``CANDIDATES`` (active holders of ``role`` covering ``department_id`` but ``excluded``),
    ``PEOPLE`` (active users of ``ids``) or ``PEOPLE_AND_ADMINS`` (those and every active admin).
    """
    session.execute(_inbox_insert(audience), {
        "kind": kind, "key": key, "title": title, "body": body, "created_at": now, "item_id": item_id,
        "role": role, "department_id": department_id, "excluded": sorted(excluded), "admin_role": ADMIN,
        "ids": sorted({i for i in ids if i is not None})})


def item_link(app: "Gongkai", item_id: int) -> str:
    """The item's page, for mails and inbox bodies."""
    return links.public_url(app.settings, f"/items/{item_id}")


def rung_message(app: "Gongkai", item: ItemFacts, stage: str, rung: str, late: int) -> tuple[str, str]:
    """Subject and body (Chinese msgids) of a deadline reminder."""
    params = {"title": item.title, "stage": _(STAGE_LABELS.get(stage, stage)), "due": plain_moment(item.stage_due),
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
    return links.public_url(app.settings, f"/applications/{application_id}")


def application_rung_message(app: "Gongkai", application: ApplicationFacts, rung: str, late: int) -> tuple[str, str]:
    """Subject and body (Chinese msgids) of an application's reply-deadline reminder."""
    params = {"no": application.tracking_no, "due": plain_day(application.due_on) if application.due_on else "-",
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


def step_opened_notice(app: "Gongkai", session: Session, item: Item, step: ActiveStep, now: datetime) -> None:
    """A step of a stored review route is active: its deciders who may still vote are told, once per
    step entry (key ``step:{item}:{stage entry}``)."""
    facts = ItemFacts.of(item)
    params = {"title": facts.title, "step": _(step.name), "link": item_link(app, facts.id),
              "due": plain_moment(facts.stage_due)}
    title = _("待您决定：《%(title)s》%(step)s", **params)
    body = _("事项《%(title)s》已进入“%(step)s”，请在 %(due)s 前完成。\n查看：%(link)s", **params)
    notify(session, Directory(session).step_candidates(facts, step), kind="step_active",
           key=f"step:{facts.id}:{facts.stage_entry}", title=title, body=body, now=now, item_id=facts.id)


def notify_on_event(app: "Gongkai", session: Session, event: TransitionEvent) -> None:
    """Submitted → reviewers in scope; returned/rejected/taken down → author and submitter (+ admins)."""
    message = _event_message(app, event)
    if message is None:
        return
    kind, title, body = message
    facts = ItemFacts.of(event.item)
    key = f"ev:{facts.id}:{facts.stage_entry}:{event.trigger}"
    if kind == "submitted" and facts.route_step is not None:
        return  # a stored route: its first step's deciders are told (step_opened_notice)
    if kind == "submitted":
        stage = "secrecy_review"
        notify_audience(session, CANDIDATES, kind=kind, key=key, title=title, body=body, now=event.at, item_id=facts.id,
                        role=STAGE_ROLES[stage], department_id=facts.department_id,
                        excluded=not_candidates(facts, stage))
    else:
        notify_audience(session, PEOPLE_AND_ADMINS if kind == "taken_down" else PEOPLE, kind=kind, key=key,
                        title=title, body=body, now=event.at, item_id=facts.id,
                        ids=[facts.author_id, facts.submitted_by_id])


def acted_for_notice(app: "Gongkai", session: Session, item: Item, action_label: str, delegator: Any, delegate: Any,
                     now: datetime) -> None:
    """委托: the delegator (甲) is told what their delegate (乙) did on their behalf — item, action, delegate —
    in the inbox and by mail per their own preference (one message per action: key ``acted:{item}:{at}``)."""
    people = Directory(session).users([delegator.id])
    if not people:
        return
    name = session.scalar(select(User.display_name).where(User.id == delegate.id)) or delegate.username
    params = {"title": item.title or "", "action": _(action_label), "delegate": name, "link": item_link(app, item.id)}
    title = _("%(delegate)s 代您办理：《%(title)s》%(action)s", **params)
    body = _("%(delegate)s 作为您的受托人，代您对事项《%(title)s》执行了“%(action)s”。\n查看：%(link)s", **params)
    notify(session, people, kind="acted_for", key=f"acted:{item.id}:{now.isoformat()}", title=title, body=body,
           now=now, item_id=item.id)
