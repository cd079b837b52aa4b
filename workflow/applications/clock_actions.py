"""The statutory clock's actions on an application: assign, clarify, supplement, abandon, consult, consulted, extend.

Each action is declared in ``workflow.applications.spec``; this module holds its rules as guards
(may this actor take it here: ``*_allowed``), checks (are the parsed inputs acceptable) and its effect
(the clock event, the notice, the audit entry). All of them take an ``ActionContext`` and run inside
the caller's transaction; the new state is set by the spec's machine before the effect runs.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Department
from workflow.access import ADMIN, require_role
from workflow.applications import journal, outcomes, statutory_clock
from workflow.applications.context import ActionContext
from workflow.applications.due_date import add_clock_event, clock_state, event_day, setting
from workflow.clock import ensure_aware, local_date
from workflow.errors import Conflict, Forbidden, ValidationFailed


def department_by_code(session: Session, code: Any) -> Department:
    """An active department by code; ValidationFailed naming ``department`` otherwise."""
    department = session.scalar(select(Department).where(Department.code == str(code or "")))
    if department is None or not department.active:
        raise ValidationFailed("未知的部门：%(dept)s", code="unknown_department", field="department",
                               dept=str(code)[:40])
    return department


# ------------------------------------------------------------------ guards shared by several actions

def admin_only(change: ActionContext) -> None:
    """Management actions belong to the information-disclosure office (信息公开办公室)."""
    require_role(change.actor, ADMIN)


def office_head_only(change: ActionContext) -> None:
    """An extension needs the consent of the office head (条例 Art. 33)."""
    if not change.actor.is_office_head:
        raise Forbidden("延长答复期限须经信息公开工作机构负责人同意", code="office_head_required")


# ------------------------------------------------------------------ assign

def assign(change: ActionContext) -> None:
    """Give the application to a handling department (which drafts the reply)."""
    department = department_by_code(change.db, change.values["department"])
    change.application.department_id = department.id
    journal.record(change.db, change.app, change.audit_actor, change.application, "assign", change.from_state,
                   department=department.code)


# ------------------------------------------------------------------ clarification (补正)

def clarify_allowed(change: ActionContext) -> None:
    """Once per application, within N working days of receipt (条例 Art. 30)."""
    application = change.application
    if any(e.kind == "stop" for e in statutory_clock.parse_events(application.clock_events)):
        raise Conflict("补正通知只能发出一次", code="already_clarified")
    within = setting(change.app, "clarify_within_workdays", 7)
    last_day = statutory_clock.clarify_deadline(change.app.calendar, application.received_on, within)
    if local_date(change.app.now()) > last_day:
        raise Conflict("补正通知须在收到申请之日起 %(n)d 个工作日内（%(last)s 前）发出", code="clarify_too_late",
                       n=within, last=last_day.isoformat())


def clarify_deadline(change: ActionContext) -> None:
    """The applicant's deadline: ``answer_by`` or N working days from today, always after today."""
    today = local_date(change.app.now())
    deadline = change.values.get("answer_by") or change.app.calendar.add_workdays(
        today, setting(change.app, "clarify_answer_workdays", 15))
    if deadline <= today:
        raise ValidationFailed("补正期限必须晚于今天", code="invalid_value", field="answer_by")
    change.values["answer_by"] = deadline


def clarify(change: ActionContext) -> None:
    """Ask the applicant to supplement (补正): the clock stops until the supplement arrives."""
    application, deadline, note = change.application, change.values["answer_by"], change.values["note"]
    application.clarify_by = deadline
    add_clock_event(change.app, application, "stop", local_date(change.app.now()))
    journal.add_notice(change.app, application, "clarification",
                       f"您的申请内容不明确，请于{deadline.isoformat()}前补正：{note}。逾期未补正的，视为放弃申请。")
    journal.record(change.db, change.app, change.audit_actor, application, "clock_stop", change.from_state,
                   reason=note, answer_by=deadline.isoformat())


def supplement_day(change: ActionContext) -> None:
    """The supplement's receipt: not in the future, not before the last clock event, within the deadline."""
    application, now = change.application, change.app.now()
    received_at = change.values.get("received_at")
    at = ensure_aware(received_at) if received_at is not None else now
    if at > now:
        raise ValidationFailed("收到补正的时间不能晚于现在", code="invalid_value", field="received_at")
    day = event_day(change.app, application, local_date(at).isoformat(), "received_at")
    # 条例 Art. 30: a supplement after the deadline is accepted when the applicant had a 正当理由,
    # which is recorded; without one the application is deemed withdrawn (视为放弃).
    if application.clarify_by and day > application.clarify_by and not change.values.get("late_reason"):
        raise Conflict("补正期限已过（%(date)s）：申请人有正当理由的，请填写理由后接受补正；否则按视为放弃处理",
                       code="clarify_expired", date=application.clarify_by.isoformat())
    change.values["day"] = day


def supplement(change: ActionContext) -> None:
    """The supplemented application arrived: the clock restarts with a fresh period from its receipt."""
    application, day = change.application, change.values["day"]
    if change.values.get("request_text"):
        application.request_text = change.values["request_text"]
    application.clarify_by = None
    add_clock_event(change.app, application, "restart", day)
    late = {"late_reason": change.values["late_reason"]} if change.values.get("late_reason") else {}
    journal.record(change.db, change.app, change.audit_actor, application, "clock_restart", change.from_state,
                   supplemented_on=day.isoformat(),
                   due_on=application.due_on.isoformat() if application.due_on else None, **late)


def excuse(change: ActionContext) -> None:
    """The applicant gave a 正当理由 for needing longer (条例 Art. 30): a new supplement deadline, recorded
    with the reason, so the sweep does not close the application as 视为放弃."""
    application, deadline, reason = change.application, change.values["answer_by"], change.values["reason"]
    old = application.clarify_by
    application.clarify_by = deadline
    journal.add_notice(change.app, application, "clarification",
                       f"您说明了逾期补正的正当理由，补正期限延至{deadline.isoformat()}。")
    journal.record(change.db, change.app, change.audit_actor, application, "clarify_excused", change.from_state,
                   reason=reason, answer_by=deadline.isoformat(), previous_answer_by=old.isoformat() if old else None)


def abandon_allowed(change: ActionContext) -> None:
    """Only once the applicant's supplement deadline has passed."""
    clarify_by = change.application.clarify_by
    if clarify_by is None or local_date(change.app.now()) <= clarify_by:
        raise Conflict("补正期限（%(date)s）尚未届满", code="clarify_pending",
                       date=clarify_by.isoformat() if clarify_by else "")


def abandon(change: ActionContext) -> None:
    """No supplement by the set date: deemed withdrawn (视为放弃), closed as 其他处理 / 申请人无正当理由逾期不补正."""
    application, now = change.application, change.app.now()
    application.outcome, application.outcome_reason = outcomes.ABANDONED
    application.closed_at, application.closed_on = now, local_date(now)
    application.due_on = None
    journal.add_notice(change.app, application, "abandoned", "您未在规定期限内补正申请，视为放弃申请，本机关不再处理。")
    journal.record(change.db, change.app, change.audit_actor, application, "abandoned", change.from_state,
                   reason="视为放弃", outcome=application.outcome, outcome_reason=application.outcome_reason)


# ------------------------------------------------------------------ third-party consultation

def consult_day(change: ActionContext) -> None:
    """The consultation day: a valid clock day, and the reply period must not have run out."""
    day = event_day(change.app, change.application, change.values.get("on"))
    due = clock_state(change.app, change.application).due
    if due is not None and day > due:
        raise Conflict("答复期限已届满，不能再暂停计时", code="clock_expired")
    change.values["on"] = day


def consult(change: ActionContext) -> None:
    """Third-party consultation (征求第三方意见): the clock pauses from the day after ``on``."""
    application, day = change.application, change.values["on"]
    add_clock_event(change.app, application, "pause", day)
    answer_by = statutory_clock.consultation_deadline(change.app.calendar, day,
                                                      setting(change.app, "third_party_workdays", 15))
    journal.record(change.db, change.app, change.audit_actor, application, "clock_pause", change.from_state,
                   reason=change.values["third_party"], paused_on=day.isoformat(),
                   third_party_answer_by=answer_by.isoformat(), resume_state=change.from_state)


def resume_day(change: ActionContext) -> None:
    """The day the third party answered (or its time ran out): a valid clock day."""
    change.values["on"] = event_day(change.app, change.application, change.values.get("on"))


def consulted(change: ActionContext) -> None:
    """The third party answered: the clock runs again from the day after ``on``."""
    application, day = change.application, change.values["on"]
    add_clock_event(change.app, application, "resume", day)
    journal.record(change.db, change.app, change.audit_actor, application, "clock_resume", change.from_state,
                   resumed_on=day.isoformat(),
                   due_on=application.due_on.isoformat() if application.due_on else None)


def has_reply_draft(change: ActionContext) -> bool:
    """Whether a reply is already in review (a consultation then resumes to ``replying``)."""
    return change.application.reply_item_id is not None


# ------------------------------------------------------------------ extension

def extend_allowed(change: ActionContext) -> None:
    """One extension per period, before the period has run out."""
    state = clock_state(change.app, change.application)
    if state.extension_workdays:
        raise Conflict("本答复期限已延长过一次", code="already_extended")
    if state.due is not None and local_date(change.app.now()) > state.due:
        raise Conflict("答复期限已届满（%(date)s），不能再延长", code="clock_expired", date=state.due.isoformat())


def extension_length(change: ActionContext) -> None:
    """At most ``applications.extension_workdays`` (15) working days."""
    limit = setting(change.app, "extension_workdays", 15)
    if limit <= 0:  # the college's own rules allow no extension (the law for colleges sets none)
        raise Conflict("本单位的信息公开规定不允许延长答复期限", code="extension_disabled")
    if not 1 <= change.values["workdays"] <= limit:
        raise ValidationFailed("延长的期限为 1–%(max)d 个工作日", code="invalid_value", field="workdays", max=limit)


def extend(change: ActionContext) -> None:
    """Extend the reply period by N working days; the applicant is told (a notice)."""
    application, days = change.application, change.values["workdays"]
    old_due = application.due_on
    add_clock_event(change.app, application, "extend", local_date(change.app.now()), days)
    journal.add_notice(change.app, application, "extension",
                       f"因情况特殊，经信息公开工作机构负责人同意，答复期限延长{days}个工作日，"
                       f"延长后的答复期限为{application.due_on.isoformat() if application.due_on else '—'}。")
    journal.record(change.db, change.app, change.audit_actor, application, "clock_extend", change.from_state,
                   reason=change.values["reason"], workdays=days, old_due=old_due.isoformat() if old_due else None,
                   new_due=application.due_on.isoformat() if application.due_on else None)
