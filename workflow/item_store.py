"""The item row as a transition reads and writes it: one query in, one UPDATE out.

A transition needs the item with what its API shape shows (department, author, submitter,
attachments), the users who contributed to its content, the id of its current revision and whether
that revision still has a blocking scan finding nobody accepted: ``load`` reads all of it in one round
trip. ``write`` stores the columns a trigger changed (and its decision row) in one UPDATE that also
checks and bumps ``version``, the optimistic lock the ORM keeps through ``version_id_col`` (no row
matched: a concurrent change, ``StaleVersion``, HTTP 409), and then makes the values the object's
committed state: the session has nothing left to flush, and a hook that changes the item afterwards
is versioned as any ORM change is. ``insert_new`` is create's INSERT, in the same spirit.

The statements are built once per process: SQLAlchemy derives a cache key from every new statement
object, which costs more than running it; a module-level statement keeps its key.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy import String, bindparam, cast, exists, func, insert, inspect, select, update
from sqlalchemy.orm import MANYTOONE, Session, defaultload, joinedload, lazyload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from db.models import Decision, Item, ItemContributor, Revision, ScanFinding, User
from db.models.referrals import Referral
from db.models.routes import ItemRouteSnapshot, ReviewRoute
from workflow import audit
from workflow.errors import StaleVersion
from workflow.item_context import ReferralFacts
from workflow.scan.result import PERSONAL_INFO

# What a verb and the item's API shape (views.item_to_dict) need: the author's and submitter's
# roles and department scopes (selectin collections of User) are loaded only if touched inside the
# session. Eager-loading them cost 2-4 extra queries per transition (see bench.transitions).
USER_LOAD_OPTIONS = (lazyload(User.role_rows), lazyload(User.departments))
ITEM_LOAD_OPTIONS = (
    defaultload(Item.author).lazyload(User.role_rows), defaultload(Item.author).lazyload(User.departments),
    defaultload(Item.submitted_by).lazyload(User.role_rows),
    defaultload(Item.submitted_by).lazyload(User.departments),
)

_CURRENT_REVISION = (select(Revision.id).where(Revision.item_id == Item.id, Revision.number == Item.revision)
                     .correlate(Item).scalar_subquery())
_CONTRIBUTORS = (select(func.aggregate_strings(cast(ItemContributor.user_id, String), ","))
                 .where(ItemContributor.item_id == Item.id).correlate(Item).scalar_subquery())
_OPEN_BLOCKING = exists().where(
    ScanFinding.revision_id == Revision.id, Revision.item_id == Item.id, Revision.number == Item.revision,
    ScanFinding.severity == "blocking", ScanFinding.accepted_at.is_(None)).correlate(Item)
# Personal-information findings on the current revision (guards.personal_info_answer_checked): read along
_PERSONAL_INFO = (select(func.count()).select_from(ScanFinding).join(Revision, Revision.id == ScanFinding.revision_id)
                  .where(Revision.item_id == Item.id, Revision.number == Item.revision,
                         ScanFinding.detector.in_(sorted(PERSONAL_INFO))).correlate(Item).scalar_subquery())
# The referral to the secrecy authority still waiting for an answer (at most one), who asked it, and the
# last determination given on the current revision (workflow/referrals.py; guards.referral_settled).
_OPEN_REFERRAL = select(Referral.id, Referral.asked_by_id).where(Referral.item_id == Item.id,
                                                                Referral.answered_at.is_(None)).correlate(Item)
_REFERRAL_ID = _OPEN_REFERRAL.with_only_columns(Referral.id).limit(1).scalar_subquery()
_REFERRAL_ASKER = _OPEN_REFERRAL.with_only_columns(Referral.asked_by_id).limit(1).scalar_subquery()
_REFERRAL_PENDING = exists().where(Referral.item_id == Item.id, Referral.answered_at.is_(None),
                                   Referral.revision_id == Revision.id, Revision.item_id == Item.id,
                                   Revision.number == Item.revision).correlate(Item)
_DETERMINATION = (select(Referral.determination).join(Revision, Revision.id == Referral.revision_id)
                  .where(Revision.item_id == Item.id, Revision.number == Item.revision,
                         Referral.answered_at.is_not(None))
                  .order_by(Referral.answered_at.desc(), Referral.id.desc()).limit(1).correlate(Item).scalar_subquery())
REFERRAL_COLUMNS = (_REFERRAL_ID.label("referral_id"), _REFERRAL_ASKER.label("referral_asker"),
                    _REFERRAL_PENDING.label("referral_pending"), _DETERMINATION.label("determination"))
# Review routes (workflow/route_votes.py): the current revision's route snapshot (None: the default route),
# and whether any route is active at all (a submission resolves the item's route only then): read along,
# so that items on the default route cost no statement more than before routes existed.
_SNAPSHOT = (select(ItemRouteSnapshot.route).join(Revision, Revision.id == ItemRouteSnapshot.revision_id)
             .where(Revision.item_id == Item.id, Revision.number == Item.revision).correlate(Item).scalar_subquery())
_SNAPSHOT_ROUTE = (select(ItemRouteSnapshot.route_id).join(Revision, Revision.id == ItemRouteSnapshot.revision_id)
                   .where(Revision.item_id == Item.id, Revision.number == Item.revision).correlate(Item)
                   .scalar_subquery())
_ROUTES_EXIST = exists().where(ReviewRoute.active.is_(True))
ROUTE_COLUMNS = (_SNAPSHOT.label("route_snapshot"), _SNAPSHOT_ROUTE.label("route_id"),
                 _ROUTES_EXIST.label("routes_exist"))
# The delegate who passed the current revision's review for its reviewer of record (乙 代 甲): the approver
# must be neither (guards.not_the_reviewer)
_REVIEW_ACTED_BY = (select(Decision.acted_by_id).join(Revision, Revision.id == Decision.revision_id)
                    .where(Revision.item_id == Item.id, Revision.number == Item.revision,
                           Decision.kind == "pass_review", Decision.acted_by_id.is_not(None))
                    .limit(1).correlate(Item).scalar_subquery())
_REFERRAL_FACTS = select(*REFERRAL_COLUMNS).where(Item.id == bindparam("item_id"))
_LOAD = (select(Item, _CURRENT_REVISION.label("revision_id"), _CONTRIBUTORS.label("contributors"),
                _OPEN_BLOCKING.label("open_blocking"), *REFERRAL_COLUMNS, *ROUTE_COLUMNS,
                _REVIEW_ACTED_BY.label("review_acted_by"), _PERSONAL_INFO.label("personal_info"))
         .where(Item.id == bindparam("item_id"))
         .options(joinedload(Item.attachments), *ITEM_LOAD_OPTIONS))

# write transactions read the audit chain's head along (workflow.audit.reads_head_along)
_LOAD_WITH_HEAD = _LOAD.add_columns(audit.HEAD_SEQ, audit.HEAD_HASH)

_table = Item.__table__
_INSERT = insert(_table).returning(_table.c.id)
_WRITE = update(_table).where(_table.c.id == bindparam("_id"), _table.c.version == bindparam("_version"))
_decisions = Decision.__table__
_INSERT_DECISION = insert(_decisions)
# PostgreSQL: a trigger's decision row rides along with the item's UPDATE (a data-modifying WITH): one
# round trip for both. Were the UPDATE to match no row, the transaction is rolled back (StaleVersion).
_WRITE_WITH_DECISION = _WRITE.add_cte(insert(_decisions).values(
    {column.key: bindparam(f"decision_{column.key}") for column in _decisions.columns if not column.primary_key})
    .cte("decision"))
# Many-to-one relationships a change may name instead of their column (``submitted_by=user``).
_COLUMN_OF = {rel.key: next(iter(rel.local_columns)).key for rel in Item.__mapper__.relationships
              if rel.direction is MANYTOONE}


@dataclass(frozen=True)
class LoadedItem:
    """The item and what its guards ask about it beyond its own columns."""

    item: Item
    revision_id: int | None          # the current (latest submitted) revision; None before the first submit
    contributor_ids: frozenset[int]  # everyone who changed its content (workflow.contributors)
    open_blocking: bool              # the current revision has a blocking finding nobody accepted
    referral: ReferralFacts = ReferralFacts()  # an open referral to the secrecy authority, a determination
    route_snapshot: dict[str, Any] | None = None  # the current revision's route (None: the default route)
    route_id: int | None = None                   # the stored route it was taken from
    routes_exist: bool = False                    # some route is active: a submission resolves the item's
    review_acted_by_id: int | None = None         # the delegate who passed the current revision for its reviewer
    personal_info_findings: int = 0               # personal-information findings the scan stored on it


def load(session: Session, item_id: int) -> LoadedItem | None:
    """The item with its attachments, contributors, current revision and open-blocking flag (one query;
    in a write transaction also the audit chain's head, which spares the audit append a round trip)."""
    with_head = audit.reads_head_along(session)
    row = session.execute(_LOAD_WITH_HEAD if with_head else _LOAD, {"item_id": item_id}).unique().first()
    if row is None:
        return None
    if with_head:
        audit.remember_head(session, row.audit_head_seq, row.audit_head_hash)
    contributors = frozenset(int(user_id) for user_id in row.contributors.split(",")) if row.contributors \
        else frozenset()
    snapshot = json.loads(row.route_snapshot) if isinstance(row.route_snapshot, str) else row.route_snapshot
    return LoadedItem(row[0], row.revision_id, contributors, bool(row.open_blocking), _referral(row), snapshot,
                      row.route_id, bool(row.routes_exist), row.review_acted_by, int(row.personal_info or 0))


def _referral(row: Any) -> ReferralFacts:
    return ReferralFacts(row.referral_id, row.referral_asker, bool(row.referral_pending), row.determination)


def referral_facts(session: Session, item_id: int) -> ReferralFacts:
    """The referral facts of one item (the item page's buttons: ``services.items.item_actions``)."""
    row = session.execute(_REFERRAL_FACTS, {"item_id": item_id}).first()
    return _referral(row) if row is not None else ReferralFacts()


def write(session: Session, item: Item, changes: Mapping[str, Any],
          decision: Mapping[str, Any] | None = None) -> None:
    """Store ``changes`` (column or many-to-one relationship → new value) in one UPDATE that checks and
    bumps ``version``; StaleVersion when another transaction changed the item first. ``decision``: the
    trigger's row of ``decisions`` (every column), written in the same round trip where the database
    allows it."""
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if key in _COLUMN_OF:
            values[_COLUMN_OF[key]] = value.id if value is not None else None
        else:
            values[key] = value
    values["version"] = item.version + 1
    params = {**values, "_id": item.id, "_version": item.version}
    connection = session.connection()
    statement = _WRITE
    if decision is not None and connection.dialect.name == "postgresql":
        statement = _WRITE_WITH_DECISION
        params.update({f"decision_{key}": value for key, value in decision.items()})
    elif decision is not None:
        connection.execute(_INSERT_DECISION, [dict(decision)])
    if connection.execute(statement, params).rowcount != 1:
        raise StaleVersion("该事项已被他人修改，请刷新后重试", details={"item_id": item.id})
    for key, value in (*changes.items(), *values.items()):
        set_committed_value(item, key, value)


def insert_new(session: Session, item: Item) -> None:
    """INSERT the new (transient) ``item`` with one Core statement and add it to ``session`` as a persistent,
    clean object — what a flush would do, without the unit of work's bookkeeping.

    Every column is written: the value set on the object (a many-to-one relationship gives its column:
    ``department`` → ``department_id``), else the column's default; ``version`` starts at 1. The object
    then holds exactly what its row holds, with the relationships it was given (set them all: one left
    unset could not be loaded once the session is closed).
    """
    given = inspect(item).dict
    values: dict[str, Any] = {}
    for column in _table.columns:
        if column.primary_key:
            continue
        value = given.get(column.key)
        if value is None and column.default is not None:
            value = column.default.arg(None) if column.default.is_callable else column.default.arg
        values[column.key] = value
    for relationship, column_key in _COLUMN_OF.items():
        if given.get(relationship) is not None:
            values[column_key] = given[relationship].id
    values["version"] = 1
    item_id = session.connection().execute(_INSERT, values).scalar_one()
    for key, value in values.items():
        setattr(item, key, value)
    item.id = item_id
    make_transient_to_detached(item)  # its attributes become the loaded state of the row with that id
    session.add(item)
