"""Verbs on requests for disclosure (依申请公开): intake, the statutory clock, replies, fees, remedies.

Each verb is one write transaction that also appends an audit event with subject
``application:<id>``. Management verbs need the admin role (信息公开办公室); an extension
also needs the office head (``Actor.is_office_head``). The reply goes through the item
workflow: ``prepare_reply`` creates an item of kind ``reply`` holding the reply letter in the
handling department, and ``workflow.applications.hooks`` closes the application when that
item passes approval.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.models import AuditEvent, Department, Item
from db.models.items import REPLY
from db.models.applications import (APPLICANT_KINDS, APPLICATION_CHANNELS, DELIVERY_FORMS, OPEN_APPLICATION_STATES,
                                    REMEDY_KINDS, REMEDY_OUTCOMES, Application, ApplicationAttempt,
                                    ApplicationNotice, RemedyCase)
from workflow import audit
from workflow.calendar import deadlines
from workflow.access import ADMIN, Actor, require_role
from workflow.applications import clock as app_clock
from workflow.applications import letter, outcomes, stats
from workflow.clock import ensure_aware, local_date
from workflow.context import Gongkai
from workflow.errors import (Conflict, DomainError, Forbidden, InvalidState, NotFound, ValidationFailed)
from workflow.i18n import gettext
from workflow.inputs import check_id, check_text, parse_date, parse_datetime
from workflow.reminders import follow_application
from workflow.services.items import write_transaction
from workflow.views import event_to_dict, iso

NAME_MAX, CONTACT_MAX, REQUEST_MAX, PURPOSE_MAX, NOTE_MAX = 200, 254, 5000, 2000, 5000
TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 \-()]{5,22}$")


class RateLimited(DomainError):
    """Too many public-form requests from one client within the hour."""

    status, code = 429, "too_many_requests"


# ------------------------------------------------------------------ settings and helpers

def _setting(app: Gongkai, key: str, default: int) -> int:
    value = app.settings.get(f"applications.{key}", default)
    return int(default if value is None else value)


def clock_state(app: Gongkai, application: Application, calendar: Any = None) -> app_clock.ClockState:
    """The application's clock replayed over ``calendar`` (default: the current one)."""
    return app_clock.compute(
        calendar or app.calendar, app_clock.parse_events(application.clock_events),
        reply_workdays=_setting(app, "reply_workdays", 15),
        third_party_cap=_setting(app, "third_party_workdays", 15),
        count_from_next_day=bool(app.settings.get("deadlines.count_from_next_day", True)))


def _add_event(app: Gongkai, application: Application, kind: str, on: date, workdays: int = 0) -> None:
    events = list(application.clock_events or [])
    events.append(app_clock.ClockEvent(kind, on, workdays).to_dict())
    application.clock_events = events  # reassign: JSON columns do not track in-place changes
    state = clock_state(app, application)
    application.due_on = state.due


def _last_event_day(application: Application) -> date | None:
    events = application.clock_events or []
    return date.fromisoformat(events[-1]["on"]) if events else None


def _event_day(app: Gongkai, application: Application, value: Any, field: str = "on") -> date:
    """The day of a clock event: today by default, never in the future nor before the last event."""
    today = local_date(app.now())
    day = parse_date(value, field) if value not in (None, "") else today
    if day > today:
        raise ValidationFailed("日期不能晚于今天", code="invalid_value", field=field)
    last = _last_event_day(application)
    if last is not None and day < last:
        raise ValidationFailed("日期不能早于上一计时事件（%(last)s）", code="invalid_value", field=field,
                               last=last.isoformat())
    return day


def _text(data: Mapping[str, Any], field: str, max_len: int, required: bool = True) -> str | None:
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed("请填写%(label)s", code="missing_field", field=field, label=gettext(_LABELS.get(field, field)))
        return None
    if not isinstance(value, str):
        raise ValidationFailed("%(label)s必须是文本", code="invalid_type", field=field, label=gettext(_LABELS.get(field, field)))
    value = value.strip()
    check_text(value, field, single_line=field not in _MULTILINE)
    if len(value) > max_len:
        raise ValidationFailed("%(label)s过长（最多 %(max)d 个字符）", code="too_long", field=field,
                               label=gettext(_LABELS.get(field, field)), max=max_len)
    return value


# Free text that keeps its line breaks; names, contacts and the like are single lines.
_MULTILINE = frozenset({"request_text", "purpose", "note", "summary", "reason", "supplied", "third_party"})
_LABELS = {"name": "申请人姓名或名称", "contact": "联系方式", "request_text": "所需信息的内容描述", "purpose": "用途",
           "applicant_kind": "申请人类型", "delivery_form": "获取信息的方式", "channel": "申请渠道",
           "received_at": "收到申请的时间", "note": "说明", "summary": "案由"}


def _choice(data: Mapping[str, Any], field: str, allowed: tuple[str, ...], default: str | None = None) -> str:
    value = data.get(field)
    if value in (None, ""):  # absent or an empty form field: the default (never a falsy 0/false/[])
        value = default
    if value not in allowed:
        raise ValidationFailed("请选择有效的%(label)s", code="invalid_value", field=field,
                               label=gettext(_LABELS.get(field, field)))
    return str(value)


def normalize_contact(contact: str) -> str:
    """The contact detail as compared in status lookups: e-mail lower-case, phone digits only."""
    contact = contact.strip()
    if "@" in contact:
        return contact.lower()
    return re.sub(r"[^0-9+]", "", contact)


def _contact(data: Mapping[str, Any]) -> str:
    contact = _text(data, "contact", CONTACT_MAX)
    assert contact is not None
    if not (_EMAIL.match(contact) or _PHONE.match(contact)):
        raise ValidationFailed("联系方式应为电话号码或电子邮件地址", code="invalid_value", field="contact")
    return contact


def new_tracking_no(now: datetime) -> str:
    """``YYYY`` + 12 random characters (60 bits): unguessable, readable."""
    return f"{local_date(now).year}" + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(12))


def _client_hash(client: str) -> str:
    return hashlib.sha256(f"gongkai-apply:{client}".encode("utf-8")).hexdigest()


def _check_rate(session: Session, kind: str, client: str, limit: int, now: datetime) -> None:
    """At most ``limit`` requests of ``kind`` per client address per hour (a database ledger, so
    every web worker shares it). Only a hash of the address is stored, and only for an hour."""
    client_hash = _client_hash(client or "unknown")
    since = now - timedelta(hours=1)
    session.execute(delete(ApplicationAttempt).where(ApplicationAttempt.kind == kind,
                                                     ApplicationAttempt.client_hash == client_hash,
                                                     ApplicationAttempt.at < since))
    used = session.scalar(select(func.count(ApplicationAttempt.id)).where(
        ApplicationAttempt.kind == kind, ApplicationAttempt.client_hash == client_hash,
        ApplicationAttempt.at >= since)) or 0
    if used >= limit:
        raise RateLimited("提交过于频繁，请一小时后再试", details={"limit_per_hour": limit})
    session.add(ApplicationAttempt(kind=kind, client_hash=client_hash, at=now))


def _record_attempt(app: Gongkai, kind: str, client: str, limit: int) -> None:
    """Count the attempt in its own transaction, so it sticks even when the request is refused."""
    now = app.now()
    with write_transaction(app) as session:
        _check_rate(session, kind, client, limit, now)


def _append(session: Session, app: Gongkai, actor: Actor | None, application: Application, action: str,
            from_state: str | None, reason: str | None = None, **data: Any) -> None:
    # Reload (department, notices) so the returned object is complete once detached.
    session.flush()
    session.refresh(application)
    # Same transaction as the change: schedule, re-date or cancel the reminder rungs (issue #6).
    follow_application(app, session, application)
    audit.append(session, at=app.now(), actor=actor, subject=f"application:{application.id}", action=action,
                 from_state=from_state, to_state=application.state, reason=reason,
                 data={k: v for k, v in data.items() if v is not None})


def _load(session: Session, actor: Actor, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None or not can_view(actor, application):
        raise NotFound("申请不存在或您无权查看", code="application_not_found")
    return application


def can_view(actor: Actor, application: Application) -> bool:
    """Admins see every application; a department sees those assigned to it."""
    return actor.is_admin or (application.department_id is not None and actor.covers(application.department_id))


def _require_state(application: Application, *states: str) -> None:
    if application.state not in states:
        raise InvalidState("该申请当前状态（%(state)s）不允许此操作", state=application.state,
                           details={"state": application.state})


def _department(session: Session, code: Any) -> Department:
    department = session.scalar(select(Department).where(Department.code == str(code or "")))
    if department is None or not department.active:
        raise ValidationFailed("未知的部门：%(dept)s", code="unknown_department", field="department",
                               dept=str(code)[:40])
    return department


# ------------------------------------------------------------------ intake

@dataclass(frozen=True)
class Intake:
    """Validated intake fields."""

    applicant_kind: str
    name: str
    contact: str
    request_text: str
    purpose: str | None
    delivery_form: str


def parse_intake(data: Mapping[str, Any]) -> Intake:
    """Validate the applicant's fields; each problem names its field."""
    if not isinstance(data, Mapping):
        raise ValidationFailed("请求内容无效", code="invalid_value")
    kind = _choice(data, "applicant_kind", APPLICANT_KINDS, "natural")
    name = _text(data, "name", NAME_MAX)
    contact = _contact(data)
    request_text = _text(data, "request_text", REQUEST_MAX)
    purpose = _text(data, "purpose", PURPOSE_MAX, required=False)
    delivery = _choice(data, "delivery_form", DELIVERY_FORMS, "email")
    return Intake(kind, name or "", contact, request_text or "", purpose, delivery)


def _create(app: Gongkai, session: Session, intake: Intake, channel: str, received_at: datetime,
            actor: Actor | None, department_id: int | None = None) -> Application:
    now = app.now()
    received_on = local_date(received_at)
    application = Application(
        tracking_no=new_tracking_no(received_at), applicant_kind=intake.applicant_kind, name=intake.name,
        contact=intake.contact, contact_key=normalize_contact(intake.contact), request_text=intake.request_text,
        purpose=intake.purpose, delivery_form=intake.delivery_form, channel=channel, received_at=received_at,
        received_on=received_on, department_id=department_id, state="received", clock_events=[],
        created_by_id=actor.id if actor else None, created_at=now, updated_at=now,
        fee_charged=Decimal("0"), fee_waived=Decimal("0"))
    _add_event(app, application, "start", received_on)
    session.add(application)
    session.flush()
    _append(session, app, actor, application, "application_received", None, channel=channel,
            received_on=received_on.isoformat(), due_on=application.due_on.isoformat() if application.due_on else None)
    return application


def submit_public(app: Gongkai, data: Mapping[str, Any], client: str) -> Application:
    """An online application from the public form: received (confirmed) now, a tracking number issued.

    The receipt date is the day the system confirmed it by issuing the tracking number (条例 Art. 31:
    online applications are received on the day both sides confirm).
    """
    _record_attempt(app, "submit", client, _setting(app, "public_submits_per_hour", 5))
    intake = parse_intake(data)
    with write_transaction(app) as session:
        return _create(app, session, intake, "online", app.now(), None)


def register_application(app: Gongkai, actor: Actor, data: Mapping[str, Any]) -> Application:
    """Staff intake of an application received in person, by post, fax, e-mail or online.

    ``received_at`` is the statutory receipt: the moment of delivery in person, the moment the
    post was signed for, or the moment an e-mail/fax/online application was confirmed.
    """
    require_role(actor, ADMIN)
    intake = parse_intake(data)
    channel = _choice(data, "channel", APPLICATION_CHANNELS)
    received_at = parse_datetime(data.get("received_at"), "received_at") if data.get("received_at") else None
    if received_at is None:
        raise ValidationFailed("请填写%(label)s", code="missing_field", field="received_at",
                               label=gettext(_LABELS["received_at"]))
    received_at = ensure_aware(received_at)
    if received_at > app.now():
        raise ValidationFailed("收到申请的时间不能晚于现在", code="invalid_value", field="received_at")
    with write_transaction(app) as session:
        department_id = (_department(session, data["department"]).id
                         if data.get("department") not in (None, "") else None)
        return _create(app, session, intake, channel, received_at, actor, department_id)


def track(app: Gongkai, tracking_no: Any, contact: Any, client: str) -> dict[str, Any]:
    """The public status of an application, given its tracking number and the applicant's contact.

    A wrong pair is a NotFound that does not say which half was wrong.
    """
    _record_attempt(app, "track", client, _setting(app, "public_lookups_per_hour", 30))
    number = str(tracking_no or "").strip().upper()[:32]
    key = normalize_contact(str(contact or "")[:CONTACT_MAX])
    not_found = NotFound("未找到与该查询号和联系方式匹配的申请，请核对后重试", code="application_not_found")
    if not number or not key:
        raise not_found
    with app.db.read() as session:
        application = session.scalar(select(Application).where(Application.tracking_no == number))
        if application is None or not secrets.compare_digest(application.contact_key.encode(), key.encode()):
            raise not_found
        return public_status(app, application)


STATE_LABELS = {"received": "办理中", "consulting": "办理中（征求第三方意见）", "clarifying": "待申请人补正",
                "replying": "答复审核中", "replied": "已答复", "abandoned": "已终止（视为放弃）"}


def public_status(app: Gongkai, application: Application) -> dict[str, Any]:
    """What the applicant may see: no internal notes, no staff names."""
    return {"tracking_no": application.tracking_no, "state": application.state,
            "state_label": STATE_LABELS[application.state], "received_on": application.received_on.isoformat(),
            "due_on": application.due_on.isoformat() if application.due_on else None,
            "clarify_by": application.clarify_by.isoformat() if application.clarify_by else None,
            "replied_on": local_date(application.replied_at).isoformat() if application.replied_at else None,
            "notices": [{"kind": n.kind, "at": iso(n.at), "body": n.body} for n in application.notices]}


# ------------------------------------------------------------------ the clock

def assign(app: Gongkai, actor: Actor, application_id: int, department: Any) -> Application:
    """Give the application to a handling department (which drafts the reply)."""
    require_role(actor, ADMIN)
    with write_transaction(app) as session:
        application = _load(session, actor, application_id)
        _require_state(application, *OPEN_APPLICATION_STATES)
        application.department_id = _department(session, department).id
        application.updated_at = app.now()
        _append(session, app, actor, application, "assign", application.state, department=str(department))
    return application


def _notice(app: Gongkai, application: Application, kind: str, body: str) -> None:
    application.notices.append(ApplicationNotice(kind=kind, at=app.now(), body=body))


def request_clarification(app: Gongkai, actor: Actor, application_id: int, note: Any,
                          answer_by: Any = None) -> Application:
    """Ask the applicant once, within 7 working days of receipt, to supplement (补正); the clock stops."""
    require_role(actor, ADMIN)
    text = _text({"note": note}, "note", NOTE_MAX)
    with write_transaction(app) as session:
        application = _load(session, actor, application_id)
        _require_state(application, "received")
        events = app_clock.parse_events(application.clock_events)
        if any(e.kind == "stop" for e in events):
            raise Conflict("补正通知只能发出一次", code="already_clarified")
        today = local_date(app.now())
        last_day = app_clock.clarify_deadline(app.calendar, application.received_on,
                                              _setting(app, "clarify_within_workdays", 7))
        if today > last_day:
            raise Conflict("补正通知须在收到申请之日起 %(n)d 个工作日内（%(last)s 前）发出", code="clarify_too_late",
                           n=_setting(app, "clarify_within_workdays", 7), last=last_day.isoformat())
        deadline = parse_date(answer_by, "answer_by") or app.calendar.add_workdays(
            today, _setting(app, "clarify_answer_workdays", 15))
        if deadline <= today:
            raise ValidationFailed("补正期限必须晚于今天", code="invalid_value", field="answer_by")
        from_state = application.state
        application.state, application.clarify_by, application.updated_at = "clarifying", deadline, app.now()
        _add_event(app, application, "stop", today)
        _notice(app, application, "clarification",
                f"您的申请内容不明确，请于{deadline.isoformat()}前补正：{text}。逾期未补正的，视为放弃申请。")
        _append(session, app, actor, application, "clock_stop", from_state, reason=text,
                answer_by=deadline.isoformat())
    return application


def record_supplement(app: Gongkai, actor: Actor, application_id: int, received_at: Any = None,
                      request_text: Any = None) -> Application:
    """The supplemented application arrived: the clock restarts with a fresh period from its receipt."""
    require_role(actor, ADMIN)
    with write_transaction(app) as session:
        application = _load(session, actor, application_id)
        _require_state(application, "clarifying")
        parsed = parse_datetime(received_at, "received_at")
        at = ensure_aware(parsed) if parsed is not None else app.now()
        if at > app.now():
            raise ValidationFailed("收到补正的时间不能晚于现在", code="invalid_value", field="received_at")
        day = _event_day(app, application, local_date(at).isoformat(), "received_at")
        if application.clarify_by and day > application.clarify_by:
            raise Conflict("补正期限已过（%(date)s），应按视为放弃处理", code="clarify_expired",
                           date=application.clarify_by.isoformat())
        if request_text not in (None, ""):
            application.request_text = _text({"request_text": request_text}, "request_text", REQUEST_MAX) or ""
        application.state, application.clarify_by, application.updated_at = "received", None, app.now()
        _add_event(app, application, "restart", day)
        _append(session, app, actor, application, "clock_restart", "clarifying", supplemented_on=day.isoformat(),
                due_on=application.due_on.isoformat() if application.due_on else None)
    return application


def abandon(app: Gongkai, actor: Actor | None, application_id: int) -> Application:
    """No supplement by the set date: the application is deemed withdrawn (视为放弃) and closed as
    其他处理 / 申请人无正当理由逾期不补正."""
    if actor is not None:
        require_role(actor, ADMIN)
    from workflow.access import SYSTEM
    who = actor or SYSTEM
    now = app.now()
    with write_transaction(app) as session:
        application = _load(session, who, application_id)
        _require_state(application, "clarifying")
        if application.clarify_by is None or local_date(now) <= application.clarify_by:
            raise Conflict("补正期限（%(date)s）尚未届满", code="clarify_pending",
                           date=application.clarify_by.isoformat() if application.clarify_by else "")
        _close_abandoned(app, session, who if actor else None, application, now)
    return application


def _close_abandoned(app: Gongkai, session: Session, actor: Actor | None, application: Application,
                     now: datetime) -> None:
    application.state = "abandoned"
    application.outcome, application.outcome_reason = outcomes.ABANDONED
    application.closed_at, application.closed_on, application.updated_at = now, local_date(now), now
    application.due_on = None
    _notice(app, application, "abandoned", "您未在规定期限内补正申请，视为放弃申请，本机关不再处理。")
    _append(session, app, actor, application, "abandoned", "clarifying", reason="视为放弃",
            outcome=application.outcome, outcome_reason=application.outcome_reason)


def abandon_expired(app: Gongkai, limit: int = 500) -> list[int]:
    """Scheduler sweep: close every application whose supplement deadline has passed (idempotent).

    One transaction per application, re-checked under the write lock, so several schedulers may
    run it at once: an application another one closed meanwhile is skipped (its 409 swallowed).
    """
    now = app.now()
    today = local_date(now)
    with app.db.read() as session:
        ids = session.scalars(select(Application.id).where(Application.state == "clarifying",
                                                           Application.clarify_by < today)
                              .order_by(Application.id).limit(limit)).all()
    closed: list[int] = []
    for application_id in ids:
        try:
            with write_transaction(app) as session:
                application = session.get(Application, application_id)
                if (application is None or application.state != "clarifying" or application.clarify_by is None
                        or application.clarify_by >= today):
                    continue  # closed or supplemented meanwhile
                _close_abandoned(app, session, None, application, now)
            closed.append(application_id)
        except Conflict:  # a concurrent scheduler closed it first (stale version)
            continue
    return closed


def start_consultation(app: Gongkai, actor: Actor, application_id: int, third_party: Any,
                       on: Any = None) -> Application:
    """Third-party consultation (征求第三方意见): the clock pauses from the day after ``on``."""
    require_role(actor, ADMIN)
    party = _text({"note": third_party}, "note", NAME_MAX)
    with write_transaction(app) as session:
        application = _load(session, actor, application_id)
        _require_state(application, "received", "replying")
        day = _event_day(app, application, on)
        state = clock_state(app, application)
        if state.due is not None and day > state.due:
            raise Conflict("答复期限已届满，不能再暂停计时", code="clock_expired")
        from_state = application.state
        application.state, application.updated_at = "consulting", app.now()
        _add_event(app, application, "pause", day)
        answer_by = app_clock.consultation_deadline(app.calendar, day, _setting(app, "third_party_workdays", 15))
        _append(session, app, actor, application, "clock_pause", from_state, reason=party, paused_on=day.isoformat(),
                third_party_answer_by=answer_by.isoformat(), resume_state=from_state)
    return application


def end_consultation(app: Gongkai, actor: Actor, application_id: int, on: Any = None) -> Application:
    """The third party answered (or its time ran out): the clock runs again from the day after ``on``."""
    require_role(actor, ADMIN)
    with write_transaction(app) as session:
        application = _load(session, actor, application_id)
        _require_state(application, "consulting")
        day = _event_day(app, application, on)
        application.state = "replying" if application.reply_item_id else "received"
        application.updated_at = app.now()
        _add_event(app, application, "resume", day)
        _append(session, app, actor, application, "clock_resume", "consulting", resumed_on=day.isoformat(),
                due_on=application.due_on.isoformat() if application.due_on else None)
    return application


def extend(app: Gongkai, actor: Actor, application_id: int, workdays: Any, reason: Any) -> Application:
    """Extend the reply period by up to N working days; only the office head may approve it.

    The applicant is told (a notice is recorded). One extension per period.
    """
    require_role(actor, ADMIN)
    if not actor.is_office_head:
        raise Forbidden("延长答复期限须经信息公开工作机构负责人同意", code="office_head_required")
    limit = _setting(app, "extension_workdays", 15)
    try:
        days = int(workdays)
    except (TypeError, ValueError):
        raise ValidationFailed("延长的工作日数必须是整数", code="invalid_value", field="workdays") from None
    if isinstance(workdays, bool) or not 1 <= days <= limit:
        raise ValidationFailed("延长的期限为 1–%(max)d 个工作日", code="invalid_value", field="workdays", max=limit)
    text = _text({"note": reason}, "note", NOTE_MAX)
    with write_transaction(app) as session:
        application = _load(session, actor, application_id)
        _require_state(application, "received", "replying")
        state = clock_state(app, application)
        if state.extension_workdays:
            raise Conflict("本答复期限已延长过一次", code="already_extended")
        today = local_date(app.now())
        if state.due is not None and today > state.due:
            raise Conflict("答复期限已届满（%(date)s），不能再延长", code="clock_expired", date=state.due.isoformat())
        old_due = application.due_on
        _add_event(app, application, "extend", today, days)
        application.updated_at = app.now()
        _notice(app, application, "extension",
                f"因情况特殊，经信息公开工作机构负责人同意，答复期限延长{days}个工作日，"
                f"延长后的答复期限为{application.due_on.isoformat() if application.due_on else '—'}。")
        _append(session, app, actor, application, "clock_extend", application.state, reason=text, workdays=days,
                old_due=old_due.isoformat() if old_due else None,
                new_due=application.due_on.isoformat() if application.due_on else None)
    return application


# ------------------------------------------------------------------ reply

def reply_letter(app: Gongkai, application: Application, outcome: str, reason: int | None, supplied: str = "") -> str:
    """The reply letter text for this application and outcome."""
    return letter.render(letter.LetterData(
        institution=str(app.settings.get("institution.name", "")), tracking_no=application.tracking_no,
        applicant_name=application.name, received_on=application.received_on, request_text=application.request_text,
        outcome=outcome, reason=reason, replied_on=local_date(app.now()), supplied=supplied))


def prepare_reply(app: Gongkai, actor: Actor, application_id: int, outcome: Any, reason: Any = None,
                  supplied: Any = None) -> Item:
    """Draft the reply: an item of kind ``reply`` in the handling department holding the letter (and
    any information supplied). It then goes through secrecy review and approval like any item; its
    approval sends the reply. A drafter of the handling department prepares it.

    A reply is 依申请公开: no public read ever returns it (``access.public_items_filter``), it never
    counts in the yearly report's ``active`` figures nor in the 清单 coverage, and it carries no
    清单 entry (``catalog_code`` is NULL; the database refuses one).

    The item is created by ``items.create_item`` (its own transaction) and then linked; should the
    link lose a race, the extra draft stays in the department's drafts and the caller gets 409.
    """
    from workflow.services import items as item_service
    code, number = outcomes.validate(outcome, reason)
    supplied_text = _text({"note": supplied}, "note", 100000, required=False) or ""
    with app.db.read() as session:
        application = _load(session, actor, application_id)
        _require_state(application, "received")
        if application.department_id is None:
            raise Conflict("请先指定承办部门", code="no_department")
        department_code = application.department.code if application.department else ""
        body = reply_letter(app, application, code, number, supplied_text)
        tracking = application.tracking_no
    item = item_service.create_item(app, actor, {
        "title": f"政府信息公开申请答复书（{tracking}）", "body": body, "department": department_code,
        "channels": ["other"], "formed_on": local_date(app.now()).isoformat()}, kind=REPLY)
    with write_transaction(app) as session:
        application = _load(session, actor, application_id)
        if application.state != "received" or application.reply_item_id is not None:
            raise Conflict("该申请已在答复中", code="already_replying")
        application.reply_item_id, application.state = item.id, "replying"
        application.outcome, application.outcome_reason = code, number
        application.updated_at = app.now()
        _append(session, app, actor, application, "reply_drafted", "received", reply_item=item.id, outcome=code,
                outcome_reason=number)
    return item


def record_fee(app: Gongkai, actor: Actor, application_id: int, charged: Any = 0, waived: Any = 0,
               note: Any = None) -> Application:
    """Record the fee charged and/or waived for this application (normally none)."""
    require_role(actor, ADMIN)
    amounts = {}
    for field, value in (("charged", charged), ("waived", waived)):
        try:
            amount = Decimal(str(value if value not in (None, "") else 0))
        except (InvalidOperation, ValueError):
            raise ValidationFailed("金额格式无效", code="invalid_value", field=field) from None
        if not amount.is_finite() or amount < 0 or amount > Decimal("1000000"):
            raise ValidationFailed("金额须在 0 到 1000000 元之间", code="invalid_value", field=field)
        amounts[field] = amount.quantize(Decimal("0.01"))
    text = _text({"note": note}, "note", NOTE_MAX, required=False)
    with write_transaction(app) as session:
        application = _load(session, actor, application_id)
        application.fee_charged, application.fee_waived = amounts["charged"], amounts["waived"]
        application.fee_note, application.fee_recorded_on = text, local_date(app.now())
        application.updated_at = app.now()
        _append(session, app, actor, application, "fee", application.state, charged=str(amounts["charged"]),
                waived=str(amounts["waived"]))
    return application


# ------------------------------------------------------------------ remedies register

def register_remedy(app: Gongkai, actor: Actor, data: Mapping[str, Any]) -> RemedyCase:
    """Record a 举报/投诉 (report), 行政复议 (reconsideration) or 行政诉讼 (lawsuit) case."""
    require_role(actor, ADMIN)
    kind = _choice(data, "kind", REMEDY_KINDS)
    outcome = _choice(data, "outcome", REMEDY_OUTCOMES, "pending")
    filed_on = parse_date(data.get("filed_on"), "filed_on") or local_date(app.now())
    summary = _text(data, "summary", NOTE_MAX, required=False) or ""
    after = data.get("after_reconsideration")
    if after is not None and not isinstance(after, bool):  # "no" must not count as true
        raise ValidationFailed("%(field)s 必须是布尔值", code="invalid_type", field="after_reconsideration")
    now = app.now()
    with write_transaction(app) as session:
        application_id = data.get("application_id")
        # A positive 32-bit id or nothing: 2^31 used to reach PostgreSQL (integer out of range, a 500).
        application_id = check_id(application_id, "application_id") if application_id not in (None, "") else None
        if application_id is not None:
            _load(session, actor, application_id)
        case = RemedyCase(kind=kind, after_reconsideration=bool(after),
                          application_id=application_id,
                          filed_on=filed_on, summary=summary, outcome=outcome,
                          decided_on=filed_on if outcome != "pending" else None, created_at=now, updated_at=now)
        session.add(case)
        session.flush()
        audit.append(session, at=now, actor=actor, subject=f"remedy:{case.id}", action="remedy_filed",
                     to_state=outcome, data={"kind": kind, "application": case.application_id})
    return case


def decide_remedy(app: Gongkai, actor: Actor, case_id: int, outcome: Any, decided_on: Any = None) -> RemedyCase:
    """Record the outcome of a remedy case: 维持 / 纠正 / 其他 / 尚未审结."""
    require_role(actor, ADMIN)
    value = _choice({"outcome": outcome}, "outcome", REMEDY_OUTCOMES)
    day = parse_date(decided_on, "decided_on") or local_date(app.now())
    with write_transaction(app) as session:
        case = session.get(RemedyCase, case_id)
        if case is None:
            raise NotFound("案件不存在", code="remedy_not_found")
        old = case.outcome
        case.outcome, case.decided_on = value, (day if value != "pending" else None)
        case.updated_at = app.now()
        audit.append(session, at=app.now(), actor=actor, subject=f"remedy:{case.id}", action="remedy_decided",
                     from_state=old, to_state=value, data={"decided_on": day.isoformat()})
    return case


def list_remedies(app: Gongkai, actor: Actor) -> list[RemedyCase]:
    """Every remedy case, newest first (admins)."""
    require_role(actor, ADMIN)
    with app.db.read() as session:
        return list(session.scalars(select(RemedyCase).order_by(RemedyCase.filed_on.desc(), RemedyCase.id.desc())))


# ------------------------------------------------------------------ reads

def get_application(app: Gongkai, actor: Actor, application_id: int) -> Application:
    """One application the actor may see."""
    with app.db.read() as session:
        return _load(session, actor, application_id)


def list_applications(app: Gongkai, actor: Actor, state: str | None = None, limit: int = 200) -> list[Application]:
    """Applications in scope, open ones by due date first; an unknown ``state`` is a 422."""
    if state and state not in STATE_LABELS:
        raise ValidationFailed("未知的状态：%(state)s", code="invalid_value", field="state", state=str(state)[:40])
    with app.db.read() as session:
        query = select(Application)
        if not actor.is_admin:
            if actor.all_departments:
                query = query.where(Application.department_id.is_not(None))
            else:
                query = query.where(Application.department_id.in_(sorted(actor.department_ids) or [-1]))
        if state:
            query = query.where(Application.state == state)
        query = query.order_by(Application.due_on.asc().nulls_last(), Application.id.desc()).limit(limit)
        return list(session.scalars(query))


def history(app: Gongkai, actor: Actor, application_id: int) -> list[dict[str, Any]]:
    """The application's audit events, oldest first (every pause and resume included)."""
    with app.db.read() as session:
        _load(session, actor, application_id)
        events = session.scalars(select(AuditEvent).where(AuditEvent.subject == f"application:{application_id}")
                                 .order_by(AuditEvent.seq)).all()
        return [event_to_dict(event) for event in events]


def overdue_applications(app: Gongkai, now: datetime | None = None) -> list[dict[str, Any]]:
    """Open applications whose reply is past due, with working days late and the reminder rung reached
    (``overdue``/``very_overdue``, the same rule as items) — the admin overdue data."""
    now = now or app.now()
    today = local_date(now)
    with app.db.read() as session:
        rows = session.scalars(select(Application).where(Application.state.in_(("received", "replying")),
                                                         Application.due_on < today)
                               .order_by(Application.due_on)).all()
        return [{"id": a.id, "tracking_no": a.tracking_no, "state": a.state, "due_on": a.due_on.isoformat(),
                 "workdays_late": app_clock.workdays_late(app.calendar, a.due_on, today),
                 "department": a.department.code if a.department else None,
                 "department_name": a.department.name if a.department else None,
                 "applicant_kind": a.applicant_kind,
                 "rung": deadlines.current_rung(app.calendar, deadlines.end_of_day(a.due_on), now, app.settings)}
                for a in rows]


def application_to_dict(app: Gongkai, application: Application) -> dict[str, Any]:
    """The staff view of an application, with its clock explained."""
    state = clock_state(app, application)
    today = local_date(app.now())
    return {
        "id": application.id, "tracking_no": application.tracking_no, "state": application.state,
        "applicant_kind": application.applicant_kind, "name": application.name, "contact": application.contact,
        "request_text": application.request_text, "purpose": application.purpose,
        "delivery_form": application.delivery_form, "channel": application.channel,
        "received_at": iso(application.received_at), "received_on": application.received_on.isoformat(),
        "department": application.department.code if application.department else None,
        "due_on": application.due_on.isoformat() if application.due_on else None,
        "overdue": bool(application.due_on and application.state in ("received", "replying")
                        and today > application.due_on),
        "clarify_by": application.clarify_by.isoformat() if application.clarify_by else None,
        "clock": state.to_dict(),
        "outcome": application.outcome, "outcome_reason": application.outcome_reason,
        "outcome_label": outcomes.describe(application.outcome, application.outcome_reason),
        "reply_item": application.reply_item_id, "replied_at": iso(application.replied_at),
        "closed_at": iso(application.closed_at),
        "fee": {"charged": str(application.fee_charged), "waived": str(application.fee_waived),
                "note": application.fee_note},
        "notices": [{"kind": n.kind, "at": iso(n.at), "body": n.body} for n in application.notices],
        "version": application.version,
    }


def remedy_to_dict(case: RemedyCase) -> dict[str, Any]:
    """A remedy case as plain data."""
    return {"id": case.id, "kind": case.kind, "after_reconsideration": case.after_reconsideration,
            "application_id": case.application_id, "filed_on": case.filed_on.isoformat(), "summary": case.summary,
            "outcome": case.outcome, "decided_on": case.decided_on.isoformat() if case.decided_on else None}


# ------------------------------------------------------------------ statistics

def _period(app: Gongkai, year: Any) -> tuple[date, date]:
    from workflow.report.model import Period
    period = Period.academic_year(str(year or ""), str(app.settings.get("institution.academic_year_start", "09-01")))
    return period.start, period.end


def stats_table(app: Gongkai, year: Any) -> dict[str, Any]:
    """The State Council table for an academic year (``"2022-2023"``), with its check rule."""
    start, end = _period(app, year)
    with app.db.read() as session:
        rows = session.execute(select(Application.applicant_kind, Application.received_on, Application.closed_on,
                                      Application.outcome, Application.outcome_reason)
                               .where(Application.received_on <= end)
                               .where((Application.closed_on.is_(None)) | (Application.closed_on >= start))).all()
    records = [stats.Record(r.applicant_kind, r.received_on, r.closed_on, r.outcome, r.outcome_reason) for r in rows]
    table = stats.build_table(records, start, end)
    table["year"] = f"{start.year}-{end.year}"
    return table


def year_stats(app: Gongkai, year: Any) -> dict[str, Any]:
    """Figures for the annual report (part three and the fees/complaints parts)."""
    table = stats_table(app, year)
    start, end = _period(app, year)
    counts = {row["key"]: row["counts"] for row in table["rows"] if row["counts"] is not None}
    by_outcome: dict[str, Any] = {}
    for outcome in outcomes.OUTCOMES:
        entry: dict[str, Any] = {"label": outcome.label, "count": counts[f"results.{outcome.code}"]["total"]}
        if outcome.reasons:
            entry["reasons"] = {str(i): counts[f"results.{outcome.code}.{i}"]["total"]
                                for i in range(1, len(outcome.reasons) + 1)}
        by_outcome[outcome.code] = entry
    with app.db.read() as session:
        fee_rows = session.execute(select(func.coalesce(func.sum(Application.fee_charged), 0),
                                          func.coalesce(func.sum(Application.fee_waived), 0),
                                          func.count(Application.id))
                                   .where(Application.fee_recorded_on.between(start, end))
                                   .where((Application.fee_charged > 0) | (Application.fee_waived > 0))).one()
        cases = session.execute(select(RemedyCase.kind, RemedyCase.outcome, func.count(RemedyCase.id))
                                .where(RemedyCase.filed_on.between(start, end))
                                .group_by(RemedyCase.kind, RemedyCase.outcome)).all()
    complaint_outcomes: dict[str, dict[str, int]] = {k: {o: 0 for o in REMEDY_OUTCOMES} for k in REMEDY_KINDS}
    for kind, outcome, count in cases:
        complaint_outcomes[kind][outcome] = int(count)
    return {
        "period": table["period"], "received": counts["received"]["total"],
        "carried_over": counts["carried_over"]["total"], "replied": counts["results.total"]["total"],
        "carried_forward": counts["carried_forward"]["total"], "by_outcome": by_outcome,
        "fees": {"charged_total": str(Decimal(fee_rows[0]).quantize(Decimal("0.01"))),
                 "waived_total": str(Decimal(fee_rows[1]).quantize(Decimal("0.01"))), "count": int(fee_rows[2])},
        "complaints": {"reports": sum(complaint_outcomes["report"].values()),
                       "reconsiderations": sum(complaint_outcomes["reconsideration"].values()),
                       "lawsuits": sum(complaint_outcomes["lawsuit"].values()), "by_outcome": complaint_outcomes},
        "check_ok": table["check"]["ok"],
    }


def redate_open_applications(app: Gongkai, session: Session, calendar: Any) -> list[int]:
    """A calendar change: replay every open application's clock over ``calendar`` and re-date
    its reminder rungs, inside the caller's transaction; returns the ids whose due date moved."""
    changed: list[int] = []
    still_open = ("received", "consulting", "clarifying", "replying")
    for application in session.scalars(select(Application).where(Application.state.in_(still_open),
                                                                 Application.due_on.is_not(None))):
        due = clock_state(app, application, calendar).due
        if due != application.due_on:
            application.due_on = due
            changed.append(application.id)
            follow_application(app, session, application, calendar)
    return changed
