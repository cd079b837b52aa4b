"""Reminders of referrals (转保密审定) and leak incidents (泄密事件): exactly once per (case, rung).

The ledger is ``case_reminders``: one row per (referral or incident, rung), unique, written in the
transaction that opens the case and cancelled in the one that closes it (answer recorded, report
filed). The sweep (``sweep_cases``, run by the scheduler's ``sweep`` job after the stage reminders)
claims due rows and writes their inbox rows in ONE transaction: ``UPDATE … SET state = 'sent' WHERE
state = 'pending'`` is the claim, so of two sweeps racing for a row exactly one changes it (PostgreSQL
re-checks the condition after the other's commit; SQLite writers queue under ``BEGIN IMMEDIATE``), and
whoever claims it writes the notification with it or, rolling back, leaves it pending for the next
sweep. Cases are few (a referral or a leak is rare), so there is no lease: nothing is held across
transactions.

Rungs: a referral's ``referral_due_soon`` (the start of the working day ``remind_workdays_before``
before the due day) and ``referral_overdue`` (right after the due day ends), to the referring reviewer
and every admin; an incident's ``incident_overdue`` (``report_hours`` after it was recorded, clock
hours), to every admin.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from db.models import Item
from db.models.referrals import CaseReminder, Incident, Referral
from workflow.access import ADMIN
from workflow.calendar.deadlines import end_of_day
from workflow.clock import SHANGHAI, local_date
from workflow.i18n import _
from workflow.plain_dates import plain_moment
from workflow.notifications import Directory, dedupe, insert_ignore, item_link, notify
from workflow.reminders import Notice

if TYPE_CHECKING:
    from workflow.context import Gongkai

REFERRAL_DUE_SOON, REFERRAL_OVERDUE, INCIDENT_OVERDUE = "referral_due_soon", "referral_overdue", "incident_overdue"
BATCH = 200
_table = CaseReminder.__table__


def referral_rung_times(calendar: Any, due: datetime, settings: Any) -> dict[str, datetime]:
    """When a referral's rungs fall due: N working days before the due day, and right after it."""
    before = int(settings.get("secrecy.referral.remind_workdays_before", 2))
    due_day = local_date(due)
    soon_day = calendar.add_workdays(due_day, -before) if before > 0 else due_day
    return {REFERRAL_DUE_SOON: datetime.combine(soon_day, time(0, 0), SHANGHAI),
            REFERRAL_OVERDUE: end_of_day(due_day) + timedelta(seconds=1)}


def schedule_referral(session: Session, referral_id: int, due: datetime, calendar: Any, settings: Any) -> None:
    """The rungs of a new referral (inside the transaction that opens it)."""
    rows = [{"referral_id": referral_id, "incident_id": None, "rung": rung, "due_at": at, "state": "pending"}
            for rung, at in referral_rung_times(calendar, due, settings).items()]
    session.connection().execute(insert_ignore(session, _table), rows)


def redate_referral(session: Session, referral_id: int, due: datetime, calendar: Any, settings: Any) -> None:
    """A calendar change moved the referral's due date: its unsent rungs move with it."""
    for rung, at in referral_rung_times(calendar, due, settings).items():
        session.execute(update(CaseReminder).where(CaseReminder.referral_id == referral_id, CaseReminder.rung == rung,
                                                   CaseReminder.state == "pending").values(due_at=at)
                        .execution_options(synchronize_session=False))


def schedule_incident(session: Session, incident_id: int, report_due: datetime) -> None:
    """The reminder of a new incident: its report is due at ``report_due``."""
    session.connection().execute(insert_ignore(session, _table), [{
        "referral_id": None, "incident_id": incident_id, "rung": INCIDENT_OVERDUE, "due_at": report_due,
        "state": "pending"}])


_CANCEL_REFERRAL = (update(_table).where(_table.c.referral_id == bindparam("case"), _table.c.state == "pending")
                    .values(state="cancelled"))
_CANCEL_INCIDENT = (update(_table).where(_table.c.incident_id == bindparam("case"), _table.c.state == "pending")
                    .values(state="cancelled"))


def cancel_referral(session: Session, referral_id: int) -> None:
    """The answer is recorded: nobody needs reminding any more."""
    session.connection().execute(_CANCEL_REFERRAL, {"case": referral_id})


def cancel_incident(session: Session, incident_id: int) -> None:
    """The report is filed: nobody needs reminding any more."""
    session.connection().execute(_CANCEL_INCIDENT, {"case": incident_id})


# --------------------------------------------------------------------------- the sweep

def sweep_cases(app: "Gongkai", now: datetime | None = None) -> list[Notice]:
    """Send every case reminder due at ``now`` exactly once; returns what was sent."""
    now = now or app.now()
    notices: list[Notice] = []
    while True:
        with app.db.write() as session:
            due = select(CaseReminder.id).where(CaseReminder.state == "pending", CaseReminder.due_at <= now) \
                .order_by(CaseReminder.due_at, CaseReminder.id).limit(BATCH)
            claimed = session.execute(update(CaseReminder).where(CaseReminder.id.in_(due.scalar_subquery()),
                                                                 CaseReminder.state == "pending")
                                      .values(state="sent", sent_at=now)
                                      .returning(CaseReminder.id, CaseReminder.referral_id, CaseReminder.incident_id,
                                                 CaseReminder.rung)
                                      .execution_options(synchronize_session=False)).all()
            if not claimed:
                return notices
            directory = Directory(session)
            for row in claimed:
                notice = _deliver(app, session, directory, row, now)
                if notice is not None:
                    notices.append(notice)


def _deliver(app: "Gongkai", session: Session, directory: Directory, row: Any, now: datetime) -> Notice | None:
    if row.referral_id is not None:
        case = session.execute(select(Referral.item_id, Referral.asked_by_id, Referral.answered_at, Referral.due_at,
                                      Referral.authority, Item.title).join(Item, Item.id == Referral.item_id)
                               .where(Referral.id == row.referral_id)).first()
        if case is None or case.answered_at is not None:
            return _closed(session, row.id)
        people = dedupe([*directory.users([case.asked_by_id]), *directory.get(ADMIN, None)])
        title, body = _referral_message(app, row.rung, case)
    else:
        case = session.execute(select(Incident.item_id, Incident.kind, Incident.reported_at, Incident.report_due,
                                      Item.title).join(Item, Item.id == Incident.item_id)
                               .where(Incident.id == row.incident_id)).first()
        if case is None or case.reported_at is not None:
            return _closed(session, row.id)
        people = directory.get(ADMIN, None)
        title, body = _incident_message(app, case)
    told = notify(session, people, kind=row.rung, key=f"case:{row.id}", title=title, body=body, now=now,
                  item_id=case.item_id)
    return Notice(row.rung, case.item_id, case.title or "", tuple(p.username for p in told)) if told else None


def _closed(session: Session, reminder_id: int) -> None:
    """The case was closed after the row was claimed in this very transaction: nothing to send."""
    session.execute(update(CaseReminder).where(CaseReminder.id == reminder_id).values(state="cancelled", sent_at=None)
                    .execution_options(synchronize_session=False))
    return None


def _referral_message(app: "Gongkai", rung: str, case: Any) -> tuple[str, str]:
    params = {"title": case.title or "", "authority": case.authority, "due": plain_moment(case.due_at),
              "link": item_link(app, case.item_id)}
    if rung == REFERRAL_DUE_SOON:
        return (_("保密审定即将到期：《%(title)s》", **params),
                _("事项《%(title)s》已转%(authority)s审定，审定期限为 %(due)s，尚未登记审定结果，请及时跟进。\n查看：%(link)s",
                  **params))
    return (_("保密审定已超期：《%(title)s》", **params),
            _("事项《%(title)s》转%(authority)s审定的期限 %(due)s 已届满，仍未登记审定结果，请催办并登记。\n查看：%(link)s",
              **params))


def _incident_message(app: "Gongkai", case: Any) -> tuple[str, str]:
    params = {"title": case.title or "", "due": plain_moment(case.report_due), "link": item_link(app, case.item_id)}
    return (_("泄密事件报告已超时：《%(title)s》", **params),
            _("事项《%(title)s》撤下时登记的泄密事件应于 %(due)s 前报告保密行政管理部门和上级主管部门，"
              "系统中尚无报告记录，请立即报告并登记。\n查看：%(link)s", **params))
