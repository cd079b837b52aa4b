"""The route tables refuse what no code path may write: unknown stage, bad quorum, a second vote."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from db.models import Department, Item, Revision, User
from db.models.routes import ItemRouteSnapshot, ReviewRoute, ReviewRouteStep, StepVote
from db.session import Database

NOW = datetime(2025, 9, 26, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def rows(database: Database) -> dict[str, int]:
    """A department, a user, a route, an item and its submitted revision."""
    with database.engine.begin() as conn:
        dept = conn.execute(insert(Department).values(code="xsc", name="学生处", active=True)).inserted_primary_key[0]
        user = conn.execute(insert(User).values(username="u", display_name="U", all_departments=False,
                                                is_department_head=False, is_office_head=False,
                                                notify_pref="off", locale="zh_Hans_CN", active=True,
                                                created_at=NOW)).inserted_primary_key[0]
        route = conn.execute(insert(ReviewRoute).values(name="r", active=True, version=1, created_at=NOW,
                                                         updated_at=NOW)).inserted_primary_key[0]
        item = conn.execute(insert(Item).values(
            title="t", body="", department_id=dept, kind="disclosure", catalog_code="1", channels=[],
            formed_on=date(2025, 9, 26), state="secrecy_review", stage_entered_at=NOW, stage_entry=1, version=1,
            revision=1, author_id=user, created_at=NOW, updated_at=NOW, is_list=False,
            deadline_estimated=False)).inserted_primary_key[0]
        revision = conn.execute(insert(Revision).values(item_id=item, number=1, content={}, content_hash="h",
                                                        submitted_by_id=user, submitted_at=NOW)).inserted_primary_key[0]
    return {"dept": dept, "user": user, "route": route, "item": item, "revision": revision}


def _step(rows: dict[str, int], **changes: object) -> dict[str, object]:
    return {"route_id": rows["route"], "position": 1, "stage": "secrecy_review", "name": "审查",
            "deciders": "item_department", "role": "reviewer", "quorum_kind": "any", **changes}


def _refused(database: Database, table: type, values: dict[str, object]) -> None:
    with pytest.raises(IntegrityError):
        with database.engine.begin() as conn:
            conn.execute(insert(table).values(**values))


def test_a_good_step_is_stored(database: Database, rows) -> None:
    with database.engine.begin() as conn:
        conn.execute(insert(ReviewRouteStep).values(**_step(rows)))
        conn.execute(insert(ReviewRouteStep).values(**_step(rows, position=2, stage="approval", role="approver",
                                                            deciders="department", department_id=rows["dept"],
                                                            quorum_kind="count", quorum_count=2, workdays=3)))


@pytest.mark.parametrize("changes", [
    {"stage": "published"}, {"stage": "draft"}, {"role": "drafter"}, {"deciders": "anyone"},
    {"quorum_kind": "most"}, {"quorum_kind": "count"}, {"quorum_kind": "count", "quorum_count": 0},
    {"quorum_kind": "any", "quorum_count": 2}, {"position": 0}, {"workdays": 0}, {"workdays": 61},
    {"deciders": "department"},  # a named department is missing
], ids=str)
def test_bad_steps_are_refused(database: Database, rows, changes) -> None:
    _refused(database, ReviewRouteStep, _step(rows, **changes))


def test_a_department_only_for_department_steps(database: Database, rows) -> None:
    _refused(database, ReviewRouteStep, _step(rows, department_id=rows["dept"]))


def test_one_position_once_per_route(database: Database, rows) -> None:
    with database.engine.begin() as conn:
        conn.execute(insert(ReviewRouteStep).values(**_step(rows)))
    _refused(database, ReviewRouteStep, _step(rows, name="另一个"))


def test_route_names_are_unique(database: Database, rows) -> None:
    _refused(database, ReviewRoute, {"name": "r", "active": True, "version": 1, "created_at": NOW, "updated_at": NOW})


def _vote(rows: dict[str, int], **changes: object) -> dict[str, object]:
    return {"item_id": rows["item"], "revision_id": rows["revision"], "step_position": 1, "user_id": rows["user"],
            "decision": "pass_review", "at": NOW, **changes}


def test_nobody_votes_twice_on_one_revision(database: Database, rows) -> None:
    with database.engine.begin() as conn:
        conn.execute(insert(StepVote).values(**_vote(rows)))
    _refused(database, StepVote, _vote(rows, step_position=2, decision="approve"))


@pytest.mark.parametrize("changes", [{"decision": "maybe"}, {"step_position": 0}], ids=str)
def test_bad_votes_are_refused(database: Database, rows, changes) -> None:
    _refused(database, StepVote, _vote(rows, **changes))


def test_one_snapshot_per_revision(database: Database, rows) -> None:
    snapshot = {"item_id": rows["item"], "revision_id": rows["revision"], "route_id": None,
                "route": {"name": "默认路线", "steps": []}, "taken_at": NOW}
    with database.engine.begin() as conn:
        conn.execute(insert(ItemRouteSnapshot).values(**snapshot))
    _refused(database, ItemRouteSnapshot, {**snapshot, "route_id": rows["route"]})
