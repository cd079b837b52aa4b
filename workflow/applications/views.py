"""Plain-dict shapes of applications and remedy cases for the API, the pages and the applicant."""
from __future__ import annotations

from typing import Any, Sequence

from db.models.applications import Application, ApplicationDocument, RemedyCase
from workflow.applications import outcomes
from workflow.applications.due_date import clock_state
from workflow.applications.progress import Step
from workflow.applications.spec import RUNNING_STATES, ApplicationState
from workflow.clock import local_date
from workflow.context import Gongkai
from workflow.views import iso


def _notices(application: Application) -> list[dict[str, Any]]:
    return [{"kind": n.kind, "at": iso(n.at), "body": n.body} for n in application.notices]


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
        "department_name": application.department.name if application.department else None,
        "due_on": application.due_on.isoformat() if application.due_on else None,
        "overdue": bool(application.due_on and application.state in RUNNING_STATES and today > application.due_on),
        "clarify_by": application.clarify_by.isoformat() if application.clarify_by else None,
        "clock": state.to_dict(),
        "outcome": application.outcome, "outcome_reason": application.outcome_reason,
        "outcome_label": outcomes.describe(application.outcome, application.outcome_reason),
        "reply_item": application.reply_item_id, "replied_at": iso(application.replied_at),
        "closed_at": iso(application.closed_at),
        "fee": {"charged": str(application.fee_charged), "waived": str(application.fee_waived),
                "note": application.fee_note},
        "notices": _notices(application),
        "version": application.version,
    }


def public_status(application: Application, steps: Sequence[Step] = (), letter: bool = False) -> dict[str, Any]:
    """What the applicant may see: no internal notes, no staff names; the state in public words, the steps
    (``workflow.applications.progress``), what the 回执 shows and whether the reply letter can be downloaded."""
    return {"tracking_no": application.tracking_no, "state": application.state,
            "state_label": ApplicationState(application.state).public_label,  # a msgid: the page translates it
            "received_on": application.received_on.isoformat(),
            "due_on": application.due_on.isoformat() if application.due_on else None,
            "clarify_by": application.clarify_by.isoformat() if application.clarify_by else None,
            "replied_on": local_date(application.replied_at).isoformat() if application.replied_at else None,
            "channel": application.channel, "delivery_form": application.delivery_form,
            "steps": [step.to_dict() for step in steps], "letter_available": letter,
            "notices": _notices(application)}


def office_details(application: Application, identity: ApplicationDocument | None) -> dict[str, Any]:
    """What only the 信息公开办公室 sees of an application: the postal address and the identity document."""
    return {"postal_address": application.postal_address,
            "identity_document": {"filename": identity.filename, "content_type": identity.content_type,
                                  "size": identity.size} if identity is not None else None}


def remedy_to_dict(case: RemedyCase) -> dict[str, Any]:
    """A remedy case as plain data."""
    return {"id": case.id, "kind": case.kind, "after_reconsideration": case.after_reconsideration,
            "application_id": case.application_id, "filed_on": case.filed_on.isoformat(), "summary": case.summary,
            "outcome": case.outcome, "decided_on": case.decided_on.isoformat() if case.decided_on else None}
