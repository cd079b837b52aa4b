"""Taking one action on an application inside the caller's transaction: the spec's machine decides, the
action's effect writes.

``run`` is what every request path uses (API ``/actions`` and ``/transitions``, the staff page's
forms, the named verbs of ``workflow.services.applications``); ``apply`` serves code that already
holds the application row (the scheduler's sweep, the reply item's approval hook).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Mapping

from sqlalchemy.orm import Session

from db.models.applications import Application
from workflow.access import Actor
from workflow.applications import reads
from workflow.applications.context import ActionContext
from workflow.applications.spec import APPLICATION, request_actions
from workflow.context import Gongkai
from workflow.errors import BadInput
from workflow.spec import Action, WorkflowSpec


Spec = WorkflowSpec[ActionContext]


def run(session: Session, app: Gongkai, actor: Actor, application_id: int, action: Any,
        inputs: Mapping[str, Any] | None = None, *, spec: Spec = APPLICATION,
        create_item: Callable[..., Any] | None = None) -> ActionContext:
    """Take ``action`` (one a request may name: ``spec.request_actions``) on an application ``actor`` may see.

    Refusals are domain errors and change nothing: 400 unknown action, 404 not visible, 409 not
    in this state (or a rule of the clock), 403 not this actor's to take, 422 a missing or bad input.
    """
    if not isinstance(action, str) or action not in request_actions(spec):
        raise BadInput("未知的操作：%(action)s", code="unknown_action", action=str(action)[:40])
    if not isinstance(inputs, Mapping):
        inputs = {}
    return apply(session, app, actor, reads.load(session, actor, application_id), action, inputs, spec=spec,
                 create_item=create_item)


def apply(session: Session, app: Gongkai, actor: Actor, application: Application, action: str,
          inputs: Mapping[str, Any] | None = None, *, internal: bool = False, at: datetime | None = None,
          values: Mapping[str, Any] | None = None, spec: Spec = APPLICATION,
          create_item: Callable[..., Any] | None = None) -> ActionContext:
    """Fire ``action`` on ``application`` (guards, input checks, destination), set the new state, run
    the effect; ``values`` pre-fills what a code path already knows (the reply item), ``create_item``
    is the item verbs' inner function a reply needs (``ActionContext.create_item``)."""
    change = ActionContext(app, session, actor, application, action=action, inputs=dict(inputs or {}),
                           values=dict(values or {}), internal=internal, at=at, create_item=create_item)
    application.state = spec.fire(application.state, action, change)
    application.updated_at = change.at or app.now()
    effect = spec.triggers[action].effect
    assert effect is not None, f"action {action!r} declares no effect"
    effect(change)
    return change


def permitted_actions(app: Gongkai, actor: Actor, application: Application, *,
                      spec: Spec = APPLICATION) -> list[Action]:
    """What ``actor`` may do to ``application`` now, with the inputs each needs: a screen's buttons and forms."""
    probe = ActionContext(app, None, actor, application)
    allowed = request_actions(spec)
    return [action for action in spec.actions(application.state, probe) if action.name in allowed]
