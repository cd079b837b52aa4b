"""Where an item stands on its route: the snapshot taken at submission and the votes on that revision.

Pure: built from the snapshot's JSON (``snapshot_json``, written at ``submit``) and the revision's
``step_votes`` rows. The **active step** of a stage is its first step that has fewer votes than it
needs; the item leaves the stage when the stage's last step reaches its quorum (docs/routes.md,
"Phase 2"). The snapshot resolves names to ids (department, named users) so that the guards can judge
an ``Actor`` without a query, and keeps ``needed`` as counted at submission (``all`` counts everyone
the step named then).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Mapping

from workflow.routes.model import COUNT, DEPARTMENT, ITEM_DEPARTMENT, Deciders, Quorum, Route, RouteStep

if TYPE_CHECKING:
    from workflow.access import Actor

# The triggers that are votes on a step (the stages' awaited decisions); return/reject are not.
VOTING_TRIGGERS = ("pass_review", "approve")


@dataclass(frozen=True)
class Vote:
    """One vote on a step of the current revision."""

    user_id: int
    username: str
    decision: str
    at: datetime
    opinion: str | None = None
    name: str = ""  # the voter's display name (their username when they have none)
    acted_by_id: int | None = None  # the delegate who cast it for the voter (乙 代 甲), None: the voter did
    acted_by: str | None = None     # that delegate's user name
    acted_by_name: str | None = None  # and display name


@dataclass(frozen=True)
class StepProgress:
    """One step of the snapshot with its votes."""

    position: int
    stage: str
    name: str
    quorum: str | int
    needed: int
    kind: str
    role: str
    department_id: int | None
    user_ids: frozenset[int]
    votes: tuple[Vote, ...] = ()
    workdays: int | None = None  # its budget (workflow.routes.budget); None: due by the publish deadline

    @property
    def done(self) -> bool:
        """The step has its quorum."""
        return len(self.votes) >= self.needed

    def admits(self, actor: Actor, item_department_id: int) -> bool:
        """``actor`` is one of the step's deciders (separation of duties is judged elsewhere)."""
        if self.kind == ITEM_DEPARTMENT:
            return actor.acts_as(self.role, item_department_id)
        if self.kind == DEPARTMENT:
            return self.department_id is not None and actor.acts_as(self.role, self.department_id)
        return actor.id in self.user_ids and actor.has_role(self.role)


@dataclass(frozen=True)
class RouteProgress:
    """The route of the current revision and its votes."""

    name: str
    route_id: int | None
    steps: tuple[StepProgress, ...]

    def active(self, stage: str) -> StepProgress | None:
        """The step of ``stage`` waiting for votes (None: the stage is complete)."""
        return next((s for s in self.steps if s.stage == stage and not s.done), None)

    def first(self, stage: str) -> StepProgress | None:
        """The first step of ``stage`` (None: the route has none there)."""
        return next((s for s in self.steps if s.stage == stage), None)

    def with_vote(self, position: int, vote: Vote) -> RouteProgress:
        """The progress once ``vote`` is cast on step ``position``."""
        steps = tuple(replace(s, votes=(*s.votes, vote)) if s.position == position else s for s in self.steps)
        return replace(self, steps=steps)

    def voted(self, user_id: int | None) -> bool:
        """``user_id`` voted on this revision already (on any step), as the voter or as a delegate casting
        someone's vote (separation of duties binds the person who acted too)."""
        return user_id is not None and any(user_id in (v.user_id, v.acted_by_id) for s in self.steps for v in s.votes)

    def completes_stage(self, stage: str) -> bool:
        """One more vote on the active step completes ``stage`` (the active step is its last, one short)."""
        step = self.active(stage)
        last = [s for s in self.steps if s.stage == stage][-1]
        return step is not None and step.position == last.position and len(step.votes) + 1 >= step.needed

    def status(self, step: StepProgress, state: str, stages: tuple[str, ...]) -> str:
        """``done``, ``active`` or ``pending`` for an item in ``state`` (``stages``: the review stages in order)."""
        past = state not in ("draft", *stages) or (state in stages and stages.index(state) > stages.index(step.stage))
        if step.done or past:
            return "done"
        active = self.active(step.stage) if state == step.stage else None
        return "active" if active is not None and active.position == step.position else "pending"

    def to_json(self, state: str, stages: tuple[str, ...]) -> dict[str, Any]:
        """The item JSON's ``route`` (DESIGN.md §7a)."""
        return {"name": self.name, "steps": [
            {"stage": s.stage, "name": s.name, "quorum": s.quorum, "needed": s.needed,
             "votes": [{"user": v.username, "name": v.name or v.username, "at": v.at, "decision": v.decision,
                        "opinion": v.opinion, "acted_by": v.acted_by,
                        **({"acted_by_name": v.acted_by_name or v.acted_by} if v.acted_by else {})}
                       for v in s.votes],
             "status": self.status(s, state, stages)} for s in self.steps]}


def snapshot_json(route: Route, needed: Mapping[int, int], department_ids: Mapping[str, int],
                  user_ids: Mapping[str, int], workdays: Mapping[int, int | None] | None = None) -> dict[str, Any]:
    """The snapshot stored at submission: the route's contract shape plus, per step, ``needed``, the
    working days it has (``workflow.routes.budget``) and the ids the guards compare (``department_id``,
    ``user_ids``)."""
    body = route.to_json()
    for n, (step, shape) in enumerate(zip(route.steps, body["steps"]), 1):
        shape.update(kind=step.deciders.kind, needed=needed[n], workdays=(workdays or {}).get(n, step.workdays),
                     department_id=department_ids.get(step.deciders.department or ""),
                     user_ids=sorted(user_ids[u] for u in step.deciders.users if u in user_ids))
    return body


def route_of_snapshot(data: Mapping[str, Any]) -> Route:
    """The ``Route`` a snapshot was taken of (name, steps with their deciders, quorum and working days)."""
    steps = tuple(RouteStep(
        stage=s["stage"], name=s["name"],
        deciders=Deciders(s["kind"], s["role"], department=s.get("department"), users=tuple(s.get("users") or ())),
        quorum=Quorum(COUNT, int(s["quorum"])) if isinstance(s["quorum"], int) else Quorum(s["quorum"]),
        workdays=s.get("workdays")) for s in data["steps"])
    return Route(name=str(data["name"]), steps=steps, catalog_codes=tuple(data.get("catalog_codes") or ()),
                 departments=tuple(data.get("departments") or ()))


def from_snapshot(data: Mapping[str, Any], votes: list[tuple[int, Vote]], route_id: int | None) -> RouteProgress:
    """The progress of a revision: its snapshot and its ``(step position, vote)`` rows."""
    steps = tuple(StepProgress(
        position=n, stage=s["stage"], name=s["name"], quorum=s["quorum"], needed=int(s["needed"]), kind=s["kind"],
        role=s["role"], department_id=s.get("department_id"), user_ids=frozenset(s.get("user_ids") or ()),
        votes=tuple(v for position, v in votes if position == n), workdays=s.get("workdays"))
        for n, s in enumerate(data["steps"], 1))
    return RouteProgress(str(data["name"]), route_id, steps)


__all__ = ["RouteProgress", "StepProgress", "VOTING_TRIGGERS", "Vote", "from_snapshot", "route_of_snapshot",
           "snapshot_json"]
