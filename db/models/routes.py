"""Review routes (审批路线): ordered steps inside the secrecy review and the approval, and their votes.

A route applies to items by 清单 category and/or department. Both scopes are rows of their own
(``review_route_categories``, ``review_route_departments``) rather than JSON lists: foreign keys keep a
route from naming a category or department that does not exist (or stops existing), the resolution
of an item's route is an indexed look-up by (department, category) on both databases alike (JSON
containment differs between SQLite and PostgreSQL), and the same holds for a step's named users.

``item_route_snapshots`` and ``step_votes`` are written by the voting phase (docs/routes.md): the
route an item was submitted with, and each vote on a step of one submitted revision.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base
from db.types import UTCDateTime

# The two review stages a step may belong to, in the order an item passes them.
ROUTE_STAGES = ("secrecy_review", "approval")
# Who decides a step: the role in the item's department, the role in a named department, named users.
DECIDER_KINDS = ("item_department", "department", "users")
# The roles a step may name (deciding roles; drafters draft and admins administer).
STEP_ROLES = ("reviewer", "approver")
QUORUM_KINDS = ("any", "all", "count")
# What a vote says: the review's and the approval's two answers (the triggers' names).
VOTE_DECISIONS = ("pass_review", "return", "approve", "reject")
MAX_STEP_WORKDAYS = 60


def _in(values: tuple[str, ...]) -> str:
    return ",".join(f"'{v}'" for v in values)


class ReviewRoute(Base):
    """A named route; ``version`` is the optimistic lock of admin edits."""

    __tablename__ = "review_routes"
    __table_args__ = (CheckConstraint("version >= 1", name="version_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    steps: Mapped[list["ReviewRouteStep"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ReviewRouteStep.position")
    category_rows: Mapped[list["ReviewRouteCategory"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    department_rows: Mapped[list["ReviewRouteDepartment"]] = relationship(cascade="all, delete-orphan",
                                                                          lazy="selectin")

    __mapper_args__ = {"version_id_col": version}


class ReviewRouteCategory(Base):
    """One 清单 category a route applies to."""

    __tablename__ = "review_route_categories"

    route_id: Mapped[int] = mapped_column(ForeignKey("review_routes.id", ondelete="CASCADE"), primary_key=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("catalog_categories.code"), primary_key=True, index=True)


class ReviewRouteDepartment(Base):
    """One department a route applies to."""

    __tablename__ = "review_route_departments"

    route_id: Mapped[int] = mapped_column(ForeignKey("review_routes.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True, index=True)


class ReviewRouteStep(Base):
    """One step: its stage, name, who decides it and how many of them must agree."""

    __tablename__ = "review_route_steps"
    __table_args__ = (
        UniqueConstraint("route_id", "position", name="uq_review_route_steps_route_position"),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint(f"stage IN ({_in(ROUTE_STAGES)})", name="stage_known"),
        CheckConstraint(f"deciders IN ({_in(DECIDER_KINDS)})", name="deciders_known"),
        CheckConstraint(f"role IN ({_in(STEP_ROLES)})", name="role_known"),
        # a named department exactly when the step says "the role in a named department"
        CheckConstraint("(deciders = 'department') = (department_id IS NOT NULL)", name="department_when_named"),
        CheckConstraint(f"quorum_kind IN ({_in(QUORUM_KINDS)})", name="quorum_kind_known"),
        CheckConstraint("(quorum_kind = 'count' AND quorum_count IS NOT NULL AND quorum_count >= 1) OR "
                        "(quorum_kind <> 'count' AND quorum_count IS NULL)", name="quorum_count_matches"),
        CheckConstraint(f"workdays IS NULL OR (workdays >= 1 AND workdays <= {MAX_STEP_WORKDAYS})",
                        name="workdays_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("review_routes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    deciders: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    quorum_kind: Mapped[str] = mapped_column(String(8))
    quorum_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    workdays: Mapped[int | None] = mapped_column(Integer, nullable=True)

    user_rows: Mapped[list["ReviewRouteStepUser"]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class ReviewRouteStepUser(Base):
    """One named user who may decide a step (steps whose deciders are ``users``)."""

    __tablename__ = "review_route_step_users"

    step_id: Mapped[int] = mapped_column(ForeignKey("review_route_steps.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class ItemRouteSnapshot(Base):
    """The route an item's revision was submitted with (JSON); later route edits do not touch it."""

    __tablename__ = "item_route_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id", ondelete="CASCADE"), unique=True)
    # NULL: the default route (derived from the item workflow, not stored)
    route_id: Mapped[int | None] = mapped_column(ForeignKey("review_routes.id"), nullable=True)
    route: Mapped[dict[str, Any]] = mapped_column(JSON)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StepVote(Base):
    """One person's vote on one step of one submitted revision; nobody votes twice on a revision."""

    __tablename__ = "step_votes"
    __table_args__ = (
        UniqueConstraint("revision_id", "user_id", name="uq_step_votes_revision_user"),
        # "has this person voted on the item" (the task lists' NOT EXISTS) in one probe (migration 0023): with
        # the item alone, or the user alone, a 校领导 who signed thousands of items is read vote by vote
        Index("ix_step_votes_item_user", "item_id", "user_id"),
        # 已办 of a delegate: the votes they cast for someone (migration 0028)
        Index("ix_step_votes_acted_by_item", "acted_by_id", "item_id"),
        CheckConstraint("step_position >= 1", name="step_position_positive"),
        CheckConstraint(f"decision IN ({_in(VOTE_DECISIONS)})", name="decision_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id", ondelete="CASCADE"))
    step_position: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    opinion: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # 乙 代 甲: the delegate who cast this vote for ``user_id`` (the voter of record); NULL: the voter did
    acted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)



class ItemRouteStep(Base):
    """One step of a submitted revision's route, as rows: the relational index of the snapshot's JSON,
    written with it at submission (``workflow.route_votes.store_snapshot``). Task lists, holders,
    reminders and the item's visibility to deciders from other departments ask "who decides the
    active step" of these rows in SQL, on both databases alike."""

    __tablename__ = "item_route_steps"
    __table_args__ = (
        UniqueConstraint("revision_id", "position", name="uq_item_route_steps_revision_position"),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint("needed >= 1", name="needed_positive"),
        CheckConstraint("workdays IS NULL OR workdays >= 1", name="workdays_positive"),
        CheckConstraint(f"stage IN ({_in(ROUTE_STAGES)})", name="stage_known"),
        CheckConstraint(f"kind IN ({_in(DECIDER_KINDS)})", name="kind_known"),
        CheckConstraint(f"role IN ({_in(STEP_ROLES)})", name="role_known"),
        CheckConstraint("(kind = 'department') = (department_id IS NOT NULL)", name="department_when_named"),
        # the task lists' probe of an item's active step; on PostgreSQL it carries what the probe asks
        # (who decides, and the id for the named users) so that it never reads the table (migration 0023)
        Index("ix_item_route_steps_item_revision_position", "item_id", "revision", "position",
              postgresql_include=["kind", "role", "department_id", "id"]),
        Index("ix_item_route_steps_department_id", "department_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)  # the revision's number: compared with items.revision
    position: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    needed: Mapped[int] = mapped_column(Integer)
    # NULL: no budget of its own (the stage has none either): due by the publish deadline
    workdays: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ItemRouteStepUser(Base):
    """A named decider of a submitted step (steps that name users). 转办 (``workflow/services/reassign.py``)
    replaces one person's row by another's, which keeps whom it replaced, who did it, when and why."""

    __tablename__ = "item_route_step_users"

    step_id: Mapped[int] = mapped_column(ForeignKey("item_route_steps.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    reassigned_from_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reassigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reassigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reassign_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
