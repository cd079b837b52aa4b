"""Property test: random triggers by random actors never break the workflow's invariants."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from db.models import AuditEvent, Decision, Item, Revision
from db.models.referrals import Referral
from tests.conftest import CLEAR, World, item_payload
from workflow import audit
from workflow.errors import DomainError
from workflow.item_spec import TRIGGERS
from workflow.services import items as svc

ACTORS = ("drafter", "drafter2", "reviewer", "approver", "admin", "all_rounder", "other_drafter", "other_reviewer",
          "multi", "admin_drafter")
# Users with several roles who may change someone else's draft and later try to decide on it.
MULTI_ROLE = {"multi": (["drafter", "reviewer", "approver"], ["xsc"]),
              "admin_drafter": (["admin", "drafter", "reviewer", "approver"], ["*"])}
CONTRIBUTING = ("edit", "attach", "detach", "mask", "revise")
DECIDERS = {"pass_review": ("reviewer", "all_rounder", "multi", "admin_drafter"),
            "approve": ("approver", "all_rounder", "multi", "admin_drafter")}
CONTENT_ACTIONS = ("create", "edit", "attachment_add", "attachment_remove", "mask", "revise")
PAYLOADS = st.sampled_from([{}, {"reason": "请修改"}, {"determination": "secret", "answer": "属于国家秘密"}, {"checklist": CLEAR}, {"checklist": {**CLEAR, "sensitive": True}},
                            {"reason": ""}, {"checklist": {**CLEAR, "personal_info": True}, "legal_basis": "依法公示"}])
# Who would plausibly fire each trigger: drawn half of the time so that sequences often get
# far (published, revised…), the other half anyone at all, to probe the guards.
LIKELY = {"submit": "drafter", "withdraw": "drafter2", "pass_review": "reviewer", "return": "all_rounder",
          "approve": "approver", "reject": "approver", "publish": "admin", "archive": "admin",
          "take_down": "admin", "edit": "drafter2", "attach": "multi", "detach": "all_rounder",
          "mask": "admin_drafter", "revise": "drafter2", "refer": "reviewer", "record_referral": "all_rounder"}


LIKELY_PAYLOAD = {"pass_review": {"checklist": CLEAR}, "return": {"reason": "请修改"}, "reject": {"reason": "不予批准"},
                  "take_down": {"reason": "发现问题"}, "refer": {"question": "是否属于国家秘密？"},
                  "record_referral": {"determination": "not_secret", "answer": "不属于国家秘密"}}


@st.composite
def step(draw: st.DrawFn) -> tuple[str, str, dict]:
    trigger = draw(st.sampled_from(TRIGGERS + CONTRIBUTING))
    if trigger in CONTRIBUTING and draw(st.booleans()):  # random contributors: the multi-role users
        return trigger, draw(st.sampled_from(("all_rounder", "multi", "admin_drafter", "drafter2"))), {}
    if trigger in DECIDERS and draw(st.booleans()):  # deciders who may have contributed meanwhile
        return trigger, draw(st.sampled_from(DECIDERS[trigger])), LIKELY_PAYLOAD.get(trigger, {})
    if draw(st.booleans()):
        return trigger, LIKELY[trigger], LIKELY_PAYLOAD.get(trigger, {})
    return trigger, draw(st.sampled_from(ACTORS)), draw(PAYLOADS)


HAPPY = [("submit", "drafter", {}), ("pass_review", "reviewer", {"checklist": CLEAR}), ("approve", "approver", {})]
SUSPECTS = ("all_rounder", "multi", "admin_drafter")


@st.composite
def contributed_then_decided(draw: st.DrawFn) -> list[tuple[str, str, dict]]:
    """A multi-role user changes someone else's draft, then may try to review or approve it."""
    suspect = draw(st.sampled_from(SUSPECTS))
    touches = draw(st.lists(st.sampled_from(("edit", "attach", "detach", "mask")), min_size=1, max_size=3))
    head = [(touch, suspect, {}) for touch in touches] + [("submit", "drafter", {})]
    head.append(("pass_review", draw(st.sampled_from((suspect, "reviewer"))), {"checklist": CLEAR}))
    head.append(("approve", draw(st.sampled_from((suspect, "approver"))), {}))
    return head + draw(st.lists(step(), max_size=8))


# A third of the runs start from a published item (then revise/take down/archive/edit at random),
# a third from a draft that a multi-role user changed before it was submitted.
STEPS = st.one_of(st.lists(step(), min_size=1, max_size=20),
                  st.lists(step(), max_size=12).map(lambda tail: HAPPY + tail),
                  contributed_then_decided())


def _contributors(session, item_id: int | None) -> set[int]:
    """Who changed the content, from the audit trail (independent of the contributors table);
    a revision carries the content, hence the contributors, of the item it supersedes."""
    found: set[int] = set()
    while item_id is not None:
        found |= {actor for actor in session.scalars(select(AuditEvent.actor_id).where(
            AuditEvent.item_id == item_id, AuditEvent.action.in_(CONTENT_ACTIONS))) if actor is not None}
        item_id = session.scalar(select(Item.supersedes_id).where(Item.id == item_id))
    return found


def _check_published_invariants(world: World, item_id: int) -> None:
    with world.app.db.read() as session:
        item = session.get(Item, item_id)
        if item.published_at is None:
            return
        revision = session.scalar(select(Revision).where(Revision.item_id == item_id,
                                                         Revision.number == item.revision))
        decisions = session.scalars(select(Decision).where(Decision.revision_id == revision.id)).all()
        passes = [d for d in decisions if d.kind == "pass_review"]
        approvals = [d for d in decisions if d.kind == "approve"]
        assert passes and approvals, "published without review and approval of the published revision"
        reviewer, approver = passes[-1].actor_id, approvals[-1].actor_id
        people = {reviewer, approver, revision.submitted_by_id, item.author_id}
        assert reviewer != approver
        assert revision.submitted_by_id not in (reviewer, approver) and item.author_id not in (reviewer, approver)
        assert len(people) >= 3
        assert revision.content_hash == item.content_hash
        contributors = _contributors(session, item_id)
        assert reviewer not in contributors, "reviewed by a contributor of the published revision"
        assert approver not in contributors, "approved by a contributor of the published revision"
        answers = session.scalars(select(Referral.determination).where(Referral.revision_id == revision.id)).all()
        assert None not in answers, "published while its referral to the secrecy authority was open"
        assert not {"secret", "partly"} & set(answers), "published a revision the secrecy authority found secret"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(steps=STEPS)
def test_random_sequences_keep_invariants(multi_world: World, steps) -> None:
    from workflow.services import attachments, item_scan
    world = multi_world
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload())
    seen = [item.id]
    for trigger, actor_name, payload in steps:
        actor = getattr(world, actor_name, None) or world.actor(actor_name)
        try:
            if trigger == "edit":
                svc.update_item(app, actor, item.id, {"body": f"修改 {actor_name} 电话13800138000"})
            elif trigger == "attach":
                attachments.add_attachment(app, actor, item.id, f"{actor_name}.txt", "text/plain", b"list")
            elif trigger == "detach":
                current = svc.get_item(app, world.admin, item.id).attachments
                attachments.remove_attachment(app, actor, item.id, current[0].id if current else -1)
            elif trigger == "mask":
                item_scan.apply_masking(app, actor, item.id)
            elif trigger == "revise":
                item = svc.revise(app, actor, item.id)
                seen.append(item.id)
            else:
                svc.transition(app, actor, item.id, trigger, dict(payload))
        except DomainError:
            pass  # refusals are expected; they must simply change nothing harmful
        for item_id in seen:
            _check_published_invariants(world, item_id)
    with world.app.db.read() as session:
        event(f"final state: {session.get(Item, item.id).state}")
    with app.db.read() as session:
        assert audit.verify(session).ok


@pytest.fixture
def multi_world(world: World) -> World:
    """The world plus multi-role users (``multi``; ``admin_drafter``: an admin who also drafts)."""
    from workflow.services.users import add_user
    for name, (roles, scope) in MULTI_ROLE.items():
        add_user(world.app, name, roles=roles, departments=scope, password="password-123")
    return world
