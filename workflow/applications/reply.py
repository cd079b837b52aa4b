"""The reply to an application (and its fee): drafting the reply item, closing on its approval, fees.

``reply`` drafts the reply letter as an item of kind ``reply`` in the handling department (with the
item verbs' inner function the verb hands down, ``ActionContext.create_item``) and links it to the
application in the same transaction: both commit, or neither does. The item then
goes through secrecy review and approval like any item; ``workflow.applications.hooks`` fires
``reply_sent`` when it passes approval.

A reply is 依申请公开: no public read ever returns it (``access.public_items_filter``), it never
counts in the yearly report's ``active`` figures nor in the 清单 coverage, and it carries no 清单
entry (``catalog_code`` is NULL; the database refuses one).
"""
from __future__ import annotations

from db.models.applications import Application
from db.models.items import REPLY
from workflow import audit
from workflow.access import DRAFTER, require_role
from workflow.applications import journal, letter, letter_settings, outcomes
from workflow.applications.context import ActionContext
from workflow.clock import local_date
from workflow.context import Gongkai
from workflow.errors import Conflict
from workflow.reminders import follow_application


def reply_letter(app: Gongkai, application: Application, outcome: str, reason: int | None, supplied: str = "") -> str:
    """The reply letter text for this application and outcome."""
    return letter.render(letter.LetterData(
        institution=str(app.settings.get("institution.name", "")), tracking_no=application.tracking_no,
        applicant_name=application.name, received_on=application.received_on, request_text=application.request_text,
        outcome=outcome, reason=reason, replied_on=local_date(app.now()),
        wording=letter_settings.wording(app.settings), supplied=supplied))


def reply_allowed(change: ActionContext) -> None:
    """A drafter of the handling department drafts the reply, once a department is assigned."""
    application = change.application
    if application.department_id is None:
        raise Conflict("请先指定承办部门", code="no_department")
    require_role(change.actor, DRAFTER, application.department_id)
    if application.reply_item_id is not None:
        raise Conflict("该申请已在答复中", code="already_replying")


def reply_outcome(change: ActionContext) -> None:
    """The outcome and, exactly when the outcome has them, its reason number (统计表 sub-row)."""
    change.values["outcome"], change.values["reason"] = outcomes.validate(change.values.get("outcome"),
                                                                          change.values.get("reason"))


def prepare_reply(change: ActionContext) -> None:
    """Draft the reply item (the letter and any information supplied) and link it to the application."""
    application, session = change.application, change.db
    if change.create_item is None:
        raise AssertionError("the reply needs the item verbs' create_item_in (see ActionContext)")
    code, number = change.values["outcome"], change.values["reason"]
    application.outcome, application.outcome_reason = code, number
    # Write the application row before the item: the item's audit event takes the chain lock, and every
    # application verb locks its row first, then the chain (one lock order, no deadlock).
    session.flush()
    body = reply_letter(change.app, application, code, number, change.values.get("supplied") or "")
    department = application.department
    assert department is not None  # reply_allowed
    item = change.create_item(session, change.app, change.actor, {
        "title": f"{letter_settings.wording(change.app.settings).title}（{application.tracking_no}）", "body": body, "department": department.code,
        "channels": ["other"], "formed_on": local_date(change.app.now()).isoformat()}, kind=REPLY)
    application.reply_item_id = item.id
    journal.record(session, change.app, change.audit_actor, application, "reply_drafted", change.from_state,
                   reply_item=item.id, outcome=code, outcome_reason=number)
    change.result = item


def reply_sent(change: ActionContext) -> None:
    """The reply item passed approval (inside the item's transition): the application is answered.

    Runs inside a hook of the item workflow, so the audit event is deferred to the end of that
    transaction (``audit.defer``) like the item's own.
    """
    application, session, at = change.application, change.db, change.at
    assert at is not None
    item = change.values["item"]
    application.replied_at = application.closed_at = at
    application.closed_on = local_date(at)
    application.due_on = None
    application.updated_at = at
    session.flush()
    follow_application(change.app, session, application)  # replied: its pending reminder rungs are cancelled
    audit.defer(session, at=at, actor=change.audit_actor, subject=f"application:{application.id}",
                action="reply_sent", from_state=change.from_state, to_state=application.state,
                revision_hash=item.content_hash,
                data={"reply_item": item.id, "outcome": application.outcome, "reason": application.outcome_reason})


def record_fee(change: ActionContext) -> None:
    """Record the fee charged and/or waived for this application (normally none)."""
    application, values = change.application, change.values
    application.fee_charged, application.fee_waived = values["charged"], values["waived"]
    application.fee_note, application.fee_recorded_on = values.get("note"), local_date(change.app.now())
    journal.record(change.db, change.app, change.audit_actor, application, "fee", change.from_state,
                   charged=str(values["charged"]), waived=str(values["waived"]))
