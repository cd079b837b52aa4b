"""Taking one action on an application inside the caller's transaction: the spec's machine decides, the
action's effect writes.

``run`` is what every request path uses (API ``/actions`` and ``/transitions``, the staff page's
forms, the named verbs of ``workflow.services.applications``); ``apply`` serves code that already
holds the application row (the scheduler's sweep, the reply item's approval hook).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy.orm import Session

from db.models.applications import Application
from workflow.access import Actor
from workflow.applications import reads
from workflow.applications.context import ActionContext
from workflow.applications.spec import ACTIONS, APPLICATION
from workflow.context import Gongkai
from workflow.errors import BadInput
from workflow.spec import Action


def run(session: Session, app: Gongkai, actor: Actor, application_id: int, action: Any,
        inputs: Mapping[str, Any] | None = None) -> ActionContext:
    """Take ``action`` (one of ``spec.ACTIONS``) on an application ``actor`` may see.

    Refusals are domain errors and change nothing: 400 unknown action, 404 not visible, 409 not
    in this state (or a rule of the clock), 403 not this actor's to take, 422 a missing or bad input.
    """
    if not isinstance(action, str) or action not in ACTIONS:
        raise BadInput("未知的操作：%(action)s", code="unknown_action", action=str(action)[:40])
    if not isinstance(inputs, Mapping):
        inputs = {}
    return apply(session, app, actor, reads.load(session, actor, application_id), action, inputs)


def apply(session: Session, app: Gongkai, actor: Actor, application: Application, action: str,
          inputs: Mapping[str, Any] | None = None, *, internal: bool = False, at: datetime | None = None,
          values: Mapping[str, Any] | None = None) -> ActionContext:
    """Fire ``action`` on ``application`` (guards, input checks, destination), set the new state, run
    the effect; ``values`` pre-fills what a code path already knows (the reply item)."""
    change = ActionContext(app, session, actor, application, action=action, inputs=dict(inputs or {}),
                           values=dict(values or {}), internal=internal, at=at)
    new_state = APPLICATION.fire(application.state, action, change)
    application.state = new_state
    application.updated_at = change.at or app.now()
    effect = APPLICATION.triggers[action].effect
    assert effect is not None
    effect(change)
    return change


def permitted_actions(app: Gongkai, actor: Actor, application: Application) -> list[Action]:
    """What ``actor`` may do to ``application`` now, with the inputs each needs: a screen's buttons and forms."""
    probe = ActionContext(app, None, actor, application)
    return [action for action in APPLICATION.actions(application.state, probe) if action.name in ACTIONS]
