"""Verbs on disclosure items: create, edit, the nine triggers, revise, read.

Every verb opens exactly one write transaction: the state change, the revision or decision
rows, the audit event and whatever hooks write (notifications, reminders) commit together
or not at all. A concurrent change is reported as ``StaleVersion`` (HTTP 409).
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Any, Iterator, Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defaultload, lazyload
from sqlalchemy.orm.exc import StaleDataError

from db.models import Attachment, CatalogEntry, Decision, Department, Item, Revision, User
from db.models.items import DISCLOSURE, KINDS, REPLY
from workflow import audit, contributors, deadlines
from workflow.access import DRAFTER, Actor, can_view_item, require_role, sees_internals
from workflow.context import Gongkai
from workflow.errors import BadInput, Conflict, InvalidState, NotFound, StaleVersion, ValidationFailed
from workflow.findings import accept_findings, current_revision, open_blocking_findings, record_scan
from workflow.hooks import TransitionEvent, run_after_transition, run_deadlines_changed
from workflow.inputs import parse_datetime, parse_item_fields, parse_reason
from workflow.machine import OPEN_STATES, TRIGGERS, TransitionContext, fire, permitted_triggers
from workflow.revisions import content_hash, snapshot

SUPERSEDED = "superseded"


@contextmanager
def write_transaction(app: Gongkai) -> Iterator[Session]:
    """A write transaction whose lost-update and chain races surface as 409 Conflict."""
    try:
        with app.db.write() as session:
            yield session
    except StaleDataError as error:
        raise StaleVersion("该事项已被他人修改，请刷新后重试", details={"detail": str(error)[:200]}) from error
    except IntegrityError as error:
        if "audit_events" in str(error.orig) or "seq" in str(error.orig):
            raise StaleVersion("并发操作冲突，请重试") from error
        raise


# What a verb and the item's API shape (views.item_to_dict) need: the author's and submitter's
# roles and department scopes (selectin collections of User) are loaded only if touched inside the
# session. Eager-loading them cost 2-4 extra queries per transition (see bench.transitions).
ITEM_LOAD_OPTIONS = (
    defaultload(Item.author).lazyload(User.role_rows), defaultload(Item.author).lazyload(User.departments),
    defaultload(Item.submitted_by).lazyload(User.role_rows),
    defaultload(Item.submitted_by).lazyload(User.departments),
)

USER_LOAD_OPTIONS = (lazyload(User.role_rows), lazyload(User.departments))


def load_visible(session: Session, actor: Actor, item_id: int) -> Item:
    """The item, or NotFound when it does not exist or the actor may not see it."""
    item = session.get(Item, item_id, options=ITEM_LOAD_OPTIONS)
    if item is None or not can_view_item(actor, item.department_id, item.state, item.kind):
        raise NotFound("事项不存在或您无权查看", code="item_not_found")
    return item


def load_internal(session: Session, actor: Actor, item_id: int) -> Item:
    """The item with its internals (history, findings, earlier revisions): the department scope
    and admins only; NotFound for everyone else, published or not (``access.sees_internals``)."""
    item = session.get(Item, item_id, options=ITEM_LOAD_OPTIONS)
    if item is None or not sees_internals(actor, item.department_id):
        raise NotFound("事项不存在或您无权查看", code="item_not_found")
    return item


def internal_view(actor: Actor, item: Item) -> bool:
    """Whether ``actor`` sees ``item``'s internals or only what the public sees of it."""
    return sees_internals(actor, item.department_id)


def loaded(session: Session, item: Item) -> Item:
    """Flush; the relationships read after the session closes (department, author, submitter,
    attachments) are kept in step with their foreign keys by the verbs themselves, which is
    much cheaper than reloading the row."""
    session.flush()
    return item


def _user(session: Session, user_id: int | None) -> User | None:
    return session.get(User, user_id, options=USER_LOAD_OPTIONS) if user_id is not None else None


def _check_version(item: Item, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != item.version:
        raise StaleVersion("该事项已被他人修改（当前版本 %(current)d，您的版本 %(yours)d），请刷新后重试",
                           current=item.version, yours=expected_version,
                           details={"current_version": item.version})


def _department_by_code(session: Session, code: str) -> Department:
    department = session.scalar(select(Department).where(Department.code == code))
    if department is None or not department.active:
        raise ValidationFailed("未知的部门：%(dept)s", code="unknown_department", field="department", dept=code)
    return department


def _check_catalog(session: Session, code: str) -> None:
    entry = session.get(CatalogEntry, code)
    if entry is None or not entry.active:
        raise ValidationFailed("未知的清单事项：%(catalog)s", code="unknown_catalog_code", field="catalog_code",
                               catalog=code)


def _apply_fields(app: Gongkai, session: Session, item: Item, values: Mapping[str, Any]) -> None:
    if "catalog_code" in values:
        _check_catalog(session, values["catalog_code"])
    publish_at = values.get("publish_at", item.publish_at)
    display_until = values.get("display_until", item.display_until)
    if publish_at and display_until and display_until <= publish_at:
        raise ValidationFailed("公示截止时间必须晚于发布时间", code="invalid_value", field="display_until")
    formed_on = values.get("formed_on")
    if formed_on is not None and formed_on > deadlines.local_date(app.now()):
        raise ValidationFailed("信息形成日期不能晚于今天", code="invalid_value", field="formed_on")
    for key, value in values.items():
        if key != "department":
            setattr(item, key, value)
    if "formed_on" in values:
        refresh_deadlines(app, item)


def refresh_deadlines(app: Gongkai, item: Item) -> None:
    """Recompute ``publish_deadline`` and the current stage's due date from the calendar."""
    calendar = app.calendar
    result = deadlines.publish_deadline(calendar, item.formed_on, app.settings)
    item.publish_deadline, item.deadline_estimated = result.deadline, result.estimated
    item.stage_due = deadlines.stage_due(calendar, item.state, item.stage_entered_at, item.publish_deadline,
                                         app.settings)


def create_item(app: Gongkai, actor: Actor, data: Mapping[str, Any], *, kind: str = DISCLOSURE) -> Item:
    """Create a draft in a department the actor drafts for (one transaction: ``create_item_in``)."""
    with write_transaction(app) as session:
        return create_item_in(session, app, actor, data, kind=kind)


def create_item_in(session: Session, app: Gongkai, actor: Actor, data: Mapping[str, Any], *,
                   kind: str = DISCLOSURE) -> Item:
    """Create a draft inside the caller's transaction, so a composite verb (an application's reply)
    commits the draft together with its own changes or not at all.

    ``kind`` is set by the code path, never by the client: ``reply`` only for the reply letter of
    an application (``workflow.applications.reply``), which carries no 清单 entry.
    """
    if kind not in KINDS:
        raise BadInput("未知的事项类型：%(kind)s", code="invalid_value", kind=str(kind)[:20])
    fields = parse_item_fields(data, app.settings, creating=True, with_catalog=kind != REPLY)
    now = app.now()
    department = _department_by_code(session, fields.values["department"])
    require_role(actor, DRAFTER, department.id)
    item = Item(department=department, author=_user(session, actor.id), state="draft", stage_entered_at=now,
                stage_entry=1, created_at=now, updated_at=now, channels=[], attachments=[], submitted_by=None,
                kind=kind)
    _apply_fields(app, session, item, fields.values)
    session.add(item)
    session.flush()
    contributors.record(session, item.id, actor, now, "create")
    run_deadlines_changed(app, session, item)
    audit.append(session, at=now, actor=actor, subject=f"item:{item.id}", item_id=item.id, action="create",
                 to_state="draft", data={"title": item.title, "department": department.code})
    return loaded(session, item)


def load_draft(session: Session, actor: Actor, item_id: int, expected_version: int | None = None) -> Item:
    """A draft the actor may edit: visible, drafter of its department, still in ``draft``."""
    item = load_visible(session, actor, item_id)
    _check_version(item, expected_version)
    require_role(actor, DRAFTER, item.department_id)
    if item.state != "draft":
        raise InvalidState("只有草稿可以修改；请先撤回或对已公开事项发起修订", details={"state": item.state})
    return item


def update_item(app: Gongkai, actor: Actor, item_id: int, data: Mapping[str, Any],
                expected_version: int | None = None) -> Item:
    """Edit a draft; any other state is 409 (decisions bind to the submitted revision)."""
    now = app.now()
    with write_transaction(app) as session:
        item = load_draft(session, actor, item_id, expected_version)
        fields = parse_item_fields(data, app.settings, creating=False, with_catalog=item.kind != REPLY)
        _apply_fields(app, session, item, fields.values)
        item.updated_at = now
        session.flush()
        contributors.record(session, item.id, actor, now, "edit")
        if "formed_on" in fields.present:
            run_deadlines_changed(app, session, item)
        audit.append(session, at=now, actor=actor, subject=f"item:{item.id}", item_id=item.id, action="edit",
                     from_state="draft", to_state="draft", data={"fields": sorted(fields.present)})
        return loaded(session, item)


def _missing_for_submit(item: Item) -> list[str]:
    checks = {"title": bool((item.title or "").strip()), "body": bool((item.body or "").strip()),
              "catalog_code": bool(item.catalog_code) or item.kind == REPLY,  # a reply has no 清单 entry
              "channels": bool(item.channels), "formed_on": item.formed_on is not None}
    return [name for name, ok in checks.items() if not ok]


def _context(app: Gongkai, session: Session, item: Item, revision: Revision | None, actor: Actor,
             payload: Mapping[str, Any], now: datetime) -> TransitionContext:
    publish_at = parse_datetime(payload.get("publish_at"), "publish_at") if "publish_at" in payload \
        else item.publish_at
    return TransitionContext(
        actor=actor, department_id=item.department_id, now=now, author_id=item.author_id,
        submitted_by_id=item.submitted_by_id, reviewed_by_id=item.reviewed_by_id,
        contributor_ids=contributors.of_item(session, item.id),
        reason=parse_reason(payload.get("reason")), checklist=payload.get("checklist"),
        legal_basis=parse_reason(payload.get("legal_basis"), "legal_basis"), publish_at=publish_at,
        missing_fields=_missing_for_submit(item),
        checklist_keys=tuple(app.settings["review.checklist_keys"]),
        blocking_keys=tuple(app.settings["review.blocking_keys"]),
        open_blocking_findings=open_blocking_findings(session, revision, payload) if item.state == "secrecy_review"
        else [],
    )


def _decide(session: Session, item: Item, revision: Revision | None, kind: str, actor: Actor, now: datetime,
            ctx: TransitionContext, with_checklist: bool = False) -> None:
    session.add(Decision(item_id=item.id, revision_id=revision.id if revision else None, kind=kind,
                         actor_id=actor.id, at=now, reason=ctx.reason,
                         checklist=dict(ctx.checklist) if with_checklist else None,
                         legal_basis=ctx.legal_basis if with_checklist else None))


def _enter_state(app: Gongkai, item: Item, state: str, now: datetime) -> None:
    item.state = state
    item.stage_entered_at = now
    item.stage_entry = (item.stage_entry or 0) + 1
    item.stage_due = deadlines.stage_due(app.calendar, state, now, item.publish_deadline, app.settings)
    item.updated_at = now


def _effects(app: Gongkai, session: Session, item: Item, revision: Revision | None, trigger: str, new_state: str,
             actor: Actor, ctx: TransitionContext, now: datetime, payload: Mapping[str, Any]) -> list[TransitionEvent]:
    """Write what the trigger means beyond the state; returns extra events (superseded items)."""
    extra: list[TransitionEvent] = []
    if trigger == "submit":
        _take_revision(app, session, item, actor, now)
    elif trigger == "pass_review":
        accept_findings(session, revision, actor, now, payload, ctx.legal_basis)
        item.reviewed_by_id = actor.id
        _decide(session, item, revision, "pass_review", actor, now, ctx, with_checklist=True)
    elif trigger in ("return", "reject", "withdraw", "take_down"):
        _decide(session, item, revision, trigger, actor, now, ctx)
    elif trigger == "approve":
        item.approved_by_id = actor.id
        if "publish_at" in payload:
            item.publish_at = ctx.publish_at
        _decide(session, item, revision, "approve", actor, now, ctx)
    if new_state == "published":
        item.published_at = now
        extra.extend(_archive_superseded(app, session, item, actor, now))
    if new_state == "archived":
        item.archived_at = now
        item.archive_reason = ctx.reason or payload.get("archive_reason") or "archived"
    return extra


def _take_revision(app: Gongkai, session: Session, item: Item, actor: Actor, now: datetime) -> None:
    content = snapshot(item)
    item.revision = (item.revision or 0) + 1
    item.content_hash = content_hash(content)
    item.submitted_by = _user(session, actor.id)
    item.reviewed_by_id = None
    item.approved_by_id = None
    revision = Revision(item_id=item.id, number=item.revision, content=content, content_hash=item.content_hash,
                        submitted_by_id=actor.id, submitted_at=now)
    session.add(revision)
    session.flush()
    record_scan(app, session, item, revision)


def _archive_superseded(app: Gongkai, session: Session, item: Item, actor: Actor,
                        now: datetime) -> list[TransitionEvent]:
    if item.supersedes_id is None:
        return []
    old = session.get(Item, item.supersedes_id)
    if old is None or old.state not in ("published", "scheduled"):
        return []
    from_state = old.state
    old.superseded_by_id = item.id
    _enter_state(app, old, "archived", now)
    old.archived_at, old.archive_reason = now, SUPERSEDED
    audit.defer(session, at=now, actor=actor, subject=f"item:{old.id}", item_id=old.id, action="archive",
                from_state=from_state, to_state="archived", reason=SUPERSEDED, revision_hash=old.content_hash,
                data={"superseded_by": item.id})
    return [TransitionEvent(old, "archive", from_state, "archived", actor, SUPERSEDED, now)]


def _scan_attachments_before_submit(app: Gongkai, actor: Actor, item_id: int) -> None:
    """Scan (bounded) any attachment without a stored scan, before the write transaction.

    Normally the upload scanned it already; this covers a scan lost to a crash, a new scanner
    version or changed settings. The submission itself then only reads stored scans.
    """
    from workflow.attachment_scans import ensure_scanned
    with app.db.read() as session:
        item = load_visible(session, actor, item_id)     # no scanning for someone who may not see it
        if item.state != "draft":
            return
        ids = list(session.scalars(select(Attachment.id).where(Attachment.item_id == item_id)))
    ensure_scanned(app, ids)


def transition(app: Gongkai, actor: Actor, item_id: int, trigger: str, payload: Mapping[str, Any] | None = None,
               expected_version: int | None = None) -> Item:
    """Fire ``trigger`` on the item: guards, effects, audit event and hooks in one transaction."""
    payload = payload or {}
    if not isinstance(trigger, str) or trigger not in TRIGGERS:
        raise BadInput("未知的操作：%(trigger)s", code="unknown_trigger", trigger=str(trigger)[:40])
    if trigger == "submit":
        _scan_attachments_before_submit(app, actor, item_id)
    now = app.now()
    with write_transaction(app) as session:
        item = load_visible(session, actor, item_id)
        _check_version(item, expected_version)
        from_state = item.state
        revision = current_revision(session, item) if item.revision else None
        ctx = _context(app, session, item, revision, actor, payload, now)
        new_state = fire(from_state, trigger, ctx)
        extra = _effects(app, session, item, revision, trigger, new_state, actor, ctx, now, payload)
        _enter_state(app, item, new_state, now)
        session.flush()
        events = [TransitionEvent(item, trigger, from_state, new_state, actor, ctx.reason, now), *extra]
        for event in events:
            run_after_transition(app, session, event)
        audit.append(session, at=now, actor=actor, subject=f"item:{item.id}", item_id=item.id, action=trigger,
                     from_state=from_state, to_state=new_state, reason=ctx.reason,
                     revision_hash=item.content_hash,
                     data={"revision": item.revision, **({"legal_basis": ctx.legal_basis} if ctx.legal_basis else {})})
        audit.append_deferred(session)  # superseded items, hooks' events: after it, chain lock last
        return loaded(session, item)


def submit(app: Gongkai, actor: Actor, item_id: int, **kw: Any) -> Item:
    """draft → secrecy_review (snapshot + scan)."""
    return transition(app, actor, item_id, "submit", kw.pop("payload", None), **kw)


def withdraw(app: Gongkai, actor: Actor, item_id: int, **kw: Any) -> Item:
    """secrecy_review/approval → draft."""
    return transition(app, actor, item_id, "withdraw", kw.pop("payload", None), **kw)


def pass_review(app: Gongkai, actor: Actor, item_id: int, checklist: Mapping[str, bool],
                legal_basis: str | None = None, **kw: Any) -> Item:
    """secrecy_review → approval, with the six-question checklist."""
    payload = {"checklist": dict(checklist), "legal_basis": legal_basis, **kw.pop("payload", {})}
    return transition(app, actor, item_id, "pass_review", payload, **kw)


def return_item(app: Gongkai, actor: Actor, item_id: int, reason: str, **kw: Any) -> Item:
    """secrecy_review → draft, with a reason (``return`` is a Python keyword)."""
    return transition(app, actor, item_id, "return", {"reason": reason}, **kw)


def approve(app: Gongkai, actor: Actor, item_id: int, publish_at: datetime | str | None = None, **kw: Any) -> Item:
    """approval → published (or scheduled when publish_at is ahead)."""
    payload = {"publish_at": publish_at} if publish_at is not None else {}
    return transition(app, actor, item_id, "approve", payload, **kw)


def reject(app: Gongkai, actor: Actor, item_id: int, reason: str, **kw: Any) -> Item:
    """approval → draft, with a reason."""
    return transition(app, actor, item_id, "reject", {"reason": reason}, **kw)


def publish(app: Gongkai, actor: Actor, item_id: int, **kw: Any) -> Item:
    """scheduled → published (scheduler or admin)."""
    return transition(app, actor, item_id, "publish", kw.pop("payload", None), **kw)


def archive(app: Gongkai, actor: Actor, item_id: int, reason: str | None = None, **kw: Any) -> Item:
    """published → archived."""
    return transition(app, actor, item_id, "archive", {"reason": reason} if reason else {}, **kw)


def take_down(app: Gongkai, actor: Actor, item_id: int, reason: str, **kw: Any) -> Item:
    """published/scheduled → archived, with a reason; an incident for all admins."""
    return transition(app, actor, item_id, "take_down", {"reason": reason}, **kw)


def revise(app: Gongkai, actor: Actor, item_id: int) -> Item:
    """A new draft superseding a published item (one open revision at a time)."""
    now = app.now()
    with write_transaction(app) as session:
        old = load_visible(session, actor, item_id)
        require_role(actor, DRAFTER, old.department_id)
        if old.state != "published" or old.kind != DISCLOSURE:
            raise InvalidState("只有已公开的事项可以修订", details={"state": old.state})
        pending = session.scalar(select(Item.id).where(Item.supersedes_id == old.id, Item.state.in_(
            (*OPEN_STATES, "scheduled"))))
        if pending is not None:
            raise Conflict("该事项已有进行中的修订（#%(id)d）", id=pending, details={"item_id": pending})
        item = Item(department=old.department, author=_user(session, actor.id), submitted_by=None,
                    attachments=_copied_attachments(old, now), state="draft", stage_entered_at=now,
                    stage_entry=1, created_at=now, updated_at=now, title=old.title, body=old.body,
                    catalog_code=old.catalog_code, channels=list(old.channels or []),
                    formed_on=deadlines.local_date(now), is_list=old.is_list, supersedes_id=old.id, kind=old.kind)
        refresh_deadlines(app, item)
        session.add(item)
        session.flush()
        # the copied content is theirs too: the old item's contributors stay contributors
        contributors.carry_over(session, old.id, item.id, now)
        contributors.record(session, item.id, actor, now, "revise")
        run_deadlines_changed(app, session, item)
        audit.append(session, at=now, actor=actor, subject=f"item:{item.id}", item_id=item.id, action="revise",
                     to_state="draft", data={"supersedes": old.id})
        return loaded(session, item)


def _copied_attachments(old: Item, now: datetime) -> list[Attachment]:
    return [Attachment(filename=a.filename, content_type=a.content_type, size=a.size, sha256=a.sha256, data=a.data,
                       created_at=now) for a in old.attachments]


def available_actions(app: Gongkai, actor: Actor, item: Item) -> set[str]:
    """What ``actor`` may do with ``item`` now: the triggers its guards allow, plus ``edit``
    (a draft of one's department) and ``revise`` (a published item of one's department)."""
    with app.db.read() as session:
        contributor_ids = contributors.of_item(session, item.id)
    context = TransitionContext(
        actor=actor, department_id=item.department_id, now=app.now(), author_id=item.author_id,
        submitted_by_id=item.submitted_by_id, reviewed_by_id=item.reviewed_by_id, reason="(probe)",
        contributor_ids=contributor_ids,
        checklist={key: False for key in app.settings["review.checklist_keys"]},
        checklist_keys=tuple(app.settings["review.checklist_keys"]),
        blocking_keys=tuple(app.settings["review.blocking_keys"]))
    allowed = permitted_triggers(item.state, context)
    if item.state == "draft" and actor.acts_as(DRAFTER, item.department_id) or \
            item.state == "published" and item.kind == DISCLOSURE and actor.acts_as(DRAFTER, item.department_id):
        allowed.add("edit" if item.state == "draft" else "revise")
    return allowed


def get_item(app: Gongkai, actor: Actor, item_id: int) -> Item:
    """One item the actor may see."""
    with app.db.read() as session:
        return load_visible(session, actor, item_id)
