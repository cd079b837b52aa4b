"""What an application action works on: the guards, checks and effects of ``spec`` all take one of these."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping

from sqlalchemy.orm import Session

from db.models.applications import Application
from workflow.access import Actor
from workflow.context import Gongkai


@dataclass
class ActionContext:
    """One action on one application inside the caller's transaction.

    ``inputs`` is the request as sent; ``values`` the inputs parsed by the action's declared fields
    (and whatever its checks derive, e.g. the clarification deadline); ``from_state`` the state
    the action leaves; ``result`` what the effect produced for the caller (the reply item).
    ``session`` is None when a screen only asks which actions are permitted (guards read the
    application and the actor, never the database). The scheduler acts as ``access.SYSTEM``,
    recorded in the audit chain without a person. ``internal`` marks an action fired by the code
    (the reply item's approval), never by a request. ``create_item`` is the item verbs' inner
    function that drafts an item in this session (``services.items.create_item_in``), handed down by
    the verb so that this layer never imports the verbs.
    """

    app: Gongkai
    session: Session | None
    actor: Actor
    application: Application
    action: str = ""
    inputs: Mapping[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    from_state: str = ""
    at: datetime | None = None
    internal: bool = False
    create_item: Callable[..., Any] | None = None
    result: Any = None

    def __post_init__(self) -> None:
        self.from_state = self.from_state or self.application.state
        self.at = self.at or self.app.now()

    @property
    def db(self) -> Session:
        """The transaction's session (effects and checks run inside one)."""
        assert self.session is not None, "an effect or check ran without a transaction"
        return self.session

    @property
    def audit_actor(self) -> Actor | None:
        """Who the audit chain names: the person, or nobody for the scheduler (``access.SYSTEM``, no id)."""
        return None if self.actor.id is None else self.actor
