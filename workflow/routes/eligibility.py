"""Who may decide each step, and whether every step can reach its quorum under separation of duties.

Separation of duties across the whole route: on one revision nobody votes twice (not even on two
steps), and the item's author, submitter and contributors never vote. So the steps need
*disjoint* sets of voters: step *s* needs ``needed(s)`` distinct people from its eligible set, and
no person serves two steps. That is a bipartite b-matching (steps with a capacity, people with
capacity one), solved exactly with augmenting paths, adding the steps in route order: a step that
cannot be filled even after re-arranging the earlier steps' people is reported, and left out so
that the later steps are judged on their own.

Two reasons are told apart: *too few eligible* (fewer eligible people than the quorum, whatever
the other steps do) and *needed elsewhere* (enough people, but some of them are the only ones who
can fill earlier steps). At save time nobody is excluded yet (the best case, per department in
scope); at submission the item's author, submitter and contributors are. A quorum of ``all`` counts
everyone the step names, excluded or not: a 会签 whose member wrote the item cannot be completed
(and says so) rather than quietly going ahead without that member.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Mapping

from workflow.routes.model import DEPARTMENT, ITEM_DEPARTMENT, Route, RouteStep


@dataclass(frozen=True)
class Person:
    """An active user as the analysis sees them: roles and department scope."""

    username: str
    name: str
    roles: frozenset[str]
    departments: frozenset[str]
    all_departments: bool = False

    def acts_as(self, role: str, department: str) -> bool:
        """Holds ``role`` for ``department`` (as ``workflow.access.Actor.acts_as``)."""
        return role in self.roles and (self.all_departments or department in self.departments)


@dataclass(frozen=True)
class Directory:
    """Who exists: active people, active departments (code → name), 清单 categories (code → title)."""

    people: tuple[Person, ...]
    departments: Mapping[str, str]
    categories: Mapping[str, str]

    def person(self, username: str) -> Person | None:
        """The active person ``username``, or None."""
        return next((p for p in self.people if p.username == username), None)

    def display(self, username: str) -> str:
        """A person's display name (their username when unknown)."""
        person = self.person(username)
        return person.name if person and person.name else username


@dataclass(frozen=True)
class ItemFacts:
    """What the analysis needs of an item: its department and 清单 category, who may not vote."""

    department: str
    category: str | None = None
    author: str | None = None
    submitter: str | None = None
    contributors: frozenset[str] = frozenset()

    @property
    def excluded(self) -> frozenset[str]:
        """Author, submitter and contributors: they never vote on the item."""
        return frozenset(u for u in (self.author, self.submitter, *self.contributors) if u)


def eligible(step: RouteStep, department: str, directory: Directory,
             excluded: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Usernames who may decide ``step`` for an item of ``department`` (in directory order)."""
    deciders = step.deciders
    if deciders.kind == ITEM_DEPARTMENT:
        found = [p for p in directory.people if p.acts_as(deciders.role, department)]
    elif deciders.kind == DEPARTMENT:
        found = [p for p in directory.people if p.acts_as(deciders.role, deciders.department or "")]
    else:
        named = set(deciders.users)
        found = [p for p in directory.people if p.username in named and deciders.role in p.roles]
    return tuple(p.username for p in found if p.username not in excluded)


@dataclass(frozen=True)
class StepReach:
    """One step for one department: who may decide it, how many must, whether it can be filled."""

    position: int
    step: RouteStep
    eligible: tuple[str, ...]
    needed: int
    assigned: tuple[str, ...]
    # positions of the earlier steps that hold the people this step would need (when short)
    blocked_by: tuple[int, ...] = ()

    @property
    def too_few(self) -> bool:
        """Fewer eligible people than the quorum, whatever the other steps do."""
        return len(self.eligible) < self.needed

    @property
    def reachable(self) -> bool:
        """The step gets its quorum of distinct people."""
        return len(self.assigned) >= self.needed


def _augment(start: int, eligible: Mapping[int, tuple[str, ...]], owner: dict[str, int]) -> bool:
    """Give step ``start`` one more person, moving others between steps if need be (BFS augmenting path)."""
    came_from: dict[str, int] = {}   # person → the step that reached them
    via: dict[int, str] = {}         # step (other than start) → the person of theirs that led to it
    queue = deque([start])
    while queue:
        step = queue.popleft()
        for person in eligible[step]:
            if person in came_from or owner.get(person) == step:
                continue
            came_from[person] = step
            holder = owner.get(person)
            if holder is None:
                _shift(person, came_from, via, owner, start)
                return True
            if holder != start and holder not in via:
                via[holder] = person
                queue.append(holder)
    return False


def _shift(person: str, came_from: Mapping[str, int], via: Mapping[int, str], owner: dict[str, int],
           start: int) -> None:
    """Apply the path found: the free ``person`` joins the step that reached them, whose person moves on…"""
    while True:
        step = came_from[person]
        owner[person] = step
        if step == start:
            return
        person = via[step]


def analyse(route: Route, department: str, directory: Directory,
            excluded: frozenset[str] = frozenset()) -> list[StepReach]:
    """Each step of ``route`` for an item of ``department``: eligible people, quorum, assignment."""
    eligible_of = {n: eligible(step, department, directory, excluded) for n, step in enumerate(route.steps, 1)}
    # "all" means all of those the step names: one of them being the author makes it unreachable
    # (reported), it does not silently shrink a 会签 to the others
    needed_of = {n: step.quorum.needed(len(eligible(step, department, directory)))
                 for n, step in enumerate(route.steps, 1)}
    owner: dict[str, int] = {}
    short: dict[int, tuple[int, ...]] = {}
    for n in eligible_of:
        before = dict(owner)
        if needed_of[n] > len(eligible_of[n]):
            short[n] = ()
            continue
        if not all(_augment(n, eligible_of, owner) for _ in range(needed_of[n])):
            owner = before  # leave the step out: later steps are judged on their own
            short[n] = tuple(sorted({owner[p] for p in eligible_of[n] if p in owner}))
    return [StepReach(n, step, eligible_of[n], needed_of[n],
                      () if n in short else tuple(p for p, s in owner.items() if s == n), short.get(n, ()))
            for n, step in enumerate(route.steps, 1)]


__all__ = ["Directory", "ItemFacts", "Person", "StepReach", "analyse", "eligible"]
