"""Hole 1 (issue 10): a reply letter to an application never reaches the public.

The reply item is approved while its application is in third-party consultation (the hook
used to act only on ``replying``): no public surface may return the letter. Then the same
question structurally: whatever state the reply item and its application are in (set
directly, as a SQL console or a future code path might), no public read returns a reply.
"""
from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from db.models import Item
from db.models.applications import Application
from tests.conftest import CLEAR, World, item_payload
from workflow.clock import SHANGHAI
from workflow.errors import NotFound
from workflow.services import applications as requests
from workflow.services import attachments, queries
from workflow.services import items as svc

APPLICANT = "李四申请人"
REQUEST = "请公开本人2024年奖学金评审材料"
SEARCHED = "奖学金评审材料"  # words of the letter
INTAKE = {"applicant_kind": "natural", "name": APPLICANT, "contact": "lisi@example.com",
          "request_text": REQUEST, "delivery_form": "email", "channel": "post",
          "received_at": "2025-09-26T09:00:00+08:00"}


def _reply_in_review(world: World) -> tuple[int, int, int]:
    """An application with a reply item (one attachment) that has passed secrecy review."""
    app = world.app
    application = requests.register_application(app, world.admin, INTAKE)
    requests.assign(app, world.admin, application.id, "xsc")
    reply = requests.prepare_reply(app, world.drafter, application.id, "disclosed", supplied="评审材料见附件。")
    row = attachments.add_attachment(app, world.drafter, reply.id, "答复附件.txt", "text/plain",
                                     f"{APPLICANT} {REQUEST}".encode())
    svc.submit(app, world.drafter, reply.id)
    svc.pass_review(app, world.reviewer, reply.id, checklist=CLEAR)
    return application.id, reply.id, row.id


def _published_disclosure(world: World) -> int:
    """A normal published item: the control that the public surfaces do work."""
    item = svc.create_item(world.app, world.drafter2, item_payload(title="2025年学生资助政策公告"))
    svc.submit(world.app, world.drafter2, item.id)
    svc.pass_review(world.app, world.reviewer, item.id, checklist=CLEAR)
    svc.approve(world.app, world.approver, item.id)
    return item.id


def _assert_no_public_surface_returns(client, world: World, reply_id: int, attachment_id: int,
                                      control_id: int) -> None:
    app = world.app
    for path in ("/public/", f"/public/?q={SEARCHED}", "/public/?catalog=1", "/public/feed.atom",
                 "/api/v1/public/items", f"/api/v1/public/items?q={SEARCHED}", "/api/v1/public/items?per_page=100"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)  # a search page echoes its query, never the letter
        assert APPLICANT not in text and REQUEST not in text and "答复书" not in text, path
    assert "2025年学生资助政策公告" in client.get("/public/").get_data(as_text=True)  # control
    assert client.get(f"/public/items/{control_id}").status_code == 200
    page = client.get(f"/public/items/{reply_id}")
    assert page.status_code == 404 and APPLICANT not in page.get_data(as_text=True)
    assert client.get(f"/public/items/{reply_id}/attachments/{attachment_id}").status_code == 404
    # the service layer behind them, and staff of another department (who see what the public sees)
    assert reply_id not in [i.id for i in queries.public_items(app, per_page=100).items]
    assert queries.public_items(app, q=APPLICANT).total == queries.public_items(app, q=SEARCHED).total == 0
    assert sum(queries.published_counts_by_catalog(app).values()) == queries.public_items(app).total
    with pytest.raises(NotFound):
        queries.public_item(app, reply_id)
    with pytest.raises(NotFound):
        attachments.get_attachment(app, None, reply_id, attachment_id)
    with pytest.raises(NotFound):
        svc.get_item(app, world.other_drafter, reply_id)
    with pytest.raises(NotFound):
        attachments.get_attachment(app, world.other_reviewer, reply_id, attachment_id)


def test_reply_approved_during_consultation_is_never_public(world: World, client) -> None:
    app = world.app
    control = _published_disclosure(world)
    application_id, reply_id, attachment_id = _reply_in_review(world)
    requests.start_consultation(app, world.admin, application_id, "第三方：某企业")
    svc.approve(app, world.approver, reply_id)  # approved while the application is 'consulting'
    _assert_no_public_surface_returns(client, world, reply_id, attachment_id, control)
    assert svc.get_item(app, world.admin, reply_id).state == "archived"
    assert requests.get_application(app, world.admin, application_id).state == "replied"
    token_client = client
    from workflow.services.users import create_token
    other = token_client.get(f"/api/v1/items/{reply_id}",
                             headers={"Authorization": f"Bearer {create_token(app, 'other_reviewer')}"})
    assert other.status_code == 404


def test_reply_carries_no_catalog_entry_and_cannot_be_given_one(world: World) -> None:
    from workflow.errors import ValidationFailed
    _application_id, reply_id, _ = _reply_in_review(world)
    reply = svc.get_item(world.app, world.admin, reply_id)
    assert reply.kind == "reply" and reply.catalog_code is None
    draft = requests.register_application(world.app, world.admin, INTAKE)
    requests.assign(world.app, world.admin, draft.id, "xsc")
    second = requests.prepare_reply(world.app, world.drafter, draft.id, "disclosed")
    with pytest.raises(ValidationFailed) as refused:
        svc.update_item(world.app, world.drafter, second.id, {"catalog_code": "1"})
    assert refused.value.code == "reply_without_catalog"
    svc.update_item(world.app, world.drafter, second.id, {"body": "答复如下。"})
    svc.submit(world.app, world.drafter, second.id)  # no 清单 entry needed for a reply


ITEM_STATES = ("draft", "secrecy_review", "approval", "scheduled", "published", "archived")
APPLICATION_STATES = ("received", "consulting", "clarifying", "replying", "replied", "abandoned")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(combos=st.lists(st.tuples(st.sampled_from(ITEM_STATES), st.sampled_from(APPLICATION_STATES), st.booleans()),
                       min_size=1, max_size=3))
def test_no_state_combination_makes_a_reply_public(reply_world, client, combos) -> None:
    world, application_id, reply_id, attachment_id, control = reply_world
    for item_state, application_state, stamped in combos:
        with world.app.db.write() as session:  # as a SQL console or a future code path might
            session.execute(update(Item).where(Item.id == reply_id).values(
                state=item_state, published_at=datetime(2025, 9, 26, 9, tzinfo=SHANGHAI) if stamped else None,
                archive_reason=None, archived_at=None))
            session.execute(update(Application).where(Application.id == application_id)
                            .values(state=application_state))
        _assert_no_public_surface_returns(client, world, reply_id, attachment_id, control)
        report = __import__("workflow.services.reports", fromlist=["annual_report"]).annual_report(
            world.app, world.admin, "2025-2026")
        assert report.active.total == 1  # the control only


@pytest.fixture
def reply_world(world: World):
    control = _published_disclosure(world)
    application_id, reply_id, attachment_id = _reply_in_review(world)
    return world, application_id, reply_id, attachment_id, control
