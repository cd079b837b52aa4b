"""Receiving applications: the applicant's fields, the public form's rate limit, registration, tracking.

An application is received (条例 Art. 31) in person at delivery, by post when signed for, and
online / by fax / by e-mail when receipt is confirmed — the public form confirms at once by issuing
the tracking number. Receipt starts the statutory clock.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Mapping

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.models.applications import Application, ApplicationAttempt
from workflow.access import Actor
from workflow.applications import journal
from workflow.applications.clock_actions import department_by_code
from workflow.applications.due_date import add_clock_event
from workflow.applications.spec import APPLICATION
from workflow.applications.vocabulary import ApplicantKind, ApplicationChannel, DeliveryForm
from workflow.clock import ensure_aware, local_date
from workflow.context import Gongkai
from workflow.errors import NotFound, RateLimited, ValidationFailed
from workflow.i18n import N_, gettext
from workflow.inputs import CONTACT_MAX, parse_choice, parse_contact, parse_datetime, parse_text

NAME_MAX, REQUEST_MAX, PURPOSE_MAX, ADDRESS_MAX = 200, 5000, 2000, 300
TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone

# The applicant's fields as forms and messages name them.
LABELS = {"applicant_kind": N_("申请人类型"), "name": N_("申请人姓名或名称"), "contact": N_("联系方式"),
          "request_text": N_("所需信息的内容描述"), "purpose": N_("用途"), "delivery_form": N_("获取信息的方式"),
          "channel": N_("申请渠道"), "received_at": N_("收到申请的时间"), "department": N_("承办部门"),
          "postal_address": N_("邮寄地址")}


@dataclass(frozen=True)
class Intake:
    """Validated intake fields."""

    applicant_kind: str
    name: str
    contact: str
    request_text: str
    purpose: str | None
    delivery_form: str
    postal_address: str | None = None


def parse_intake(data: Mapping[str, Any]) -> Intake:
    """Validate the applicant's fields; each problem names its field."""
    if not isinstance(data, Mapping):
        raise ValidationFailed("请求内容无效", code="invalid_value")
    kind = parse_choice(data.get("applicant_kind"), "applicant_kind", ApplicantKind.codes(),
                        label=LABELS["applicant_kind"], default=ApplicantKind.NATURAL.value)
    name = parse_text(data.get("name"), "name", label=LABELS["name"], max_len=NAME_MAX)
    contact = parse_contact(data.get("contact"), label=LABELS["contact"])
    request_text = parse_text(data.get("request_text"), "request_text", label=LABELS["request_text"],
                              max_len=REQUEST_MAX, multiline=True)
    purpose = parse_text(data.get("purpose"), "purpose", label=LABELS["purpose"], max_len=PURPOSE_MAX,
                         required=False, multiline=True)
    delivery = parse_choice(data.get("delivery_form"), "delivery_form", DeliveryForm.codes(),
                            label=LABELS["delivery_form"], default=DeliveryForm.EMAIL.value)
    # A paper reply is posted: without an address it cannot be delivered (条例 Art. 29 asks for contact details
    # the reply can reach). Other forms may give one too (kept, shown to the office).
    address = parse_text(data.get("postal_address"), "postal_address", label=LABELS["postal_address"],
                         max_len=ADDRESS_MAX, required=False)
    if delivery == DeliveryForm.PAPER.value and address is None:
        raise ValidationFailed("选择纸质方式获取信息时，请填写邮寄地址", code="missing_field", field="postal_address")
    return Intake(kind, name or "", contact, request_text or "", purpose, delivery, address)


def parse_registration(data: Mapping[str, Any], now: datetime) -> tuple[Intake, str, datetime]:
    """Staff intake: the applicant's fields, the channel and the statutory receipt (not in the future)."""
    intake = parse_intake(data)
    channel = parse_choice(data.get("channel"), "channel", ApplicationChannel.codes(), label=LABELS["channel"])
    received_at = parse_datetime(data.get("received_at"), "received_at") if data.get("received_at") else None
    if received_at is None:
        raise ValidationFailed("请填写%(label)s", code="missing_field", field="received_at",
                               label=gettext(LABELS["received_at"]))
    received_at = ensure_aware(received_at)
    if received_at > now:
        raise ValidationFailed("收到申请的时间不能晚于现在", code="invalid_value", field="received_at")
    return intake, channel, received_at


def normalize_contact(contact: str) -> str:
    """The contact detail as compared in status lookups: e-mail lower-case, phone digits only."""
    contact = contact.strip()
    if "@" in contact:
        return contact.lower()
    return re.sub(r"[^0-9+]", "", contact)


def new_tracking_no(now: datetime) -> str:
    """``YYYY`` + 12 random characters (60 bits): unguessable, readable."""
    return f"{local_date(now).year}" + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(12))


def check_rate(session: Session, kind: str, client: str, limit: int, now: datetime) -> None:
    """Count one public-form request of ``kind``; RateLimited beyond ``limit`` per client address per hour.

    A database ledger, so every web worker shares it. Only a hash of the address is stored, and
    only for an hour.
    """
    client_hash = hashlib.sha256(f"gongkai-apply:{client or 'unknown'}".encode("utf-8")).hexdigest()
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


def create(session: Session, app: Gongkai, intake: Intake, channel: str, received_at: datetime,
           actor: Actor | None, department_code: Any = None) -> Application:
    """A received application, its clock started, its receipt audited."""
    now = app.now()
    received_on = local_date(received_at)
    department_id = department_by_code(session, department_code).id if department_code not in (None, "") else None
    application = Application(
        tracking_no=new_tracking_no(received_at), applicant_kind=intake.applicant_kind, name=intake.name,
        contact=intake.contact, contact_key=normalize_contact(intake.contact), request_text=intake.request_text,
        purpose=intake.purpose, delivery_form=intake.delivery_form, postal_address=intake.postal_address,
        channel=channel, received_at=received_at,
        received_on=received_on, department_id=department_id, state=APPLICATION.initial, clock_events=[],
        created_by_id=actor.id if actor else None, created_at=now, updated_at=now,
        fee_charged=Decimal("0"), fee_waived=Decimal("0"))
    add_clock_event(app, application, "start", received_on)
    session.add(application)
    session.flush()
    journal.record(session, app, actor, application, "application_received", None, channel=channel,
                   received_on=received_on.isoformat(),
                   due_on=application.due_on.isoformat() if application.due_on else None)
    return application


def find_by_tracking(session: Session, tracking_no: Any, contact: Any) -> Application:
    """The application with this tracking number and contact; a wrong pair is a NotFound that does not
    say which half was wrong."""
    number = str(tracking_no or "").strip().upper()[:32]
    key = normalize_contact(str(contact or "")[:CONTACT_MAX])
    not_found = NotFound("未找到与该查询号和联系方式匹配的申请，请核对后重试", code="application_not_found")
    if not number or not key:
        raise not_found
    application = session.scalar(select(Application).where(Application.tracking_no == number))
    if application is None or not secrets.compare_digest(application.contact_key.encode(), key.encode()):
        raise not_found
    return application
