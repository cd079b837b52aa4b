"""The one state machine of a disclosure item.

A single module-level ``transitions.Machine`` holds the states and the fixed trigger names
of DESIGN.md §3. Items are not bound to it permanently: ``fire`` attaches a short-lived
``Flow`` (the item's state plus the resolved context), runs the trigger, and detaches it.
Guards run as ``prepare`` callbacks and raise domain errors; a refused trigger therefore
never returns False silently and never changes anything.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from transitions import EventData, Machine, MachineError

from workflow import guards
from workflow.access import Actor
from workflow.errors import BadInput, DomainError, InvalidState
from workflow.i18n import gettext as _

STATES = ["draft", "secrecy_review", "approval", "scheduled", "published", "archived"]
OPEN_STATES = ("draft", "secrecy_review", "approval")
STATE_LABELS = {
    "draft": "草稿", "secrecy_review": "保密审查", "approval": "审批", "scheduled": "待发布",
    "published": "已公开", "archived": "已归档",
}
TRIGGER_LABELS = {
    "submit": "提交审查", "withdraw": "撤回", "pass_review": "审查通过", "return": "退回修改",
    "approve": "批准", "reject": "不予批准", "publish": "发布", "archive": "归档", "take_down": "撤下",
}

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "submit", "source": "draft", "dest": "secrecy_review", "prepare": [guards.may_submit]},
    {"trigger": "withdraw", "source": ["secrecy_review", "approval"], "dest": "draft",
     "prepare": [guards.may_withdraw]},
    {"trigger": "pass_review", "source": "secrecy_review", "dest": "approval", "prepare": [guards.may_pass_review]},
    {"trigger": "return", "source": "secrecy_review", "dest": "draft", "prepare": [guards.may_return]},
    {"trigger": "approve", "source": "approval", "dest": "scheduled", "prepare": [guards.may_approve],
     "conditions": [guards.publish_at_in_future]},
    {"trigger": "approve", "source": "approval", "dest": "published", "prepare": [guards.may_approve]},
    {"trigger": "reject", "source": "approval", "dest": "draft", "prepare": [guards.may_reject]},
    {"trigger": "publish", "source": "scheduled", "dest": "published", "prepare": [guards.may_publish]},
    {"trigger": "archive", "source": "published", "dest": "archived", "prepare": [guards.may_archive]},
    {"trigger": "take_down", "source": ["published", "scheduled"], "dest": "archived",
     "prepare": [guards.may_take_down]},
]
TRIGGERS = tuple(dict.fromkeys(t["trigger"] for t in TRANSITIONS))

machine = Machine(
    model=None,
    states=STATES,
    transitions=TRANSITIONS,
    initial="draft",
    auto_transitions=False,
    send_event=True,
    ignore_invalid_triggers=False,
)


@dataclass
class TransitionContext:
    """Everything the guards need, resolved by the service before firing."""

    actor: Actor
    department_id: int
    now: datetime
    author_id: int | None = None
    submitted_by_id: int | None = None
    reviewed_by_id: int | None = None
    contributor_ids: frozenset[int] = frozenset()
    reason: str | None = None
    checklist: Any = None
    legal_basis: str | None = None
    publish_at: datetime | None = None
    missing_fields: list[str] = field(default_factory=list)
    checklist_keys: tuple[str, ...] = ()
    blocking_keys: tuple[str, ...] = ()
    open_blocking_findings: list[dict[str, Any]] = field(default_factory=list)


class Flow:
    """The short-lived model the machine drives: one item's state during one trigger."""

    def __init__(self, state: str):
        self.state = state


def fire(state: str, trigger: str, context: TransitionContext) -> str:
    """Run ``trigger`` from ``state`` with ``context``; return the new state or raise."""
    if trigger not in TRIGGERS:
        raise BadInput("未知的操作：%(trigger)s", code="unknown_trigger", trigger=trigger)
    if state not in STATES:
        raise InvalidState("未知的状态：%(state)s", state=state)
    flow = Flow(state)
    machine.add_model(flow, initial=state)
    try:
        if not machine.get_triggers(state) or trigger not in machine.get_triggers(state):
            raise InvalidState(
                "当前状态“%(state)s”下不能执行“%(trigger)s”",
                state=_(STATE_LABELS[state]), trigger=_(TRIGGER_LABELS[trigger]),
                details={"state": state, "trigger": trigger},
            )
        try:
            flow.trigger(trigger, context=context)  # type: ignore[attr-defined]
        except MachineError as error:  # defensive: a state/trigger mismatch found by transitions
            raise InvalidState("当前状态下不能执行该操作", details={"detail": str(error.value)}) from error
        return flow.state
    finally:
        machine.remove_model(flow)


def permitted_triggers(state: str, context: TransitionContext) -> set[str]:
    """The triggers whose guards would let ``context.actor`` fire them from ``state``.

    Runs the same ``prepare`` guards as ``fire`` without changing anything, so screens offer
    exactly the actions the workflow will accept (the context carries a probe reason and a clear
    checklist: what a user still has to type in is not a question of permission).
    """
    from types import SimpleNamespace
    allowed: set[str] = set()
    probe = SimpleNamespace(kwargs={"context": context})
    for transition in TRANSITIONS:
        sources = transition["source"] if isinstance(transition["source"], list) else [transition["source"]]
        if state not in sources or transition["trigger"] in allowed:
            continue
        try:
            for guard in transition.get("prepare", []):
                guard(probe)
        except DomainError:
            continue
        allowed.add(transition["trigger"])
    return allowed


def triggers_from(state: str) -> list[str]:
    """The triggers defined for ``state`` (for UIs: which buttons to consider)."""
    return [t for t in machine.get_triggers(state) if t in TRIGGERS]


def context_of(event: EventData) -> TransitionContext:
    """The TransitionContext passed to ``fire``."""
    return event.kwargs["context"]
