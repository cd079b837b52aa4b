"""Verbs on disclosure items: create, edit, the nine triggers, revise, read.

Every verb opens exactly one write transaction: the state change, the revision or decision
rows, the audit event and whatever hooks write (notifications, reminders) commit together
or not at all. A concurrent change is reported as ``StaleVersion`` (HTTP 409).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Iterator, Mapping

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from db.models import Attachment, CatalogEntry, Decision, Department, Item, Revision, User
from db.models.items import DISCLOSURE, KINDS, REPLY
from workflow import audit, contributors, delegation, item_store, route_votes
from workflow.holders import holdings
from workflow.calendar import deadlines
from workflow.access import DRAFTER, Actor, can_view_item, require_role, sees_internals
from workflow.clock import local_date
from workflow.context import Gongkai
from workflow.errors import BadInput, Conflict, DomainError, InvalidState, NotFound, StaleVersion, ValidationFailed
from workflow.guards import check_separation
from workflow.revision_findings import open_blocking_findings
from workflow.hooks import TransitionEvent, run_after_transition, run_deadlines_changed
from workflow.inputs import parse_item_fields, parse_trigger_inputs
from workflow.item_context import NO_REFERRAL, ItemContext
from workflow.item_effects import Step, entering_state, record_decision, take_revision
from workflow.notifications import acted_for_notice
from workflow.item_store import ITEM_LOAD_OPTIONS, USER_LOAD_OPTIONS, LoadedItem
from workflow.item_spec import OPEN_STATES, spec_of
from workflow.opinions import opinion_of
from workflow.routes import store as route_store
from workflow.routes import wording
from workflow.routes.progress import VOTING_TRIGGERS, RouteProgress, Vote
from workflow.search import index as search_index
from workflow.spec import STAY, Action, TriggerSpec


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


def load_visible(session: Session, actor: Actor, item_id: int, day: date | None = None) -> Item:
    """The item, or NotFound when it does not exist or the actor may not see it. ``day`` (the local date):
    a delegate also sees what the people they represent that day see of it (``represents_insider``)."""
    item = session.get(Item, item_id, options=ITEM_LOAD_OPTIONS)
    if item is None or not (can_view_item(actor, item.department_id, item.state, item.kind)
                            or route_votes.decides_on(session, actor, item_id)
                            or represents_insider(session, actor, item, day)):
        raise NotFound("事项不存在或您无权查看", code="item_not_found")
    return item


def load_internal(session: Session, actor: Actor, item_id: int, day: date | None = None) -> Item:
    """The item with its internals (history, findings, earlier revisions): the department scope
    and admins only; NotFound for everyone else, published or not (``access.sees_internals``).
    ``day``: as for ``load_visible``, the delegate of someone who sees them sees them too."""
    item = session.get(Item, item_id, options=ITEM_LOAD_OPTIONS)
    if item is None or not _sees_internals(session, actor, item, day):
        raise NotFound("事项不存在或您无权查看", code="item_not_found")
    return item


def _sees_internals(session: Session, actor: Actor, item: Item, day: date | None = None) -> bool:
    """The department scope and admins (``access.sees_internals``), and the deciders of a step of one of the
    item's submitted review routes (a 保密办 reviewer, a 会签 department: ``route_votes.decides_on``)."""
    return sees_internals(actor, item.department_id) or route_votes.decides_on(session, actor, item.id) \
        or represents_insider(session, actor, item, day)


def represents_insider(session: Session, actor: Actor, item: Item, day: date | None) -> bool:
    """On ``day``, ``actor`` is the delegate of a reviewer or approver who sees ``item``'s internals, and the
    item is in review (委托: the delegate opens the delegator's tasks as they would; nothing else of theirs).
    Asked only after the actor's own rules said no: one query more on that path, none on the usual one."""
    if day is None or item.state not in delegation.DELEGATED_STATES:
        return False
    return any(delegation.decides(p.actor) and (sees_internals(p.actor, item.department_id)
                                                or route_votes.decides_on(session, p.actor, item.id))
               for p in delegation.principals(session, actor, day))


def today(app: Gongkai) -> date:
    """The local (Asia/Shanghai) date by the app's clock: the day delegations are judged on."""
    return local_date(app.now())


def internal_view(app: Gongkai, actor: Actor, item: Item) -> bool:
    """Whether ``actor`` sees ``item``'s internals or only what the public sees of it."""
    if sees_internals(actor, item.department_id):
        return True
    with app.db.read() as session:
        return route_votes.decides_on(session, actor, item.id) or represents_insider(session, actor, item, today(app))


def _user(session: Session, user_id: int | None) -> User | None:
    return session.get(User, user_id, options=USER_LOAD_OPTIONS) if user_id is not None else None


def _check_version(item: Item, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != item.version:
        raise StaleVersion("该事项已被他人修改（当前版本 %(current)d，您的版本 %(yours)d），请刷新后重试",
                           current=item.version, yours=expected_version,
                           details={"current_version": item.version})


def _require_department(code: str, department: Department | None) -> Department:
    if department is None or not department.active:
        raise ValidationFailed("未知的部门：%(dept)s", code="unknown_department", field="department", dept=code)
    return department


def _check_catalog(session: Session, code: str, current: str | None = None) -> None:
    entry = session.get(CatalogEntry, code)
    _require_catalog(code, entry.active if entry is not None else None,
                     entry is not None and entry.not_applicable and code != current)


def _require_catalog(code: str, active: bool | None, not_applicable: bool | None = False) -> None:
    """``active``: the entry's flag, None when there is no such entry. ``not_applicable``: the entry is
    marked 「不适用」 for this institution, so nothing new is filed under it (an item already filed under it
    keeps its entry: ``current`` in ``_check_catalog``)."""
    if not active:
        raise ValidationFailed("未知的清单事项：%(catalog)s", code="unknown_catalog_code", field="catalog_code",
                               catalog=code)
    if not_applicable:
        raise ValidationFailed("清单事项 %(catalog)s 已标记为不适用于本校，不能在其下发布信息", code="catalog_not_applicable",
                               field="catalog_code", catalog=code)


def _apply_fields(app: Gongkai, session: Session, item: Item, values: Mapping[str, Any],
                  catalog_checked: bool = False) -> None:
    if "catalog_code" in values and not catalog_checked:
        _check_catalog(session, values["catalog_code"], current=item.catalog_code)
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


# create's one lookup: the author (the actor), the department named and whether the 清单 entry is active and
# applicable to this institution
_CREATE_LOOKUP = (select(User, Department, select(CatalogEntry.active).where(CatalogEntry.code == bindparam("catalog"))
                         .scalar_subquery().label("catalog_active"),
                         select(CatalogEntry.not_applicable).where(CatalogEntry.code == bindparam("catalog"))
                         .scalar_subquery().label("catalog_not_applicable"))
                  .outerjoin(Department, Department.code == bindparam("department"))
                  .where(User.id == bindparam("user_id")).options(*USER_LOAD_OPTIONS))
_CREATE_LOOKUP_WITH_HEAD = _CREATE_LOOKUP.add_columns(audit.HEAD_SEQ, audit.HEAD_HASH)  # audit.reads_head_along


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
    code = fields.values["department"]
    with_head = audit.reads_head_along(session)
    found = session.execute(_CREATE_LOOKUP_WITH_HEAD if with_head else _CREATE_LOOKUP, {
        "user_id": actor.id, "department": code, "catalog": fields.values.get("catalog_code")}).first()
    if with_head and found is not None:
        audit.remember_head(session, found.audit_head_seq, found.audit_head_hash)
    department = _require_department(code, found.Department if found is not None else None)
    require_role(actor, DRAFTER, department.id)
    if "catalog_code" in fields.values:
        _require_catalog(fields.values["catalog_code"], found.catalog_active, found.catalog_not_applicable)
    item = Item(department=department, author=found.User, state="draft", stage_entered_at=now,
                stage_entry=1, created_at=now, updated_at=now, channels=[], attachments=[], submitted_by=None,
                kind=kind)
    _apply_fields(app, session, item, fields.values, catalog_checked=True)
    item_store.insert_new(session, item)
    search_index.reindex(app, session, item, created=True)
    contributors.record(session, item.id, actor, now, "create")
    run_deadlines_changed(app, session, item)
    audit.append(session, at=now, actor=actor, subject=f"item:{item.id}", item_id=item.id, action="create",
                 to_state="draft", data={"title": item.title, "department": department.code})
    return item


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
        search_index.reindex(app, session, item)
        contributors.record(session, item.id, actor, now, "edit")
        if "formed_on" in fields.present:
            run_deadlines_changed(app, session, item)
        audit.append(session, at=now, actor=actor, subject=f"item:{item.id}", item_id=item.id, action="edit",
                     from_state="draft", to_state="draft", data={"fields": sorted(fields.present)})
        session.flush()
        return item


def _missing_for_submit(item: Item) -> list[str]:
    checks = {"title": bool((item.title or "").strip()), "body": bool((item.body or "").strip()),
              "catalog_code": bool(item.catalog_code) or item.kind == REPLY,  # a reply has no 清单 entry
              "channels": bool(item.channels), "formed_on": item.formed_on is not None,
              # a 名单 / 公示 comes down when its notice period ends (教财厅函〔2017〕28号): it needs that date
              "display_until": item.display_until is not None or not item.is_list}
    return [name for name, ok in checks.items() if not ok]


def _context(session: Session, loaded: LoadedItem, actor: Actor, inputs: dict[str, Any],
             payload: Mapping[str, Any], now: datetime, route: RouteProgress | None = None) -> ItemContext:
    item = loaded.item
    return ItemContext(
        route=route, state=item.state,
        actor=actor, department_id=item.department_id, now=now, author_id=item.author_id,
        submitted_by_id=item.submitted_by_id, reviewed_by_id=item.reviewed_by_id,
        review_acted_by_id=loaded.review_acted_by_id, contributor_ids=loaded.contributor_ids, inputs=inputs, current_publish_at=item.publish_at,
        attachment_ids=frozenset(attachment.id for attachment in item.attachments),
        missing_fields=_missing_for_submit(item) if item.state == "draft" else [],
        open_blocking_findings=open_blocking_findings(session, loaded.revision_id, payload,
                                                      any_open=loaded.open_blocking)
        if item.state == "secrecy_review" else [],
        personal_info_findings=loaded.personal_info_findings,
        referral=loaded.referral,
    )


class _ScanFirst(Exception):
    """A draft being submitted has attachments without a stored scan: its transaction is rolled back,
    they are scanned outside any transaction (bounded, possibly slow: never while holding the write
    lock), and the submission runs again."""

    def __init__(self, attachment_ids: list[int]):
        super().__init__(attachment_ids)
        self.attachment_ids = attachment_ids


def _apply(step: Step, new_state: str) -> list[TransitionEvent]:
    """The trigger's own effect, its decision row, then what entering ``new_state`` means."""
    extra = list(step.trigger.effect(step) if step.trigger.effect else [])
    if step.trigger.decision:
        record_decision(step)
    on_enter = spec_of(step.app).on_enter.get(new_state)
    if on_enter is not None:
        extra.extend(on_enter(step))
    return extra


def _load_for_transition(session: Session, actor: Actor, item_id: int,
                         day: date | None = None) -> tuple[LoadedItem, RouteProgress | None]:
    """The item and, on a stored route in a review stage, its route's progress. A decider of the active
    step from another department (the 保密办, a 会签) may act on an item they could not otherwise see, and
    so may the delegate of someone who sees it (on ``day``)."""
    loaded = item_store.load(session, item_id)
    if loaded is None:
        raise NotFound("事项不存在或您无权查看", code="item_not_found")
    item = loaded.item
    route = route_votes.progress(session, loaded) if item.state in ("secrecy_review", "approval") else None
    if not (can_view_item(actor, item.department_id, item.state, item.kind)
            or route_votes.decides_on(session, actor, item.id) or represents_insider(session, actor, item, day)):
        raise NotFound("事项不存在或您无权查看", code="item_not_found")
    return loaded, route


# How often a vote nobody pinned to a version is tried in all (``transition``). An attempt is lost only
# when another change of the item committed first, so three attempts cover three people voting at the same
# instant; a fourth may still get the 409 (StaleVersion) and simply send the vote again.
VOTE_ATTEMPTS = 3


def transition(app: Gongkai, actor: Actor, item_id: int, trigger: str, payload: Mapping[str, Any] | None = None,
               expected_version: int | None = None, on_behalf_of: str | None = None) -> Item:
    """Fire ``trigger`` on the item: guards, effects, audit event and hooks in one transaction.

    The item, its contributors, current revision and open findings are read in one query; the item's
    changes are written in one UPDATE (``workflow.item_store``); decision, revision, reminder, inbox and
    audit rows are Core inserts of statements built once.

    A submission snapshots and scans the content; an attachment without a stored scan (normally the
    upload scanned it; a crash, a new scanner version or changed settings may have lost it) is scanned
    first, outside the transaction, which then runs again. Should the scan be missing still, its
    finding says so and blocks the review.

    A vote (``pass_review``/``approve``) not pinned to a version (``expected_version`` None) that loses
    the item's row to a concurrent change (StaleVersion) is judged again on what is now committed
    (``VOTE_ATTEMPTS`` attempts in all): the second of two simultaneous 会签 votes then sees the first and
    completes the stage, and a vote no longer allowed gets that refusal (docs/routes.md, "Concurrent votes").

    委托: an actor refused as himself acts for the one person he represents today who may (乙 代 甲:
    ``workflow.delegation.resolve``); ``on_behalf_of`` (a user name) chooses among several. The decision
    keeps the delegator as its decider of record, names the delegate, and the delegator is told.
    """
    payload = payload or {}
    declared = spec_of(app).trigger(trigger)
    inputs = parse_trigger_inputs(declared, payload)
    attempts = VOTE_ATTEMPTS if expected_version is None and declared.name in VOTING_TRIGGERS else 1
    while True:
        try:
            return _fire_scanned(app, actor, item_id, declared, inputs, payload, expected_version, on_behalf_of)
        except StaleVersion:
            # each attempt is its own transaction: the next one reads (and judges) what committed meanwhile
            attempts -= 1
            if attempts == 0:
                raise


def _fire_scanned(app: Gongkai, actor: Actor, item_id: int, declared: TriggerSpec, inputs: dict[str, Any],
                  payload: Mapping[str, Any], expected_version: int | None, on_behalf_of: str | None = None) -> Item:
    """``_fire``, scanning a submission's unscanned attachments first when it asks for that."""
    try:
        return _fire(app, actor, item_id, declared, inputs, payload, expected_version, scan_missing=True,
                     on_behalf_of=on_behalf_of)
    except _ScanFirst as first:
        from workflow.attachment_scans import ensure_scanned
        ensure_scanned(app, first.attachment_ids)
        return _fire(app, actor, item_id, declared, inputs, payload, expected_version, scan_missing=False,
                     on_behalf_of=on_behalf_of)


@dataclass(frozen=True)
class TransitionCheck:
    """What firing a trigger would do, judged without writing: the item as it is, the state it would move to
    (its own state for a vote that leaves the stage waiting) and the votes its stage would still need."""

    item: Item
    new_state: str
    inputs: dict[str, Any]
    votes_still_needed: int = 0
    revision_id: int | None = None


def check_transition(app: Gongkai, actor: Actor, item_id: int, trigger: str,
                     payload: Mapping[str, Any] | None = None, expected_version: int | None = None,
                     on_behalf_of: str | None = None) -> TransitionCheck:
    """Everything ``transition`` checks — visibility, version, permission guards, inputs and their checks, the
    review route — in a read transaction that writes nothing: the same refusal ``transition`` would raise, or
    what it would do (a confirmation page must not offer what the verb then refuses)."""
    payload = payload or {}
    declared = spec_of(app).trigger(trigger)
    inputs = parse_trigger_inputs(declared, payload)
    now = app.now()
    with app.db.read() as session:
        loaded, route = _load_for_transition(session, actor, item_id, local_date(now))
        item = loaded.item
        _check_version(item, expected_version)
        ctx = _context(session, loaded, actor, inputs, payload, now, route)
        new_state = delegation.resolve(session, ctx, declared, local_date(now),
                                       lambda c: spec_of(app).fire(item.state, declared.name, c), on_behalf_of).result
        vote = route.active(item.state) if route is not None and declared.name in VOTING_TRIGGERS else None
        if route is None or vote is None or route.completes_stage(item.state):
            return TransitionCheck(item, new_state, inputs, 0, loaded.revision_id)
        # this vote counts; the stage's steps still need the rest of their quorums
        needed = sum(max(0, step.needed - len(step.votes)) for step in route.steps if step.stage == item.state)
        return TransitionCheck(item, item.state, inputs, max(0, needed - 1), loaded.revision_id)


def _fire(app: Gongkai, actor: Actor, item_id: int, declared: TriggerSpec, inputs: dict[str, Any],
          payload: Mapping[str, Any], expected_version: int | None, scan_missing: bool,
          on_behalf_of: str | None = None) -> Item:
    now = app.now()
    with write_transaction(app) as session:
        loaded, route = _load_for_transition(session, actor, item_id, local_date(now))
        item = loaded.item
        _check_version(item, expected_version)
        from_state = item.state
        acting = delegation.resolve(session, _context(session, loaded, actor, inputs, payload, now, route), declared,
                                    local_date(now), lambda c: spec_of(app).fire(from_state, declared.name, c),
                                    on_behalf_of)
        # the decider of record: the actor, or the delegator the actor acts for (乙 代 甲)
        new_state, ctx, decider = acting.result, acting.context, acting.context.actor
        taken = route_votes.route_at_submit(spec_of(app), session, loaded, decider, app.settings) \
            if declared.effect is take_revision and loaded.routes_exist else None
        vote = route.active(from_state) if route is not None and declared.name in VOTING_TRIGGERS else None
        stays = route is not None and vote is not None and not route.completes_stage(from_state)
        if stays:
            new_state = from_state  # the stage waits for the next vote (docs/routes.md, "Phase 2")
        if scan_missing and declared.effect is take_revision and item.attachments:
            from workflow.attachment_scans import unscanned
            missing = unscanned(app, session, item.attachments)
            if missing:
                raise _ScanFirst(missing)
        step = Step(app, session, item, loaded.revision_id, decider, ctx, declared, now, payload, completes=not stays,
                    acted_by=acting.acted_by)
        extra = _apply(step, new_state)
        if declared.dest == STAY or stays:
            # a trigger that keeps the state keeps its stage entry too, unless its effect says otherwise
            step.changes.setdefault("updated_at", now)
        else:
            step.set(**entering_state(app, item, new_state, now))
        cast_vote = Vote(decider.id or 0, decider.username, declared.name, now,
                         acted_by_id=acting.acted_by.id if acting.acted_by else None) if vote is not None else None
        step.set(**route_votes.moves(app.calendar, item, now, route=route, taken=taken[1] if taken else None,
                                     vote=cast_vote, voted_on=vote.position if vote else None,
                                     from_state=from_state, new_state=new_state))
        entry_before, step_before = item.stage_entry, item.route_step
        item_store.write(session, item, step.changes, step.decision)
        for write_after in step.after_write:  # rows that name the decision just written
            write_after(session)
        if taken is not None and step.revision_id is not None:
            route_votes.store_snapshot(session, item.id, (step.revision_id, item.revision), taken[0], taken[1], now)
            step.audit_data["route"] = taken[1]["name"]
        if vote is not None and loaded.revision_id is not None:
            route_votes.record_vote(session, item_id=item.id, revision_id=loaded.revision_id, position=vote.position,
                                    actor=decider, decision=declared.name, opinion=opinion_of(declared, inputs),
                                    now=now, acted_by=acting.acted_by)
            step.audit_data["step"] = vote.name
        if item.route_step is not None and (item.route_step, item.stage_entry) != (step_before, entry_before):
            # a step became active: on a vote that keeps the stage, a new stage entry without an event
            route_votes.step_opened(app, session, item, now, schedule=stays)
        # a vote that leaves the item in its stage is no transition: nothing to notify or reschedule yet
        events = [] if stays else [TransitionEvent(item, declared.name, from_state, new_state, decider, ctx.reason,
                                                   now), *extra]
        if acting.acted_by is not None:
            # the delegator is told what was done on their behalf, by whom (inbox, and mail by their preference)
            acted_for_notice(app, session, item, declared.label, decider, acting.acted_by, now)
            step.audit_data["on_behalf_of"] = decider.username
        for event in events:
            run_after_transition(app, session, event)
        session.flush()  # what hooks and effects changed through the ORM (superseded item, findings accepted)
        # its own event, then the superseded items' and hooks': the chain lock is taken last
        audit.append_with_deferred(
            session, at=now, actor=actor, subject=f"item:{item.id}", item_id=item.id, action=declared.name,
            from_state=from_state, to_state=new_state, reason=ctx.reason, revision_hash=item.content_hash,
            data={"revision": item.revision, **({"legal_basis": ctx.legal_basis} if ctx.legal_basis else {}),
                  **step.audit_data})
        return item


def submit(app: Gongkai, actor: Actor, item_id: int, **kw: Any) -> Item:
    """draft → secrecy_review (snapshot + scan)."""
    return transition(app, actor, item_id, "submit", kw.pop("payload", None), **kw)


def withdraw(app: Gongkai, actor: Actor, item_id: int, **kw: Any) -> Item:
    """secrecy_review/approval → draft."""
    return transition(app, actor, item_id, "withdraw", kw.pop("payload", None), **kw)


def pass_review(app: Gongkai, actor: Actor, item_id: int, checklist: Mapping[str, bool],
                legal_basis: str | None = None, justifications: Mapping[str, Any] | None = None,
                **kw: Any) -> Item:
    """secrecy_review → approval, with the checklist and the particulars its "yes" answers require
    (``workflow.checklist``)."""
    payload = {"checklist": dict(checklist), "legal_basis": legal_basis,
               **({"justifications": justifications} if justifications is not None else {}), **kw.pop("payload", {})}
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


def take_down(app: Gongkai, actor: Actor, item_id: int, reason: str, leak: str | None = None, **kw: Any) -> Item:
    """published/scheduled → archived, with a reason; all admins are told. ``leak`` (state_secret,
    work_secret, personal_info) records a leak incident whose report is due within 24 hours."""
    payload = {"reason": reason, **({"leak": leak} if leak else {})}
    return transition(app, actor, item_id, "take_down", payload, **kw)


def refer(app: Gongkai, actor: Actor, item_id: int, question: str, authority: str | None = None, **kw: Any) -> Item:
    """secrecy_review stays: the item is referred to the secrecy authority (转保密审定)."""
    payload = {"question": question, **({"authority": authority} if authority else {})}
    return transition(app, actor, item_id, "refer", payload, **kw)


def record_referral(app: Gongkai, actor: Actor, item_id: int, determination: str, answer: str,
                    document_no: str | None = None, **kw: Any) -> Item:
    """secrecy_review stays: the authority's determination is recorded; the review clock starts again."""
    payload = {"determination": determination, "answer": answer, **({"document_no": document_no} if document_no else {})}
    return transition(app, actor, item_id, "record_referral", payload, **kw)


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
                    formed_on=deadlines.local_date(now), is_list=old.is_list, supersedes_id=old.id, kind=old.kind,
                    doc_number=old.doc_number)
        refresh_deadlines(app, item)
        session.add(item)
        session.flush()
        search_index.reindex(app, session, item, created=True)
        # the copied content is theirs too: the old item's contributors stay contributors
        contributors.carry_over(session, old.id, item.id, now)
        contributors.record(session, item.id, actor, now, "revise")
        run_deadlines_changed(app, session, item)
        audit.append(session, at=now, actor=actor, subject=f"item:{item.id}", item_id=item.id, action="revise",
                     to_state="draft", data={"supersedes": old.id})
        session.flush()
        return item


def _copied_attachments(old: Item, now: datetime) -> list[Attachment]:
    return [Attachment(filename=a.filename, content_type=a.content_type, size=a.size, sha256=a.sha256, data=a.data,
                       created_at=now) for a in old.attachments]


def item_actions(app: Gongkai, actor: Actor, item: Item) -> list[Action]:
    """The triggers ``actor`` may fire on ``item`` now, each with its label, inputs and style: what the
    screens offer (transitions' ``may_<trigger>`` over the spec's permission guards)."""
    reviewing = item.state in ("secrecy_review", "approval")
    with app.db.read() as session:
        contributor_ids = contributors.of_item(session, item.id)
        # only secrecy review asks about referrals (refer, record_referral, pass_review)
        referral = item_store.referral_facts(session, item.id) if item.state == "secrecy_review" else NO_REFERRAL
        route = route_votes.progress_of(session, item) if reviewing else None
        review_acted_by = review_acted_by_of(session, item) if item.state == "approval" else None
        people = delegation.principals(session, actor, today(app)) if reviewing else []
    context = ItemContext(route=route, state=item.state, actor=actor, department_id=item.department_id,
                          now=app.now(), author_id=item.author_id, submitted_by_id=item.submitted_by_id,
                          reviewed_by_id=item.reviewed_by_id, review_acted_by_id=review_acted_by,
                          contributor_ids=contributor_ids, current_publish_at=item.publish_at, referral=referral)
    spec = spec_of(app)
    own = spec.actions(item.state, context)
    return own + _delegated_actions(spec, item.state, context, people, {action.name for action in own})


def _delegated_actions(spec: Any, state: str, context: ItemContext, people: list[delegation.Principal],
                       offered: set[str]) -> list[Action]:
    """What the actor may do for the people he represents today and may not do as himself (委托): each
    delegable trigger their guards permit, separation of duties holding for the actor too; the first person
    it is permitted for names it (the verb resolves the same way, ``delegation.resolve``)."""
    extra: list[Action] = []
    for principal in people:
        theirs = replace(context, actor=principal.actor)
        for trigger in spec.permitted(state, theirs):
            if trigger.name in offered or not delegation.delegable(trigger):
                continue
            try:
                check_separation(trigger.permission, context)
            except DomainError:
                continue
            offered.add(trigger.name)
            extra.append(Action(trigger.name, trigger.label, trigger.fields, trigger.style, trigger.confirm,
                                principal.username, principal.name))
    return extra


def review_acted_by_of(session: Session, item: Item) -> int | None:
    """The delegate who passed the review of ``item``'s current revision for its reviewer (乙 代 甲), if any."""
    return session.scalar(select(Decision.acted_by_id).join(Revision, Revision.id == Decision.revision_id).where(
        Revision.item_id == item.id, Revision.number == item.revision, Decision.kind == "pass_review",
        Decision.acted_by_id.is_not(None)).limit(1)) if item.revision else None


def available_actions(app: Gongkai, actor: Actor, item: Item, actions: list[Action] | None = None) -> set[str]:
    """What ``actor`` may do with ``item`` now: the permitted triggers, plus ``edit`` (a draft of one's
    department) and ``revise`` (a published disclosure of one's department). ``actions``: the item's
    ``item_actions`` when the caller has them already (one contributor look-up per page, not two)."""
    permitted = actions if actions is not None else item_actions(app, actor, item)
    allowed = {action.name for action in permitted}
    if actor.acts_as(DRAFTER, item.department_id):
        if item.state == "draft":
            allowed.add("edit")
        elif item.state == "published" and item.kind == DISCLOSURE:
            allowed.add("revise")
    return allowed


def item_route(app: Gongkai, item: Item) -> dict[str, Any]:
    """The item's ``route``, ``holders`` and ``step`` in the item JSON (DESIGN.md §7a: ``route_votes.route_json``,
    ``workflow.holders``; each holder also under ``route["holders"]`` is not repeated; ``step``: the active
    route step's name, null on the default route, as in list rows): call only for an item the actor sees
    the internals of."""
    with app.db.read() as session:
        holding = holdings(session, [item])[item.id]
        return {"route": route_votes.route_json(spec_of(app), session, item),
                "holders": [holder.to_json() for holder in holding.people], "step": holding.step}


def item_route_explained(app: Gongkai, actor: Actor, item_id: int) -> dict[str, Any]:
    """The help page's view of an item's route: ``item_route`` (statuses, votes) with, per step, its stage,
    who decides it and its quorum in plain words, and each vote's voter by name. ``{id, title, state,
    route}``; NotFound unless ``actor`` sees the item's internals (as the item page's progress line)."""
    spec = spec_of(app)
    with app.db.read() as session:
        item = load_internal(session, actor, item_id, today(app))
        body = route_votes.route_json(spec, session, item)
        route = route_votes.route_taken(spec, session, item)
        directory = route_store.load_directory(session)
        department = session.scalar(select(Department.code).where(Department.id == item.department_id)) or ""
    for shape, step in zip(body["steps"], route.steps):
        shape.update(stage_label=wording.stage_label(step.stage), who=wording.who_decides(step, directory, department),
                     quorum_text=wording.quorum_of_item(step, directory, department, int(shape["needed"])))
        for vote in shape["votes"]:
            vote["name"] = directory.display(vote["user"])
    return {"id": item.id, "title": item.title, "state": item.state, "route": body}


def get_item(app: Gongkai, actor: Actor, item_id: int) -> Item:
    """One item the actor may see."""
    with app.db.read() as session:
        return load_visible(session, actor, item_id, today(app))
