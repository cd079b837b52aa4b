"""Hole 2 (issue 10): separation of duties covers everyone who changed the content.

``all_rounder`` holds drafter, reviewer and approver for xsc. Editing the body of someone
else's draft, adding or removing an attachment, applying masking or starting a revision
makes them a contributor of that item: they may then neither pass its review nor approve it,
and the permitted actions (what the UI and API offer) say so.
"""
from __future__ import annotations

from typing import Callable

import pytest

from tests.conftest import CLEAR, World, item_payload
from workflow.errors import Forbidden
from workflow.services import attachments, item_scan
from workflow.services import items as svc


def _edit_body(world: World, item_id: int) -> None:
    svc.update_item(world.app, world.all_rounder, item_id, {"body": "经评审，现将结果公布如下（已补充）。"})


def _add_attachment(world: World, item_id: int) -> None:
    attachments.add_attachment(world.app, world.all_rounder, item_id, "名单.txt", "text/plain", "获奖名单".encode())


def _remove_attachment(world: World, item_id: int) -> None:
    row = attachments.add_attachment(world.app, world.drafter, item_id, "旧名单.txt", "text/plain", b"old")
    attachments.remove_attachment(world.app, world.all_rounder, item_id, row.id)


def _mask(world: World, item_id: int) -> None:
    svc.update_item(world.app, world.drafter, item_id, {"body": "联系人电话13800138000。"})
    item_scan.apply_masking(world.app, world.all_rounder, item_id)


EDITS: dict[str, Callable[[World, int], None]] = {
    "body": _edit_body, "attachment_add": _add_attachment, "attachment_remove": _remove_attachment, "mask": _mask}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_contributor_may_not_pass_review(world: World, edit: str) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    EDITS[edit](world, item.id)
    svc.submit(app, world.drafter, item.id)
    assert "pass_review" not in svc.available_actions(app, world.all_rounder, svc.get_item(app, world.admin, item.id))
    with pytest.raises(Forbidden) as refused:
        svc.pass_review(app, world.all_rounder, item.id, checklist=CLEAR)
    assert refused.value.code == "separation_of_duties"
    assert "修改过本稿" in refused.value.message
    svc.pass_review(app, world.reviewer, item.id, checklist=CLEAR)  # someone else still can


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_contributor_may_not_approve(world: World, edit: str) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    EDITS[edit](world, item.id)
    svc.submit(app, world.drafter, item.id)
    svc.pass_review(app, world.reviewer, item.id, checklist=CLEAR)
    assert "approve" not in svc.available_actions(app, world.all_rounder, svc.get_item(app, world.admin, item.id))
    with pytest.raises(Forbidden) as refused:
        svc.approve(app, world.all_rounder, item.id)
    assert refused.value.code == "separation_of_duties"
    assert svc.approve(app, world.approver, item.id).state == "published"


def test_contribution_holds_for_later_revisions_and_for_revise(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    _edit_body(world, item.id)
    svc.submit(app, world.drafter, item.id)
    svc.return_item(app, world.reviewer, item.id, reason="请修改")
    svc.update_item(app, world.drafter, item.id, {"title": "2025年国家奖学金评审结果（修改）"})
    svc.submit(app, world.drafter, item.id)  # revision 2: the all-rounder's words are still in it
    with pytest.raises(Forbidden):
        svc.pass_review(app, world.all_rounder, item.id, checklist=CLEAR)
    svc.pass_review(app, world.reviewer, item.id, checklist=CLEAR)
    svc.approve(app, world.approver, item.id)
    # a revision copies the content: the old contributors and the reviser are contributors of it
    revision = svc.revise(app, world.drafter2, item.id)
    svc.submit(app, world.drafter2, revision.id)
    with pytest.raises(Forbidden):
        svc.pass_review(app, world.all_rounder, revision.id, checklist=CLEAR)
    with pytest.raises(Forbidden):
        svc.pass_review(app, world.drafter2, revision.id, checklist=CLEAR)


def test_my_tasks_do_not_offer_a_contributor_the_review(world: World) -> None:
    from workflow.services import queries
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    _add_attachment(world, item.id)
    svc.submit(app, world.drafter, item.id)
    assert item.id not in [i.id for i in queries.my_tasks(app, world.all_rounder).items]
    assert item.id in [i.id for i in queries.my_tasks(app, world.reviewer).items]
