"""Read-side verbs: item lists, task lists, department boards, overdue, history.

Every list is scoped (admins see all departments, others their own) and paginated, and
every filter is served by an index on (department, state, stage_due).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Sequence

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, defaultload

from db.models import AuditEvent, Department, Item, User
from db.models.items import DISCLOSURE
from db.models.search import ItemSearch
from workflow import channels, delegation, route_votes
from workflow.access import Actor, public_items_filter, require_role, sees_internals
from workflow.calendar import deadlines
from workflow.context import Gongkai
from workflow.errors import NotFound, ValidationFailed
from workflow.holders import Holding, holdings
from workflow.i18n import N_, gettext
from workflow.item_context import ITEM_FIELD_LABELS
from workflow.inputs import parse_page
from workflow.item_spec import board_states, spec_of
from workflow.search.query import SearchQuery, found_ids, newest_first, parse_query, parse_range
from workflow.services.items import load_internal, today
from workflow.task_filters import awaited_filter, delegated_filter
from workflow.views import event_to_dict


@dataclass(frozen=True)
class Page:
    """One page of results."""

    items: Sequence[Any]
    page: int
    per_page: int
    total: int
    # True when there are more than ``total`` (a search counts up to SEARCH_COUNT_CAP): a page after
    # the last one ``total`` fills exists
    capped: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-(self.total + self.capped) // self.per_page))


# How far a search counts its matches (``Page.capped`` beyond): the API says ``total_capped``, the page 「1,000+ 条」.
SEARCH_COUNT_CAP = 1000
# PostgreSQL: up to this many matches, a search's page is sorted from the ids the GIN index gives; beyond,
# the word is frequent and the page is found by walking the items newest first (``_probe``).
SEARCH_PROBE = 5000


def page_args(app: Gongkai, page: Any = None, per_page: Any = None) -> tuple[int, int]:
    """Validated (page, per_page) from query parameters (``workflow.inputs.parse_page``)."""
    return parse_page(page, per_page, default_size=int(app.settings["limits.page_size_default"]),
                      max_size=int(app.settings["limits.page_size_max"]))


def scope_filter(actor: Actor) -> Any:
    """SQL condition: items of the actor's departments (everything for admins and '*')."""
    if actor.is_admin or actor.all_departments:
        return True
    return Item.department_id.in_(sorted(actor.department_ids) or [-1])


def _paginate(session: Session, query: Select[Any], page: int, per_page: int,
              count: Select[Any] | None = None) -> Page:
    # count(*) over the same filters, not over a sub-select of whole rows: lets PostgreSQL answer
    # from the (department, state, due) index alone. ``count``: a cheaper statement that counts the same.
    if count is None:
        count = query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    total = session.scalar(count) or 0
    rows = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(rows, page, per_page, total)


def department_id(session: Session, code: str) -> int:
    """Id of the department with ``code`` (ValidationFailed when unknown)."""
    found = session.scalar(select(Department.id).where(Department.code == code))
    if found is None:
        raise ValidationFailed("未知的部门：%(dept)s", code="unknown_department", field="department", dept=code)
    return found


def _bool_arg(value: Any, name: str) -> bool | None:
    if value in (None, ""):
        return None
    lowered = str(value).lower()
    if lowered in ("1", "true", "yes"):
        return True
    if lowered in ("0", "false", "no"):
        return False
    raise ValidationFailed("%(name)s 必须是 true 或 false", code="invalid_value", field=name, name=name)


def list_items(app: Gongkai, actor: Actor, *, state: str | None = None, department: str | None = None,
               overdue: Any = None, q: str | None = None, category: str | None = None, date_from: Any = None,
               date_to: Any = None, page: Any = None, per_page: Any = None, sort: str = "due") -> Page:
    """Items in the actor's scope, filtered and paginated.

    ``q``: full-text search over title, body, attachment names and texts (``workflow.search``, docs/search.md);
    results then come newest first. ``category``: a 清单 category code (``zsks`` …); ``date_from`` /
    ``date_to``: the 信息形成日期 (``formed_on``) between two days, both inclusive (YYYY-MM-DD).
    """
    page_no, size = page_args(app, page, per_page)
    spec = spec_of(app)
    if state and state not in spec.state_values:
        raise ValidationFailed("未知的状态：%(state)s", code="invalid_value", field="state", state=state)
    want_overdue = _bool_arg(overdue, "overdue")
    search = parse_query(q)
    day_from, day_to = parse_range(date_from, date_to)
    now = app.now()
    with app.db.read() as session:
        dept_id = department_id(session, department) if department else None
        # conditions on the item row beyond its scope and department
        filters: list[Any] = []
        if state:
            filters.append(Item.state == state)
        if want_overdue is not None:
            late = and_(Item.state.in_(spec.open_states), Item.stage_due < now)
            filters.append(late if want_overdue else ~late)
        if category:
            filters.append(Item.catalog_code.in_(_category_codes(session, category)))
        if day_from is not None:
            filters.append(Item.formed_on >= day_from)
        if day_to is not None:
            filters.append(Item.formed_on <= day_to)
        if search is not None:
            return _search_page(app, session, actor, search, dept_id, filters, page_no, size)
        query = select(Item).where(scope_filter(actor), *filters)
        if dept_id is not None:
            query = query.where(Item.department_id == dept_id)
        order = (Item.stage_due.asc().nulls_last(), Item.id) if sort == "due" else (Item.id.desc(),)
        return _paginate(session, query.order_by(*order), page_no, size)


def _search_page(app: Gongkai, session: Session, actor: Actor, search: SearchQuery, dept_id: int | None,
                 filters: list[Any], page: int, per_page: int) -> Page:
    """One page of a search, newest first, and its count up to ``SEARCH_COUNT_CAP`` (docs/search.md, "How a
    search is run").

    The matching ids come from the index (``search.query.found_ids``: the bigrams, the scope and the
    department on ``item_search``), joined to the items only when a filter is on the item row (state,
    category, dates, overdue). The count stops at the cap (or at the end of the asked page when it lies
    beyond): an exact count of a frequent word's hundreds of thousands of matches would read every one of
    them, for a number nobody pages through. Only the page's items are read, with the list's scope once more.
    """
    found = found_ids(search, app.db.is_postgres, search_scope(actor),
                      *([ItemSearch.department_id == dept_id] if dept_id is not None else []))
    if filters:
        found = found.join(Item, Item.id == found.selected_columns[0]).where(*filters)
    limit = max(SEARCH_COUNT_CAP, page * per_page)      # counted this far; one more says "and more"
    offset = (page - 1) * per_page
    if app.db.is_postgres:
        counted, ids = _probe(session, found, max(SEARCH_PROBE, limit), per_page, offset)
    else:
        # FTS5 hands out its matches newest first (found_ids): both statements stop at the rows they need
        counted = session.scalar(select(func.count()).select_from(found.limit(limit + 1).subquery())) or 0
        ids = None
    if ids is None:
        ids = newest_first(found).limit(per_page).offset(offset)
    rows = session.scalars(select(Item).options(*_LIST_ROW).where(Item.id.in_(ids), scope_filter(actor))
                           .order_by(Item.id.desc())).unique().all() if counted > offset else []
    return Page(rows, page, per_page, min(counted, limit), capped=counted > limit)


# A result row names its author and submitter (``views.item_to_dict``): their roles and departments, which
# the User mapper loads eagerly, are not read — four round trips saved per page.
_LIST_ROW = tuple(defaultload(person).lazyload(attribute) for person in (Item.author, Item.submitted_by)
                  for attribute in (User.role_rows, User.departments))


def _probe(session: Session, found: Select[Any], probe: int, per_page: int, offset: int) -> tuple[int, list[int] | None]:
    """PostgreSQL: the matches counted up to ``probe`` + 1 through the GIN index, with the page's ids when
    that is all of them; ``None`` for the ids when there are more.

    The matches are a MATERIALIZED CTE, planned as if all of them were read — a bitmap scan of the GIN
    index (with the department index), never a scan of the table that would unpack each row's bigrams —
    and read only as far as the count needs. A word with few matches then has its page sorted from these
    ids; a word with more matches than ``probe`` is frequent enough that walking the items newest first
    (``newest_first``, the primary key backwards) finds a page's worth after a few rows.
    """
    matches = found.cte("found").prefix_with("MATERIALIZED")
    first = select(matches.c.item_id).limit(probe + 1).cte("probe")
    page = select(first.c.item_id).order_by(first.c.item_id.desc()).limit(per_page).offset(offset).subquery()
    counted, ids = session.execute(select(select(func.count()).select_from(first).scalar_subquery(),
                                          select(func.array_agg(page.c.item_id)).scalar_subquery())).one()
    return counted, (list(ids or []) if counted <= probe else None)


def search_scope(actor: Actor) -> Any:
    """``scope_filter`` on the search index's department column (the same departments)."""
    if actor.is_admin or actor.all_departments:
        return True
    return ItemSearch.department_id.in_(sorted(actor.department_ids) or [-1])


def _category_codes(session: Session, category: str) -> Any:
    """The 清单 entries of one category (a sub-select), ValidationFailed when the category is unknown."""
    from db.models import CatalogCategory, CatalogEntry
    if session.scalar(select(CatalogCategory.code).where(CatalogCategory.code == category)) is None:
        raise ValidationFailed("未知的清单类别：%(category)s", code="invalid_value", field="category",
                               category=str(category)[:40])
    return select(CatalogEntry.code).where(CatalogEntry.category_code == category)


def my_tasks(app: Gongkai, actor: Actor, *, page: Any = None, per_page: Any = None) -> Page:
    """Items awaiting the actor's action, earliest due first: his own, and those of the people he represents
    today (委托: ``task_filters.delegated_filter``; ``delegated_marks`` says which rows are whose)."""
    page_no, size = page_args(app, page, per_page)
    spec = spec_of(app)
    with app.db.read() as session:
        # who acts in which state, and under which guards, is the spec's (spec.awaited(), task_filters)
        awaited = awaited_filter(spec, actor)
        people = delegation.principals(session, actor, today(app))
        if people:
            awaited = or_(awaited, *(delegated_filter(spec, p.actor, actor) for p in people))
        query = select(Item).where(awaited).order_by(Item.stage_due.asc().nulls_last(), Item.id)
        return _paginate(session, query, page_no, size)


def delegated_marks(app: Gongkai, actor: Actor, items: Sequence[Item]) -> dict[int, delegation.Principal]:
    """Of ``items`` (a page of 我的待办), those the actor has there only as someone's delegate today, with whom
    (the 「代 甲」 mark; the first such person when several): none when he represents nobody (one query)."""
    if not items:
        return {}
    spec = spec_of(app)
    with app.db.read() as session:
        people = delegation.principals(session, actor, today(app))
        if not people:
            return {}
        ids = [item.id for item in items]
        own = set(session.scalars(select(Item.id).where(Item.id.in_(ids), awaited_filter(spec, actor))))
        marks: dict[int, delegation.Principal] = {}
        for principal in people:
            for item_id in session.scalars(select(Item.id).where(Item.id.in_(ids), Item.id.not_in(own or {-1}),
                                                                 delegated_filter(spec, principal.actor, actor))):
                marks.setdefault(item_id, principal)
        return marks


def awaiting_authority(app: Gongkai, actor: Actor, *, limit: int = 50) -> list[Item]:
    """Items in secrecy review waiting for the secrecy authority's answer (转保密审定) that the actor would
    otherwise review (reviewers of the department, admins): not their task, but theirs to follow up."""
    from db.models import Revision
    from db.models.referrals import Referral
    from workflow.access import ADMIN, REVIEWER
    if not (actor.has_role(REVIEWER) or actor.has_role(ADMIN)):
        return []
    current = select(Revision.id).where(Revision.item_id == Item.id, Revision.number == Item.revision) \
        .correlate(Item).scalar_subquery()
    with app.db.read() as session:
        query = (select(Item).join(Referral, and_(Referral.item_id == Item.id, Referral.answered_at.is_(None),
                                                  Referral.revision_id == current))
                 .where(Item.state == "secrecy_review", scope_filter(actor) if not actor.has_role(ADMIN) else True)
                 .order_by(Referral.due_at, Item.id).limit(limit))
        return list(session.scalars(query))


def department_tasks(app: Gongkai, actor: Actor, code: str, *, limit_per_stage: int = 50) -> dict[str, Any]:
    """Pending items of one department by stage, with counts, due-soon/overdue and the oldest."""
    now = app.now()
    with app.db.read() as session:
        dept = session.scalar(select(Department).where(Department.code == code))
        if dept is None or not (actor.is_admin or actor.covers(dept.id)):
            raise NotFound("部门不存在或不在您的范围内", code="department_not_found")
        stages: dict[str, Any] = {}
        for stage in board_states(spec_of(app)):
            base = select(Item).where(Item.department_id == dept.id, Item.state == stage)
            count = session.scalar(select(func.count()).select_from(base.subquery())) or 0
            overdue = session.scalar(select(func.count()).select_from(
                base.where(Item.stage_due < now).subquery())) or 0
            rows = session.scalars(base.order_by(Item.stage_due.asc().nulls_last(), Item.id)
                                   .limit(limit_per_stage)).all()
            stages[stage] = {"count": count, "overdue": overdue, "items": list(rows)}
        return {"department": dept, "stages": stages}


def _open_items(app: Gongkai, session: Session, due_condition: Any, department: str | None,
                stage: str | None) -> Select[Any]:
    """Open items matching ``due_condition``, optionally of one department and stage."""
    open_states = spec_of(app).open_states
    query = select(Item).where(Item.state.in_(open_states), due_condition)
    if department:
        query = query.where(Item.department_id == department_id(session, department))
    if stage:
        if stage not in open_states:
            raise ValidationFailed("未知的阶段：%(stage)s", code="invalid_value", field="stage", stage=stage)
        query = query.where(Item.state == stage)
    return query


def overdue_items(app: Gongkai, actor: Actor, *, department: str | None = None, stage: str | None = None,
                  page: Any = None, per_page: Any = None) -> tuple[Page, dict[int, dict[str, Any]]]:
    """Admin: open items past due, each with its rung and working days late."""
    from workflow.access import ADMIN
    require_role(actor, ADMIN)
    page_no, size = page_args(app, page, per_page)
    now = app.now()
    with app.db.read() as session:
        query = _open_items(app, session, Item.stage_due < now, department, stage)
        result = _paginate(session, query.order_by(Item.stage_due.asc(), Item.id), page_no, size)
    calendar = app.calendar
    extra = {item.id: {"rung": deadlines.current_rung(calendar, item.stage_due, now, app.settings),
                       "workdays_late": deadlines.workdays_late(calendar, item.stage_due, now)}
             for item in result.items}
    return result, extra


def holders_of(app: Gongkai, items: Sequence[Item]) -> dict[int, Holding]:
    """Who must act on each of ``items`` now, with the active step of its review route (``workflow.holders``):
    for items the caller already may see (a task list, a board, the overdue page)."""
    if not items:
        return {}
    with app.db.read() as session:
        return holdings(session, items)


def holders_seen_by(app: Gongkai, actor: Actor, items: Sequence[Item]) -> dict[int, Holding]:
    """``holders_of`` for those of ``items`` whose internals ``actor`` sees (``items.internal_view``: admins,
    the item's department, the deciders of a step of its route); the others are left out, as the item
    JSON of an outsider carries no holders. A few queries for the whole page, not a few per item."""
    if not items:
        return {}
    with app.db.read() as session:
        inside = {item.id for item in items if sees_internals(actor, item.department_id)}
        inside |= route_votes.decided_among(session, actor, [item.id for item in items if item.id not in inside])
        return holdings(session, [item for item in items if item.id in inside])


def item_history(app: Gongkai, actor: Actor, item_id: int) -> list[dict[str, Any]]:
    """The audit events of one item, oldest first (department scope and admins only: the
    history carries reasons, decisions and what changed)."""
    with app.db.read() as session:
        load_internal(session, actor, item_id, today(app))
        events = session.scalars(select(AuditEvent).where(AuditEvent.item_id == item_id)
                                 .order_by(AuditEvent.seq)).all()
        rows = [event_to_dict(event) for event in events]
        names = _display_names(session, {name for row in rows for name in (row["actor"], row["on_behalf_of"]) if name})
        return [{**row, "actor_display": names.get(row["actor"] or ""),
                 "on_behalf_of_display": names.get(row["on_behalf_of"] or "")} for row in rows]


def _display_names(session: Session, usernames: set[str]) -> dict[str, str]:
    """Username → the name a person reads (the username itself when no name is on record)."""
    if not usernames:
        return {}
    rows = session.execute(select(User.username, User.display_name).where(User.username.in_(usernames)))
    return {row.username: row.display_name or row.username for row in rows}


def public_items(app: Gongkai, *, q: str | None = None, department: str | None = None,
                 catalog_code: str | None = None, page: Any = None, per_page: Any = None) -> Page:
    """Published disclosure items only, newest first (no login); never a reply letter."""
    page_no, size = page_args(app, page, per_page)
    with app.db.read() as session:
        query = select(Item).where(public_items_filter())
        if department:
            query = query.where(Item.department_id == department_id(session, department))
        if catalog_code:
            query = query.where(Item.catalog_code == catalog_code)
        if q:
            term = q.strip()[:100]
            query = query.where(or_(Item.title.contains(term, autoescape=True),
                                    Item.body.contains(term, autoescape=True)))
        return _paginate(session, query.order_by(Item.published_at.desc(), Item.id.desc()), page_no, size)


def list_departments(app: Gongkai) -> list[Department]:
    """All active departments, by code."""
    with app.db.read() as session:
        return list(session.scalars(select(Department).where(Department.active.is_(True)).order_by(Department.code)))


# --- read helpers of the web UI (issue #4) -------------------------------------------------


def department_board(app: Gongkai, actor: Actor) -> list[dict[str, Any]]:
    """For each department in scope: pending counts per stage, due soon, overdue and the oldest waiting.

    Two grouped queries (counts; oldest per department), so the board stays fast at scale.
    """
    from datetime import timedelta
    from workflow.clock import SHANGHAI
    now = app.now()
    soon_day = app.calendar.add_workdays(deadlines.local_date(now), 1)
    from datetime import datetime as _dt, time as _time
    soon = _dt.combine(soon_day + timedelta(days=1), _time(0), tzinfo=SHANGHAI)
    stages = board_states(spec_of(app))
    open_states = spec_of(app).open_states
    with app.db.read() as session:
        depts = list(session.scalars(select(Department).where(Department.active.is_(True))
                                     .where(scope_filter_department(actor)).order_by(Department.code)))
        ids = [d.id for d in depts] or [-1]
        rows = session.execute(
            select(Item.department_id, Item.state, func.count(),
                   func.sum(case_when(and_(Item.state.in_(open_states), Item.stage_due < now))),
                   func.sum(case_when(and_(Item.state.in_(open_states), Item.stage_due >= now,
                                           Item.stage_due < soon))),
                   func.min(Item.stage_entered_at))
            .where(Item.department_id.in_(ids), Item.state.in_(stages))
            .group_by(Item.department_id, Item.state)).all()
        board: dict[int, dict[str, Any]] = {
            d.id: {"department": d, "stages": {s: 0 for s in stages}, "overdue": 0, "due_soon": 0,
                   "oldest": None} for d in depts}
        oldest_at: dict[int, Any] = {}
        for dept_id, state, count, late, near, first in rows:
            entry = board[dept_id]
            entry["stages"][state] = count
            entry["overdue"] += int(late or 0)
            entry["due_soon"] += int(near or 0)
            if state in open_states and first is not None and (dept_id not in oldest_at or first < oldest_at[dept_id]):
                oldest_at[dept_id] = first
        for dept_id, first in oldest_at.items():
            board[dept_id]["oldest"] = session.scalar(
                select(Item).where(Item.department_id == dept_id, Item.state.in_(open_states),
                                   Item.stage_entered_at == first).order_by(Item.id).limit(1))
        return list(board.values())


def case_when(condition: Any) -> Any:
    """1 when ``condition`` holds else 0 (for SUM in grouped counts)."""
    from sqlalchemy import case
    return case((condition, 1), else_=0)


def scope_filter_department(actor: Actor) -> Any:
    """SQL condition on departments: those in the actor's scope."""
    if actor.is_admin or actor.all_departments:
        return True
    return Department.id.in_(sorted(actor.department_ids) or [-1])


def due_horizon(app: Gongkai, actor: Actor, *, workdays: int = 3, department: str | None = None,
                stage: str | None = None, limit: int = 5000) -> list[Item]:
    """Admin: open items due within ``workdays`` working days or already late, earliest due first."""
    from datetime import datetime as _dt, time as _time, timedelta
    from workflow.access import ADMIN
    from workflow.clock import SHANGHAI
    require_role(actor, ADMIN)
    now = app.now()
    horizon_day = app.calendar.add_workdays(deadlines.local_date(now), workdays)
    horizon = _dt.combine(horizon_day + timedelta(days=1), _time(0), tzinfo=SHANGHAI)
    with app.db.read() as session:
        due = and_(Item.stage_due.is_not(None), Item.stage_due < horizon)
        query = _open_items(app, session, due, department, stage)
        return list(session.scalars(query.order_by(Item.stage_due.asc(), Item.id).limit(limit)))


def revision_diff(app: Gongkai, actor: Actor, item_id: int) -> dict[str, Any] | None:
    """What changed between the item's latest submitted revision and the one before, as a person reads it:
    ``fields`` (each changed field by its label, old and new value in words: 清单 entry and channel labels,
    the department's name, dates as dates), ``attachments`` (added, removed and replaced, by name) and
    ``lines`` (a unified diff of the body). None when fewer than two revisions exist. For a revision item
    (``supersedes``) with one revision, the superseded item's last revision is the "previous" one.
    """
    import difflib
    from db.models import Revision
    with app.db.read() as session:
        item = load_internal(session, actor, item_id, today(app))  # earlier revisions: the department scope and admins
        revisions = list(session.scalars(select(Revision).where(Revision.item_id == item_id)
                                         .order_by(Revision.number.desc()).limit(2)))
        if len(revisions) == 1 and item.supersedes_id is not None:
            before = session.scalar(select(Revision).where(Revision.item_id == item.supersedes_id)
                                    .order_by(Revision.number.desc()).limit(1))
            if before is not None:
                revisions.append(before)
        if len(revisions) < 2:
            return None
        new, old = revisions[0], revisions[1]
        words = _ContentWords.load(session, [old.content, new.content])
    body = list(difflib.unified_diff(str(old.content.get("body") or "").splitlines(),
                                     str(new.content.get("body") or "").splitlines(), lineterm="", n=2))
    fields = [change for change in (words.change(key, old.content, new.content) for key in DIFF_FIELDS) if change]
    attachments = _attachment_changes(old.content.get("attachments") or [], new.content.get("attachments") or [])
    return {"old": old.number, "new": new.number, "old_item": old.item_id, "lines": body[2:], "fields": fields,
            "attachments": attachments, "changed": bool(body or fields or any(attachments.values()))}


#: The snapshot's fields a diff names, in the order a form shows them (the body has its own line diff).
DIFF_FIELDS = ("title", "department_id", "catalog_code", "doc_number", "channels", "formed_on")
_DIFF_LABELS = {"department_id": N_("部门"), "doc_number": N_("文号")}


@dataclass(frozen=True)
class _ContentWords:
    """The words for a snapshot's codes: 清单 entries and departments by their names."""

    entries: dict[str, str]
    departments: dict[int, str]

    @classmethod
    def load(cls, session: Session, contents: list[dict[str, Any]]) -> "_ContentWords":
        from db.models import CatalogEntry
        codes = {c.get("catalog_code") for c in contents if c.get("catalog_code")}
        ids = {c.get("department_id") for c in contents if c.get("department_id")}
        entries = dict(session.execute(select(CatalogEntry.code, CatalogEntry.title)
                                       .where(CatalogEntry.code.in_(codes))).tuples().all()) if codes else {}
        departments = dict(session.execute(select(Department.id, Department.name)
                                           .where(Department.id.in_(ids))).tuples().all()) if ids else {}
        return cls(entries, departments)

    def change(self, key: str, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any] | None:
        """``{key, label, old, new}`` in words when ``key`` changed, else None."""
        if old.get(key) == new.get(key):
            return None
        label = _DIFF_LABELS.get(key) or ITEM_FIELD_LABELS.get(key, key)
        return {"key": key, "label": gettext(label), "old": self.words(key, old.get(key)),
                "new": self.words(key, new.get(key))}

    def words(self, key: str, value: Any) -> Any:
        if value in (None, "", []):
            return None
        if key == "catalog_code":
            return f"{value} {self.entries.get(value, '')}".strip()
        if key == "department_id":
            return self.departments.get(value, str(value))
        if key == "channels":
            return "、".join(gettext(channels.LABELS.get(code, code)) for code in value)
        if key == "formed_on":
            return date.fromisoformat(value)
        return value


def _attachment_changes(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Attachments added, removed and replaced (same name, other content), by name."""
    before = {a["filename"]: a["sha256"] for a in old}
    after = {a["filename"]: a["sha256"] for a in new}
    return {"added": sorted(set(after) - set(before)), "removed": sorted(set(before) - set(after)),
            "replaced": sorted(name for name in set(before) & set(after) if before[name] != after[name])}


def public_item(app: Gongkai, item_id: int) -> Item:
    """A published item for the public directory; NotFound otherwise (archived ones disappear).

    A superseded item raises NotFound with ``details={"successor": id}`` so the page can link onwards.
    """
    with app.db.read() as session:
        return public_item_in(session, item_id)


def public_item_in(session: Session, item_id: int) -> Item:
    """:func:`public_item` inside the caller's session."""
    item = session.scalar(select(Item).where(Item.id == item_id, public_items_filter()))
    if item is None:
        successor = session.scalar(select(Item.superseded_by_id).where(Item.id == item_id,
                                                                       Item.kind == DISCLOSURE))
        if successor is not None:
            successor = session.scalar(select(Item.id).where(Item.id == successor, public_items_filter()))
        raise NotFound("事项不存在或已不再公开", code="item_not_found",
                       details={"successor": successor} if successor else None)
    return item


def published_counts_by_catalog(app: Gongkai, department: str | None = None) -> dict[str, int]:
    """Number of published items per 清单 entry (the public directory's tree)."""
    with app.db.read() as session:
        query = select(Item.catalog_code, func.count()).where(public_items_filter())
        if department:
            query = query.where(Item.department_id == department_id(session, department))
        return {code: count for code, count in session.execute(query.group_by(Item.catalog_code))}


def list_users(app: Gongkai, actor: Actor) -> list[Any]:
    """Admin: every user with roles and scope, by name."""
    from db.models import User
    from workflow.access import ADMIN
    require_role(actor, ADMIN)
    with app.db.read() as session:
        return list(session.scalars(select(User).order_by(User.username)))
