"""The application workflow as a state machine (workflow/applications/spec.py), on SQLite and PostgreSQL.

Every action runs from each of its source states and is refused (409 invalid_state, nothing
written) from every other state; the reply item and the application change in one transaction.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, update

from db.models import AuditEvent, Item
from db.models.applications import APPLICATION_STATES, Application, ApplicationNotice
from tests.conftest import World
from workflow import audit
from workflow.access import Actor
from workflow.applications.spec import ACTIONS, APPLICATION, ApplicationState
from workflow.errors import BadInput, Conflict, Forbidden, InvalidState, ValidationFailed
from workflow.services import applications as svc
from workflow.spec import STAY

INTAKE = {"applicant_kind": "natural", "name": "张三", "contact": "zhangsan@example.com",
          "request_text": "请公开2024年学生资助资金使用情况", "delivery_form": "email", "channel": "post",
          "received_at": "2025-09-26T09:00:00+08:00", "department": "xsc"}
# Inputs that satisfy each action's checks on a fresh application (received 2025-09-26, today).
INPUTS: dict[str, dict[str, Any]] = {
    "assign": {"department": "jwc"}, "clarify": {"note": "请说明所需信息的年份"}, "supplement": {},
    "excuse": {"reason": "申请人已来电说明正当理由"}, "abandon": {},
    "consult": {"third_party": "某企业"}, "consulted": {}, "extend": {"workdays": 5, "reason": "情况复杂"},
    "reply": {"outcome": "disclosed"}, "fee": {"charged": "1.00"},
}
# Columns a state implies, so the action's own rules (not the state) decide: 补正 deadline passed for abandon.
STATE_COLUMNS: dict[tuple[str, str], dict[str, Any]] = {("abandon", "clarifying"): {"clarify_by": date(2025, 9, 25)}}


def _head(world: World) -> Actor:
    """Someone every permission guard admits: admin, office head, drafter of every department."""
    from workflow.services.users import add_user
    add_user(world.app, "head", roles=["admin", "drafter"], departments=["*"], office_head=True)
    return world.actor("head")


def _force(world: World, application_id: int, state: str, **columns: Any) -> None:
    with world.app.db.write() as session:
        session.execute(update(Application).where(Application.id == application_id).values(state=state, **columns))


def _snapshot(world: World, application_id: int) -> tuple[Any, ...]:
    """Everything an action may write: the row, its notices, its audit events, items."""
    with world.app.db.read() as session:
        row = session.execute(select(*Application.__table__.columns).where(Application.id == application_id)).one()
        notices = session.scalar(select(func.count(ApplicationNotice.id))
                                 .where(ApplicationNotice.application_id == application_id))
        events = session.scalar(select(func.count(AuditEvent.seq))
                                .where(AuditEvent.subject == f"application:{application_id}"))
        items = session.scalar(select(func.count(Item.id)))
    return tuple(row), notices, events, items


def test_the_spec_keeps_the_stored_states_and_the_api_actions() -> None:
    assert ApplicationState.codes() == APPLICATION_STATES
    assert ACTIONS == ("assign", "clarify", "supplement", "excuse", "abandon", "consult", "consulted", "extend", "reply",
                       "fee")
    assert set(APPLICATION.triggers) == {*ACTIONS, "reply_sent"}


ALLOWED = [(action, state) for action in ACTIONS for state in APPLICATION.triggers[action].sources]


@pytest.mark.parametrize(("action", "state"), ALLOWED, ids=[f"{a}-from-{s}" for a, s in ALLOWED])
def test_each_action_runs_from_each_of_its_states(world: World, action: str, state: str) -> None:
    head = _head(world)
    application = svc.register_application(world.app, world.admin, INTAKE)
    _force(world, application.id, state, **STATE_COLUMNS.get((action, state), {}))
    before = _snapshot(world, application.id)
    after = svc.transition(world.app, head, application.id, action, INPUTS[action])
    trigger = APPLICATION.triggers[action]
    assert after.state == (state if trigger.dest == STAY else trigger.dest)
    assert _snapshot(world, application.id)[2] == before[2] + 1  # one audit event per action


@pytest.mark.parametrize("state", APPLICATION_STATES)
def test_an_action_outside_its_states_is_refused_and_changes_nothing(world: World, state: str) -> None:
    head = _head(world)
    application = svc.register_application(world.app, world.admin, INTAKE)
    _force(world, application.id, state)
    refused = [action for action in ACTIONS if state not in APPLICATION.triggers[action].sources]
    assert refused or state == "received"
    before = _snapshot(world, application.id)
    for action in refused:
        with pytest.raises(InvalidState) as error:
            svc.transition(world.app, head, application.id, action, INPUTS[action])
        assert error.value.status == 409 and error.value.details["state"] == state
        assert _snapshot(world, application.id) == before, action


def test_internal_and_unknown_actions_are_not_requests(world: World) -> None:
    application = svc.register_application(world.app, world.admin, INTAKE)
    _force(world, application.id, "replying")
    before = _snapshot(world, application.id)
    for name in ("reply_sent", "nope", None, 3):
        with pytest.raises(BadInput):
            svc.transition(world.app, _head(world) if name == "reply_sent" else world.admin, application.id, name)
    assert _snapshot(world, application.id) == before


def test_screens_offer_what_the_guards_permit(world: World) -> None:
    head = _head(world)
    application = svc.register_application(world.app, world.admin, INTAKE)

    def offered(actor: Actor) -> list[str]:
        return [a.name for a in svc.available_actions(world.app, actor, svc.get_application(world.app, actor,
                                                                                           application.id))]

    assert offered(world.admin) == ["assign", "clarify", "consult", "fee"]  # neither office head nor drafter
    assert offered(head) == ["assign", "clarify", "consult", "extend", "reply", "fee"]
    assert offered(world.drafter) == ["reply"]  # a drafter of the handling department
    reply = next(a for a in svc.available_actions(world.app, head, application) if a.name == "reply")
    assert [(f.name, f.kind, f.required) for f in reply.fields] == [
        ("outcome", "choice", True), ("reason", "integer", False), ("supplied", "multiline", False)]


def test_a_refused_guard_or_input_changes_nothing(world: World) -> None:
    application = svc.register_application(world.app, world.admin, INTAKE)
    _force(world, application.id, "clarifying", clarify_by=date(2025, 10, 9))
    before = _snapshot(world, application.id)
    with pytest.raises(Conflict):  # the applicant still has time to supplement
        svc.abandon(world.app, world.admin, application.id)
    with pytest.raises(Forbidden):  # a drafter does not manage the clock
        svc.record_supplement(world.app, world.drafter, application.id)
    with pytest.raises(ValidationFailed):
        svc.assign(world.app, world.admin, application.id, "nowhere")
    assert _snapshot(world, application.id) == before


def test_reply_item_and_application_change_in_one_transaction(world: World, monkeypatch) -> None:
    """A failure after the reply item is created leaves no stray draft (it used to commit on its own)."""
    application = svc.register_application(world.app, world.admin, INTAKE)
    before = _snapshot(world, application.id)
    append = audit.append

    def failing_append(session: Any, **event: Any) -> Any:
        if event.get("action") == "reply_drafted":  # the application's own event, after the item exists
            raise Conflict("并发操作冲突，请重试")
        return append(session, **event)

    monkeypatch.setattr(audit, "append", failing_append)
    with pytest.raises(Conflict):
        svc.prepare_reply(world.app, world.drafter, application.id, "disclosed")
    assert _snapshot(world, application.id) == before  # no reply item, application still received
    monkeypatch.setattr(audit, "append", append)
    item = svc.prepare_reply(world.app, world.drafter, application.id, "disclosed")
    replying = svc.get_application(world.app, world.admin, application.id)
    assert (replying.state, replying.reply_item_id, item.kind) == ("replying", item.id, "reply")


def test_an_action_added_to_a_copy_of_the_spec_is_offered_and_runs(world: World) -> None:
    from workflow.applications import journal, transition
    from workflow.applications.clock_actions import admin_only
    from workflow.applications.spec import Input, declare_action

    def remark(change: Any) -> None:
        journal.record(change.db, change.app, change.audit_actor, change.application, "remark", change.from_state,
                       reason=change.values["text"])

    copy = APPLICATION.with_trigger(declare_action("remark", "备注", ("received",), STAY, remark, permission=(admin_only,),
                                            fields=(Input("text", "备注", "multiline", True),)))
    application = svc.register_application(world.app, world.admin, INTAKE)
    offered = transition.permitted_actions(world.app, world.admin, application, spec=copy)
    assert [(a.name, [f.name for f in a.fields]) for a in offered][-1] == ("remark", ["text"])
    assert "remark" not in [a.name for a in svc.available_actions(world.app, world.admin, application)]
    with world.app.db.write() as session:
        transition.run(session, world.app, world.admin, application.id, "remark", {"text": "已电话联系"}, spec=copy)
    assert [e["trigger"] for e in svc.history(world.app, world.admin, application.id)][-1] == "remark"
