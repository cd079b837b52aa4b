"""委托 (delegation) on both databases: setting it, its window, acting 乙 代 甲, separation of duties for both."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from db.models import AuditEvent, Decision, Notification, User
from db.models.delegations import Delegation
from tests.conftest import CLEAR, World, item_payload
from workflow.clock import SHANGHAI
from workflow.errors import Conflict, Forbidden, NotFound, ValidationFailed
from workflow.records.model import from_database
from workflow.records.verify import verify
from workflow.services import delegations, queries
from workflow.services import items as svc
from workflow.services.users import add_user

# The fixed clock stands at Friday 2025-09-26 10:00 Asia/Shanghai.


def _delegate(world: World, who, delegate: str, starts_on: str = "2025-09-26", ends_on: str = "2025-09-30"):
    return delegations.set_delegation(world.app, who, {"delegate": delegate, "starts_on": starts_on,
                                                       "ends_on": ends_on})


def _in_review(world: World, author=None) -> int:
    author = author or world.drafter
    item = svc.create_item(world.app, author, item_payload())
    svc.submit(world.app, author, item.id)
    return item.id


def _task_ids(world: World, who) -> list[int]:
    return [item.id for item in queries.my_tasks(world.app, who).items]


def _decision(world: World, item_id: int, kind: str) -> tuple[str, str | None]:
    with world.app.db.read() as session:
        row = session.scalars(select(Decision).where(Decision.item_id == item_id, Decision.kind == kind)).one()
        names = dict(session.execute(select(User.id, User.username)).all())
        return names[row.actor_id], names.get(row.acted_by_id)


def test_the_delegate_acts_for_the_delegator(world: World) -> None:
    item_id = _in_review(world)
    assert item_id not in _task_ids(world, world.other_reviewer)
    with pytest.raises(NotFound):
        svc.transition(world.app, world.other_reviewer, item_id, "pass_review", {"checklist": CLEAR})
    _delegate(world, world.reviewer, "other_reviewer")
    assert item_id in _task_ids(world, world.other_reviewer)
    marks = queries.delegated_marks(world.app, world.other_reviewer, queries.my_tasks(world.app, world.other_reviewer).items)
    assert marks[item_id].username == "reviewer"
    # the delegate opens the item as the delegator would
    assert svc.internal_view(world.app, world.other_reviewer, svc.get_item(world.app, world.other_reviewer, item_id))
    assert "pass_review" in {a.name for a in svc.item_actions(world.app, world.other_reviewer,
                                                              svc.get_item(world.app, world.other_reviewer, item_id))}
    item = svc.transition(world.app, world.other_reviewer, item_id, "pass_review",
                          {"checklist": CLEAR, "opinion": "同意公开"})
    assert item.state == "approval"
    assert _decision(world, item_id, "pass_review") == ("reviewer", "other_reviewer")
    assert item.reviewed_by_id == world.reviewer.id  # the decider of record
    row = queries.item_history(world.app, world.admin, item_id)[-1]
    assert (row["actor"], row["on_behalf_of"], row["acted_by"]) == ("other_reviewer", "reviewer", "other_reviewer")
    with world.app.db.read() as session:
        told = session.scalars(select(Notification).where(Notification.user_id == world.reviewer.id,
                                                          Notification.kind == "acted_for")).all()
        event = session.scalars(select(AuditEvent).where(AuditEvent.item_id == item_id)
                                .order_by(AuditEvent.seq.desc()).limit(1)).one()
        record = from_database(session, session.get(type(item), item_id))
    assert len(told) == 1 and "2025年国家奖学金评审结果" in told[0].title and "审查通过" in told[0].title
    assert "other_reviewer" in told[0].body
    assert event.actor_name == "other_reviewer" and event.data["on_behalf_of"] == "reviewer"
    entry = record.entries[-1]
    assert (entry.person.username, entry.acted_by.username) == ("reviewer", "other_reviewer")
    # the printed record says 乙 代 甲, and its QR check finds the database and the audit trail agreeing
    from workflow.services import records
    html = records.record_page(world.app, world.admin, item_id)
    with world.app.db.read() as session:
        from workflow.records.model import from_audit, item_events
        stored = session.get(type(item), item_id)
        paper = from_audit(session, from_database(session, stored), item_events(session, item_id)).record.digest
        checked = verify(session, stored, paper)
    assert checked.consistent, checked.differences
    assert "other_reviewer 代 reviewer" in html
    # the task is gone for both
    assert item_id not in _task_ids(world, world.other_reviewer)
    assert item_id not in _task_ids(world, world.reviewer)


def test_acting_as_oneself_comes_first(world: World) -> None:
    item_id = _in_review(world)
    _delegate(world, world.all_rounder, "reviewer")  # the reviewer may review xsc items himself
    svc.transition(world.app, world.reviewer, item_id, "pass_review", {"checklist": CLEAR})
    assert _decision(world, item_id, "pass_review") == ("reviewer", None)


@pytest.mark.parametrize("moment, active", [
    (datetime(2025, 9, 30, 23, 59, tzinfo=SHANGHAI), True),     # the last day, one minute before midnight
    (datetime(2025, 10, 1, 0, 0, tzinfo=SHANGHAI), False),      # the day after ends_on: over, no job needed
    (datetime(2025, 9, 28, 9, 0, tzinfo=SHANGHAI), True),       # a Sunday (a make-up workday) inside the range
])
def test_the_window_switches_at_local_midnight(world: World, clock, moment, active) -> None:
    item_id = _in_review(world)
    _delegate(world, world.reviewer, "other_reviewer", "2025-09-26", "2025-09-30")
    clock.set(moment)
    assert (item_id in _task_ids(world, world.other_reviewer)) is active
    if active:
        svc.transition(world.app, world.other_reviewer, item_id, "pass_review", {"checklist": CLEAR})
    else:
        with pytest.raises(NotFound):
            svc.transition(world.app, world.other_reviewer, item_id, "pass_review", {"checklist": CLEAR})


def test_a_range_over_the_national_day_holiday_counts_calendar_days(world: World, clock) -> None:
    item_id = _in_review(world)
    _delegate(world, world.reviewer, "other_reviewer", "2025-10-01", "2025-10-08")
    assert item_id not in _task_ids(world, world.other_reviewer)   # starting later: not active yet
    clock.set(datetime(2025, 9, 30, 23, 59, tzinfo=SHANGHAI))
    assert item_id not in _task_ids(world, world.other_reviewer)
    clock.set(datetime(2025, 10, 1, 0, 0, tzinfo=SHANGHAI))        # a holiday: delegated all the same
    assert item_id in _task_ids(world, world.other_reviewer)
    clock.set(datetime(2025, 10, 8, 23, 59, tzinfo=SHANGHAI))
    assert item_id in _task_ids(world, world.other_reviewer)
    clock.set(datetime(2025, 10, 9, 0, 0, tzinfo=SHANGHAI))
    assert item_id not in _task_ids(world, world.other_reviewer)


def test_starting_tomorrow_is_not_active_today(world: World) -> None:
    item_id = _in_review(world)
    view = _delegate(world, world.reviewer, "other_reviewer", "2025-09-27", "2025-10-03")
    assert not view.active
    assert item_id not in _task_ids(world, world.other_reviewer)
    assert delegations.get_delegation(world.app, world.reviewer).starts_on.isoformat() == "2025-09-27"


def test_separation_of_duties_binds_the_delegate(world: World) -> None:
    # the delegate drafted the item: he may not approve it, for anyone
    item = svc.create_item(world.app, world.all_rounder, item_payload())
    svc.submit(world.app, world.all_rounder, item.id)
    svc.transition(world.app, world.reviewer, item.id, "pass_review", {"checklist": CLEAR})
    _delegate(world, world.approver, "all_rounder")
    assert item.id not in _task_ids(world, world.all_rounder)
    with pytest.raises(Forbidden) as refused:
        svc.approve(world.app, world.all_rounder, item.id)
    assert refused.value.code == "separation_of_duties"
    assert "approve" not in {a.name for a in svc.item_actions(world.app, world.all_rounder,
                                                              svc.get_item(world.app, world.all_rounder, item.id))}


def test_separation_of_duties_binds_the_delegator(world: World) -> None:
    # the delegator drafted the item: his delegate may not review it for him
    item = svc.create_item(world.app, world.all_rounder, item_payload())
    svc.submit(world.app, world.all_rounder, item.id)
    _delegate(world, world.all_rounder, "other_reviewer")
    assert item.id not in _task_ids(world, world.other_reviewer)
    with pytest.raises(Forbidden) as refused:
        svc.transition(world.app, world.other_reviewer, item.id, "pass_review", {"checklist": CLEAR})
    assert refused.value.code == "separation_of_duties"


def test_who_passed_the_review_for_someone_does_not_approve(world: World) -> None:
    item_id = _in_review(world)
    _delegate(world, world.reviewer, "other_reviewer")
    _delegate(world, world.approver, "other_reviewer")
    svc.transition(world.app, world.other_reviewer, item_id, "pass_review", {"checklist": CLEAR})
    assert item_id not in _task_ids(world, world.other_reviewer)
    with pytest.raises(Forbidden) as refused:
        svc.approve(world.app, world.other_reviewer, item_id)
    assert refused.value.code == "separation_of_duties"
    svc.approve(world.app, world.approver, item_id)  # the approver himself still may


def test_several_delegators_need_a_choice(world: World) -> None:
    item_id = _in_review(world)
    _delegate(world, world.reviewer, "other_reviewer")
    _delegate(world, world.all_rounder, "other_reviewer")
    with pytest.raises(Conflict) as ambiguous:
        svc.transition(world.app, world.other_reviewer, item_id, "pass_review", {"checklist": CLEAR})
    assert ambiguous.value.code == "delegation_ambiguous"
    assert sorted(ambiguous.value.details["on_behalf_of"]) == ["all_rounder", "reviewer"]
    with pytest.raises(Forbidden) as not_theirs:
        svc.transition(world.app, world.other_reviewer, item_id, "pass_review", {"checklist": CLEAR},
                       on_behalf_of="approver")
    assert not_theirs.value.code == "not_a_delegate"
    svc.transition(world.app, world.other_reviewer, item_id, "pass_review", {"checklist": CLEAR},
                   on_behalf_of="all_rounder")
    assert _decision(world, item_id, "pass_review") == ("all_rounder", "other_reviewer")


def test_drafting_is_not_delegated(world: World) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload())
    _delegate(world, world.drafter, "other_drafter")
    with pytest.raises(NotFound):
        svc.submit(world.app, world.other_drafter, item.id)


@pytest.mark.parametrize("body, code", [
    ({"delegate": "reviewer", "starts_on": "2025-09-26", "ends_on": "2025-09-30"}, "delegate_is_self"),
    ({"delegate": "nobody", "starts_on": "2025-09-26", "ends_on": "2025-09-30"}, "unknown_delegate"),
    ({"delegate": "retired", "starts_on": "2025-09-26", "ends_on": "2025-09-30"}, "unknown_delegate"),
    ({"delegate": "approver", "starts_on": "2025-09-30", "ends_on": "2025-09-26"}, "invalid_range"),
    ({"delegate": "approver", "starts_on": "2025-09-01", "ends_on": "2025-09-25"}, "ends_in_past"),
    ({"delegate": "approver", "starts_on": "2025-09-26", "ends_on": "2026-09-26"}, "range_too_long"),
    ({"delegate": "approver", "starts_on": "9999-01-01", "ends_on": "9999-12-31"}, "invalid_value"),
    ({"delegate": "approver", "starts_on": 20250926, "ends_on": "2025-09-30"}, "invalid_type"),
    ({"delegate": ["approver"], "starts_on": "2025-09-26", "ends_on": "2025-09-30"}, "invalid_type"),
    ({"delegate": "appro\x00ver", "starts_on": "2025-09-26", "ends_on": "2025-09-30"}, "invalid_value"),
    ({"delegate": "approver", "starts_on": "2025-09-26"}, "ends_on_required"),
    ({"delegate": "approver", "starts_on": "2025-09-26", "ends_on": "2025-09-30", "x": 1}, "unknown_field"),
])
def test_bad_delegations_are_refused(world: World, body, code) -> None:
    add_user(world.app, "retired", roles=["reviewer"], departments=["xsc"], password="password-123")
    from sqlalchemy import update
    with world.app.db.write() as session:
        session.execute(update(User).where(User.username == "retired").values(active=False))
    with pytest.raises(ValidationFailed) as refused:
        delegations.set_delegation(world.app, world.reviewer, body)
    assert refused.value.code == code
    with world.app.db.read() as session:
        assert session.scalars(select(Delegation)).all() == []


def test_chains_are_refused_both_ways(world: World) -> None:
    _delegate(world, world.approver, "other_reviewer", "2025-09-29", "2025-10-03")
    # the approver is away from the 29th: nobody delegates to him over those dates
    with pytest.raises(Conflict) as away:
        _delegate(world, world.reviewer, "approver", "2025-09-26", "2025-09-29")
    assert away.value.code == "delegation_chain"
    _delegate(world, world.reviewer, "approver", "2025-09-26", "2025-09-28")  # before he leaves: fine
    # other_reviewer represents the approver from the 29th: he may not delegate in turn then
    with pytest.raises(Conflict) as acting:
        _delegate(world, world.other_reviewer, "drafter", "2025-10-01", "2025-10-02")
    assert acting.value.code == "delegation_chain"


def test_a_new_delegation_replaces_the_old_and_ending_keeps_history(world: World, clock) -> None:
    first = _delegate(world, world.reviewer, "other_reviewer")
    second = _delegate(world, world.reviewer, "approver", "2025-09-27", "2025-10-02")
    assert delegations.get_delegation(world.app, world.reviewer).id == second.id
    assert [view.id for view in delegations.history(world.app, world.reviewer)] == [second.id, first.id]
    ended = delegations.end_delegation(world.app, world.reviewer)
    assert ended.ended_at is not None
    with pytest.raises(NotFound):
        delegations.get_delegation(world.app, world.reviewer)
    with pytest.raises(NotFound):
        delegations.end_delegation(world.app, world.reviewer)
    with world.app.db.read() as session:
        assert len(session.scalars(select(Delegation)).all()) == 2   # rows are never deleted
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.subject == "user:reviewer")).all()
    assert actions.count("delegation_set") == 2 and actions.count("delegation_end") == 1


def test_a_range_begun_already_counts_from_today(world: World) -> None:
    view = _delegate(world, world.reviewer, "other_reviewer", "2025-09-20", "2025-09-30")
    assert view.starts_on.isoformat() == "2025-09-26" and view.active


def test_only_admins_set_someone_elses(world: World) -> None:
    with pytest.raises(Forbidden):
        delegations.set_delegation(world.app, world.drafter, {"delegate": "approver", "starts_on": "2025-09-26",
                                                              "ends_on": "2025-09-27"}, "reviewer")
    view = delegations.set_delegation(world.app, world.admin, {"delegate": "other_reviewer", "starts_on": "2025-09-26",
                                                               "ends_on": "2025-09-27"}, "reviewer")
    assert view.user.username == "reviewer"
    assert [v.id for v in delegations.list_delegations(world.app, world.admin)] == [view.id]
    with pytest.raises(Forbidden):
        delegations.list_delegations(world.app, world.reviewer)
    with world.app.db.read() as session:
        told = session.scalars(select(Notification).where(Notification.user_id == world.other_reviewer.id,
                                                          Notification.kind == "delegation")).all()
    assert len(told) == 1


def test_what_a_delegate_did_is_in_their_done_list(world: World) -> None:
    from workflow.services import worklists
    item_id = _in_review(world)
    _delegate(world, world.reviewer, "approver")     # a colleague of the same department stands in
    svc.transition(world.app, world.approver, item_id, "pass_review", {"checklist": CLEAR})
    done = worklists.done_items(world.app, world.approver)
    assert [(row.item.id, row.handled.decision) for row in done.items] == [(item_id, "pass_review")]
    assert [row.item.id for row in worklists.done_items(world.app, world.reviewer).items] == [item_id]
    # and, having passed the review for the reviewer, the approver may not approve it
    assert item_id not in _task_ids(world, world.approver)
