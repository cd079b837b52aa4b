"""workflow/spec.py on its own: a small made-up process, no database.

fire (guards, checks, required inputs, routes), permitted (transitions' may_<trigger>: permission guards
and route conditions, not the inputs), unknown triggers and states, the derived questions (actions,
edges, awaited, field names), with_trigger leaving the original untouched, and the declaration checks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from workflow.errors import BadInput, Forbidden, InvalidState, ValidationFailed
from workflow.item_spec import ITEM_SPEC
from workflow.spec import Field, Route, StateEnum, TriggerSpec, WorkflowSpec, check_constraint


class Door(StateEnum):
    CLOSED = "closed", "关", "secondary", True
    OPEN = "open", "开", "success", False
    LOCKED = "locked", "锁", "dark", True


@dataclass
class Ctx:
    who: str
    inputs: dict[str, Any] = field(default_factory=dict)
    windy: bool = False


def only(name: str) -> Any:
    def guard(ctx: Ctx) -> None:
        if ctx.who != name:
            raise Forbidden("not you")
    return guard


def code_is_1234(ctx: Ctx) -> None:
    if ctx.inputs.get("code") != "1234":
        raise ValidationFailed("wrong code", code="wrong_code")


CODE = Field("code", "密码", "text", required=True)
NOTE = Field("note", "备注", "multiline")
TRIGGERS = (
    TriggerSpec("open", "开门", (Door.CLOSED,), Door.OPEN, fields=(NOTE,), awaited_by="guest",
                routes=(Route(Door.LOCKED, lambda ctx: ctx.windy),), style="success"),
    TriggerSpec("close", "关门", (Door.OPEN,), Door.CLOSED),
    TriggerSpec("lock", "上锁", (Door.CLOSED, Door.OPEN), Door.LOCKED, permission=(only("keeper"),)),
    TriggerSpec("unlock", "开锁", (Door.LOCKED,), Door.CLOSED, permission=(only("keeper"),), fields=(CODE,),
                checks=(code_is_1234,), awaited_by="keeper", style="warning"),
)
DOOR: WorkflowSpec[Ctx] = WorkflowSpec("door", Door, TRIGGERS, initial=Door.CLOSED)


def test_fire_runs_guards_checks_and_routes() -> None:
    assert DOOR.fire("closed", "open", Ctx("guest")) == "open"
    assert DOOR.fire("closed", "open", Ctx("guest", windy=True)) == "locked"   # the route's condition holds
    assert DOOR.fire("open", "lock", Ctx("keeper")) == "locked"
    with pytest.raises(Forbidden):
        DOOR.fire("open", "lock", Ctx("guest"))
    assert DOOR.fire("locked", "unlock", Ctx("keeper", {"code": "1234"})) == "closed"
    with pytest.raises(ValidationFailed) as wrong:
        DOOR.fire("locked", "unlock", Ctx("keeper", {"code": "0000"}))
    assert wrong.value.code == "wrong_code"


def test_required_inputs_are_asked_for_before_the_checks() -> None:
    for empty in ({}, {"code": ""}, {"code": "   "}, {"code": None}):
        with pytest.raises(ValidationFailed) as missing:
            DOOR.fire("locked", "unlock", Ctx("keeper", empty))
        assert missing.value.code == "code_required" and missing.value.field == "code"
    with pytest.raises(Forbidden):   # who may fire comes before what they typed in
        DOOR.fire("locked", "unlock", Ctx("guest", {}))


def test_permitted_asks_permission_not_inputs() -> None:
    assert [t.name for t in DOOR.permitted("closed", Ctx("guest"))] == ["open"]
    assert [t.name for t in DOOR.permitted("closed", Ctx("keeper"))] == ["open", "lock"]
    assert [t.name for t in DOOR.permitted("locked", Ctx("keeper"))] == ["unlock"]   # no code typed yet
    assert DOOR.permitted("locked", Ctx("guest")) == []
    assert [t.name for t in DOOR.permitted("closed", Ctx("guest", windy=True))] == ["open"]


def test_unknown_trigger_wrong_state_and_unknown_state() -> None:
    for name in ("fly", "", None, 3, "to_open"):   # to_open: no auto transitions
        with pytest.raises(BadInput) as unknown:
            DOOR.fire("closed", name, Ctx("keeper"))
        assert unknown.value.code == "unknown_trigger"
    with pytest.raises(InvalidState):
        DOOR.fire("open", "open", Ctx("guest"))
    with pytest.raises(InvalidState):
        DOOR.fire("ajar", "open", Ctx("guest"))
    assert DOOR.permitted("ajar", Ctx("keeper")) == []


def test_derived_questions() -> None:
    assert DOOR.state_values == ("closed", "open", "locked")
    assert DOOR.open_states == ("closed", "locked")
    assert DOOR.state_label("open") == "开" and DOOR.state_label("ajar") == "ajar"
    assert DOOR.trigger_label("lock") == "上锁" and DOOR.trigger_label("fly") == "fly"
    assert DOOR.field_names() == ("note", "code")
    assert [(s, r, t.name) for s, r, t in DOOR.awaited()] == [("closed", "guest", "open"),
                                                               ("locked", "keeper", "unlock")]
    assert ("closed", "locked", ["open", "lock"]) in DOOR.edges()
    assert ("open", "locked", ["lock"]) in DOOR.edges()
    [unlock] = DOOR.actions("locked", Ctx("keeper"))
    assert (unlock.name, unlock.label, unlock.fields, unlock.style, unlock.needs_form) == \
        ("unlock", "开锁", (CODE,), "warning", True)
    assert [a.needs_form for a in DOOR.actions("open", Ctx("keeper"))] == [False, False]
    assert CODE.optional().required is False and NOTE.mandatory().required is True
    assert check_constraint("state", Door) == "state IN ('closed', 'open', 'locked')"


def test_with_trigger_leaves_the_original_untouched() -> None:
    slam = TriggerSpec("slam", "摔门", (Door.OPEN,), Door.CLOSED, fields=(NOTE.mandatory(),))
    wider = DOOR.with_trigger(slam)
    assert wider.fire("open", "slam", Ctx("guest", {"note": "风大"})) == "closed"
    assert "slam" in wider.triggers and "slam" not in DOOR.triggers
    assert wider.machine is not DOOR.machine and "slam" not in DOOR.machine.events
    with pytest.raises(BadInput):
        DOOR.fire("open", "slam", Ctx("guest", {"note": "风大"}))
    assert [t.name for t in DOOR.permitted("open", Ctx("guest"))] == ["close"]
    assert [t.name for t in wider.permitted("open", Ctx("guest"))] == ["close", "slam"]
    item_variant = ITEM_SPEC.with_trigger(TriggerSpec("slam", "摔门", ("published",), "archived"))
    assert "slam" in item_variant.triggers and "slam" not in ITEM_SPEC.triggers
    assert item_variant.on_enter == ITEM_SPEC.on_enter and item_variant.stored_as == ITEM_SPEC.stored_as
    with pytest.raises(ValueError, match="declared twice"):
        DOOR.with_trigger(TriggerSpec("open", "再开", (Door.LOCKED,), Door.OPEN))


def test_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match="differ from the stored"):
        WorkflowSpec("door", Door, TRIGGERS, initial=Door.CLOSED, stored_as=("closed", "open"))
    with pytest.raises(ValueError, match="differ from the stored"):
        WorkflowSpec("door", Door, TRIGGERS, initial=Door.CLOSED, stored_as=("open", "closed", "locked"))
    assert WorkflowSpec("door", Door, TRIGGERS, initial=Door.CLOSED,
                        stored_as=("closed", "open", "locked")).stored_as == ("closed", "open", "locked")
    with pytest.raises(ValueError, match="unknown states"):
        WorkflowSpec("door", Door, (TriggerSpec("melt", "熔化", (Door.OPEN,), "liquid"),), initial=Door.CLOSED)


def test_the_item_spec_awaits_one_decision_per_open_state() -> None:
    assert [(s, r, t.name) for s, r, t in ITEM_SPEC.awaited()] == [
        ("draft", "drafter", "submit"), ("secrecy_review", "reviewer", "pass_review"),
        ("approval", "approver", "approve")]
