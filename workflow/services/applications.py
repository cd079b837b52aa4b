"""Verbs on requests for disclosure (依申请公开): one transaction each, over ``workflow.applications``.

Each verb opens one transaction and calls the inner functions of ``workflow.applications`` with its
session: intake (``intake``), the actions of the workflow (``transition`` over ``spec``: the clock's
actions, the reply, the fee), remedy cases (``remedies``), reads (``reads``) and statistics
(``figures``). A composite action — drafting the reply creates the reply item and links it — thus
commits whole or not at all. Every change appends an audit event with subject ``application:<id>``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import select

from db.models import Item
from db.models.items import REPLY
from db.models.applications import Application, RemedyCase
from workflow.access import ADMIN, SYSTEM, Actor, require_role
from workflow.applications import documents, figures, intake, progress, reads, remedies
from workflow.applications import transition as actions
from workflow.applications.context import ActionContext
from workflow.applications.due_date import setting
from workflow.applications.spec import ApplicationState
from workflow.applications import views
from workflow.applications.hooks import REPLY_ARCHIVE_REASON
from workflow.applications.views import public_status
from workflow.clock import local_date
from workflow.context import Gongkai
from workflow.errors import Conflict, NotFound
from workflow.report.model import Period
from workflow.services.items import create_item_in, write_transaction
from workflow.spec import Action

# ------------------------------------------------------------------ intake


def _count_attempt(app: Gongkai, kind: str, client: str, limit_setting: str, default: int) -> None:
    """Count a public-form request in its own transaction, so it sticks even when the request is refused."""
    now = app.now()
    with write_transaction(app) as session:
        intake.check_rate(session, kind, client, setting(app, limit_setting, default), now)


def submit_public(app: Gongkai, data: Mapping[str, Any], client: str,
                  identity: documents.Upload | None = None) -> Application:
    """An online application from the public form: received (confirmed) now, a tracking number issued.

    The receipt date is the day the system confirmed it by issuing the tracking number (条例 Art. 31:
    online applications are received on the day both sides confirm). Rate-limited per client address.
    ``identity`` is the applicant's identity document (条例 Art. 29: 身份证明), required unless the setting
    ``applications.identity_required`` is off; it is stored with the application or nothing is.
    """
    _count_attempt(app, "submit", client, "public_submits_per_hour", 5)
    fields = intake.parse_intake(data)
    document = documents.check(identity, app.settings)
    with write_transaction(app) as session:
        application = intake.create(session, app, fields, "online", app.now(), None)
        if document is not None:
            documents.store(session, application, document, app.now())
        return application


def register_application(app: Gongkai, actor: Actor, data: Mapping[str, Any]) -> Application:
    """Staff intake of an application received in person, by post, fax, e-mail or online.

    ``received_at`` is the statutory receipt: the moment of delivery in person, the moment the
    post was signed for, or the moment an e-mail/fax/online application was confirmed.
    """
    require_role(actor, ADMIN)
    fields, channel, received_at = intake.parse_registration(data, app.now())
    with write_transaction(app) as session:
        return intake.create(session, app, fields, channel, received_at, actor, data.get("department"))


def track(app: Gongkai, tracking_no: Any, contact: Any, client: str) -> dict[str, Any]:
    """The public status of an application, given its tracking number and the applicant's contact: its state,
    its steps with their dates and whether the reply letter can be downloaded."""
    _count_attempt(app, "track", client, "public_lookups_per_hour", 30)
    with app.db.read() as session:
        application = intake.find_by_tracking(session, tracking_no, contact)
        return public_status(application, progress.read_steps(session, application),
                             letter=_sent_letter(session, application) is not None)


def receipt(app: Gongkai, application: Application) -> dict[str, Any]:
    """The 回执 of an application just submitted: its public status (first step done, the others ahead)."""
    with app.db.read() as session:
        current = reads.by_id(session, application.id)
        return public_status(current, progress.read_steps(session, current))


def _sent_letter(session: Any, application: Application) -> Item | None:
    """The reply item of an answered application — approved, hence archived as ``application_reply`` — or None.

    A letter still in review (or sent back) is not the reply: the applicant sees it only once approved.
    """
    if application.state != ApplicationState.REPLIED.value or application.reply_item_id is None:
        return None
    return session.scalar(select(Item).where(Item.id == application.reply_item_id, Item.kind == REPLY,
                                             Item.archive_reason == REPLY_ARCHIVE_REASON))


def reply_letter(app: Gongkai, tracking_no: Any, contact: Any, client: str) -> tuple[str, str]:
    """The applicant's download of the reply letter: ``(filename, text)``, given the same tracking number and
    contact the status page asks for (and counted against the same lookup limit). NotFound — with the status
    page's message — for a wrong pair, and ``letter_not_sent`` while no reply was sent."""
    _count_attempt(app, "track", client, "public_lookups_per_hour", 30)
    with app.db.read() as session:
        application = intake.find_by_tracking(session, tracking_no, contact)
        item = _sent_letter(session, application)
        if item is None:
            raise NotFound("答复书尚未发出", code="letter_not_sent")
        return f"{item.title}.txt", item.body or ""


def identity_document(app: Gongkai, actor: Actor, application_id: int) -> Any:
    """The applicant's identity document with its bytes: the office (admins) only, 404 for everyone else."""
    with app.db.read() as session:
        return documents.load(session, actor, application_id)


def office_details(app: Gongkai, actor: Actor, application: Application) -> dict[str, Any]:
    """The postal address and identity document of an application for the office; ``{}`` for anyone else
    (the handling department does not see them)."""
    if not documents.may_read(actor):
        return {}
    with app.db.read() as session:
        return views.office_details(application, documents.metadata(session, application.id))


# ------------------------------------------------------------------ the workflow's actions

def _act(app: Gongkai, actor: Actor, application_id: int, action: Any, inputs: Mapping[str, Any]) -> ActionContext:
    with write_transaction(app) as session:
        return actions.run(session, app, actor, application_id, action, inputs, create_item=create_item_in)


def transition(app: Gongkai, actor: Actor, application_id: int, action: Any,
               payload: Mapping[str, Any] | None = None) -> Application:
    """Take one action of ``workflow.applications.spec`` (assign, clarify, supplement, excuse, abandon, consult,
    consulted, extend, reply, fee) with its inputs from ``payload``; one transaction."""
    return _act(app, actor, application_id, action, payload or {}).application


def assign(app: Gongkai, actor: Actor, application_id: int, department: Any) -> Application:
    """Give the application to a handling department (which drafts the reply)."""
    return transition(app, actor, application_id, "assign", {"department": department})


def request_clarification(app: Gongkai, actor: Actor, application_id: int, note: Any,
                          answer_by: Any = None) -> Application:
    """Ask the applicant once, within 7 working days of receipt, to supplement (补正); the clock stops."""
    return transition(app, actor, application_id, "clarify", {"note": note, "answer_by": answer_by})


def record_supplement(app: Gongkai, actor: Actor, application_id: int, received_at: Any = None,
                      request_text: Any = None) -> Application:
    """The supplemented application arrived: the clock restarts with a fresh period from its receipt."""
    return transition(app, actor, application_id, "supplement",
                      {"received_at": received_at, "request_text": request_text})


def abandon(app: Gongkai, actor: Actor | None, application_id: int) -> Application:
    """No supplement by the set date: the application is deemed withdrawn (视为放弃); ``actor`` None is
    the scheduler."""
    return transition(app, actor or SYSTEM, application_id, "abandon")


def start_consultation(app: Gongkai, actor: Actor, application_id: int, third_party: Any,
                       on: Any = None) -> Application:
    """Third-party consultation (征求第三方意见): the clock pauses from the day after ``on``."""
    return transition(app, actor, application_id, "consult", {"third_party": third_party, "on": on})


def end_consultation(app: Gongkai, actor: Actor, application_id: int, on: Any = None) -> Application:
    """The third party answered (or its time ran out): the clock runs again from the day after ``on``."""
    return transition(app, actor, application_id, "consulted", {"on": on})


def extend(app: Gongkai, actor: Actor, application_id: int, workdays: Any, reason: Any) -> Application:
    """Extend the reply period (office head only, once per period); the applicant is told."""
    return transition(app, actor, application_id, "extend", {"workdays": workdays, "reason": reason})


def prepare_reply(app: Gongkai, actor: Actor, application_id: int, outcome: Any, reason: Any = None,
                  supplied: Any = None) -> Item:
    """Draft the reply: an item of kind ``reply`` in the handling department holding the letter, linked
    to the application in the same transaction. Its approval sends the reply."""
    return _act(app, actor, application_id, "reply", {"outcome": outcome, "reason": reason,
                                                      "supplied": supplied}).result


def record_fee(app: Gongkai, actor: Actor, application_id: int, charged: Any = 0, waived: Any = 0,
               note: Any = None) -> Application:
    """Record the fee charged and/or waived for this application (normally none)."""
    return transition(app, actor, application_id, "fee", {"charged": charged, "waived": waived, "note": note})


def available_actions(app: Gongkai, actor: Actor, application: Application) -> list[Action]:
    """The actions ``actor`` may take on ``application`` now, each with its label and the inputs it needs."""
    return actions.permitted_actions(app, actor, application)


def abandon_expired(app: Gongkai, limit: int = 500) -> list[int]:
    """Scheduler sweep: close every application whose supplement deadline has passed (idempotent).

    One transaction per application, re-checked under the write lock, so several schedulers may
    run it at once: an application another one closed meanwhile is skipped (its 409 swallowed).
    """
    today = local_date(app.now())
    with app.db.read() as session:
        ids = session.scalars(select(Application.id).where(Application.state == ApplicationState.CLARIFYING,
                                                           Application.clarify_by < today)
                              .order_by(Application.id).limit(limit)).all()
    closed: list[int] = []
    for application_id in ids:
        try:
            with write_transaction(app) as session:
                application = session.get(Application, application_id)
                if (application is None or application.state != ApplicationState.CLARIFYING
                        or application.clarify_by is None or application.clarify_by >= today):
                    continue  # closed or supplemented meanwhile
                actions.apply(session, app, SYSTEM, application, "abandon")
            closed.append(application_id)
        except Conflict:  # a concurrent scheduler closed it first (stale version)
            continue
    return closed


# ------------------------------------------------------------------ remedies

def register_remedy(app: Gongkai, actor: Actor, data: Mapping[str, Any]) -> RemedyCase:
    """Record a 举报/投诉 (report), 行政复议 (reconsideration) or 行政诉讼 (lawsuit) case (admins)."""
    require_role(actor, ADMIN)
    with write_transaction(app) as session:
        return remedies.register(session, app, actor, data)


def decide_remedy(app: Gongkai, actor: Actor, case_id: int, outcome: Any, decided_on: Any = None) -> RemedyCase:
    """Record the outcome of a remedy case: 维持 / 纠正 / 其他 / 尚未审结 (admins)."""
    require_role(actor, ADMIN)
    with write_transaction(app) as session:
        return remedies.decide(session, app, actor, case_id, outcome, decided_on)


def list_remedies(app: Gongkai, actor: Actor) -> list[RemedyCase]:
    """Every remedy case, newest first (admins)."""
    require_role(actor, ADMIN)
    with app.db.read() as session:
        return remedies.all_cases(session)


# ------------------------------------------------------------------ reads

def get_application(app: Gongkai, actor: Actor, application_id: int) -> Application:
    """One application the actor may see."""
    with app.db.read() as session:
        return reads.load(session, actor, application_id)


def list_applications(app: Gongkai, actor: Actor, state: str | None = None, limit: int = 200) -> list[Application]:
    """Applications in scope, open ones by due date first; an unknown ``state`` is a 422."""
    with app.db.read() as session:
        return reads.in_scope(session, actor, state, limit)


def history(app: Gongkai, actor: Actor, application_id: int) -> list[dict[str, Any]]:
    """The application's audit events, oldest first (every pause and resume included)."""
    with app.db.read() as session:
        return reads.events(session, actor, application_id)


def overdue_applications(app: Gongkai, now: datetime | None = None) -> list[dict[str, Any]]:
    """Open applications past due, with working days late and the reminder rung reached (admin data)."""
    with app.db.read() as session:
        return reads.overdue(session, app, now or app.now())


# ------------------------------------------------------------------ statistics

def _academic_year(app: Gongkai, year: Any) -> Period:
    """``"2022-2023"`` as dates (``institution.academic_year_start``); BadInput otherwise."""
    return Period.academic_year(str(year or ""), str(app.settings.get("institution.academic_year_start", "09-01")))


def current_academic_year(app: Gongkai) -> str:
    """The academic year today falls in (``"2025-2026"`` from 1 September 2025, per ``institution.academic_year_start``):
    what the statistics page shows before anyone picks a year."""
    today = local_date(app.now())
    starts_this_year = _academic_year(app, f"{today.year}-{today.year + 1}").start
    first = today.year if today >= starts_this_year else today.year - 1
    return f"{first}-{first + 1}"


def stats_table(app: Gongkai, year: Any) -> dict[str, Any]:
    """The State Council table for an academic year (``"2022-2023"``), with its check rule."""
    period = _academic_year(app, year)
    return figures.stats_table(app, period.start, period.end)


def year_stats(app: Gongkai, year: Any) -> figures.YearFigures:
    """Typed figures of an academic year for the annual report (applications, fees, remedy cases)."""
    period = _academic_year(app, year)
    return figures.year_figures(app, period.start, period.end)
