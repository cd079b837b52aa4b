"""The verbs behind 已办 / 我发起的 / 已退回 and the confirmation before publication, without the web layer."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from db.models import AuditEvent
from tests.conftest import CLEAR, World, item_payload
from workflow.errors import InvalidState, StaleVersion
from workflow.item_spec import ITEM_SPEC
from workflow.services import items as svc
from workflow.services import publication, worklists


def _events(world: World) -> int:
    with world.app.db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_check_transition_judges_like_the_verb_and_writes_nothing(world: World) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload(publish_at="2025-10-09T09:00:00+08:00"))
    svc.submit(world.app, world.drafter, item.id)
    with pytest.raises(InvalidState):
        svc.check_transition(world.app, world.approver, item.id, "approve")  # still in secrecy review
    svc.pass_review(world.app, world.reviewer, item.id, checklist=CLEAR)
    before = _events(world)
    checked = svc.check_transition(world.app, world.approver, item.id, "approve")
    assert checked.new_state == "scheduled" and checked.votes_still_needed == 0
    now = svc.check_transition(world.app, world.approver, item.id, "approve", {"publish_at": "2025-09-26T09:00:00+08:00"})
    assert now.new_state == "published"
    with pytest.raises(StaleVersion):
        svc.check_transition(world.app, world.approver, item.id, "approve", expected_version=1)
    assert _events(world) == before and svc.get_item(world.app, world.admin, item.id).state == "approval"
    shown = publication.preview(world.app, world.approver, item.id, "approve")
    assert shown.publish_at is not None and not shown.now and shown.channels == ("website", "wechat")


def test_goes_public_follows_the_spec() -> None:
    assert {name for name, trigger in ITEM_SPEC.triggers.items() if publication.goes_public(trigger)} == \
        {"approve", "publish"}


def test_the_lists_follow_what_the_user_may_see_now(world: World) -> None:
    draft = svc.create_item(world.app, world.drafter, item_payload(title="退回的草稿"))
    svc.submit(world.app, world.drafter, draft.id)
    svc.return_item(world.app, world.reviewer, draft.id, reason="请补充依据")
    done = worklists.done_items(world.app, world.reviewer)
    assert [row.item.id for row in done.items] == [draft.id] and done.items[0].internal
    assert done.items[0].returned.reason == "请补充依据" and done.items[0].handled.decision == "return"
    moved = replace(world.reviewer, department_ids=world.other_reviewer.department_ids)  # now at 教务处
    assert worklists.done_items(world.app, moved).total == 0  # the old department's draft is not theirs to see
    assert [row.item.id for row in worklists.submitted_items(world.app, world.drafter).items] == [draft.id]
    assert worklists.submitted_items(world.app, world.drafter2).total == 0
    current = svc.get_item(world.app, world.drafter, draft.id)
    assert worklists.returned_marks(world.app, [current])[draft.id].by == "reviewer"
