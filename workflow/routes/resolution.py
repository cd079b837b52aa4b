"""Which route an item takes: the most specific route whose scope covers it, else the default.

Specificity: 清单 category + department (3) > department (2) > category (1) > the default route (0).
Two active routes of the same specificity that could both cover one item are a tie; ties are
refused when a route is saved (``ties``), so resolution never has to guess. Should one slip
through all the same (a category renamed under a route), the older route (smaller id) wins.
"""
from __future__ import annotations

from typing import Iterable

from workflow.routes.model import Route

CATEGORY_AND_DEPARTMENT, DEPARTMENT_ONLY, CATEGORY_ONLY, DEFAULT = 3, 2, 1, 0


def specificity(route: Route) -> int:
    """How specific ``route``'s scope is (3, 2, 1; 0 for a route with no scope: the default)."""
    return (CATEGORY_ONLY if route.catalog_codes else 0) + (DEPARTMENT_ONLY if route.departments else 0)


def covers(route: Route, department: str, category: str | None) -> bool:
    """Whether ``route`` applies to an item of ``department`` in 清单 ``category``."""
    if not route.active or specificity(route) == DEFAULT:
        return False
    if route.departments and department not in route.departments:
        return False
    return not route.catalog_codes or (category is not None and category in route.catalog_codes)


def resolve(routes: Iterable[Route], department: str, category: str | None, default: Route) -> Route:
    """The route for an item of ``department`` in ``category``: most specific first, else ``default``."""
    matching = [route for route in routes if covers(route, department, category)]
    if not matching:
        return default
    return min(matching, key=lambda r: (-specificity(r), r.id if r.id is not None else 0))


def overlap(a: Route, b: Route) -> bool:
    """Whether two routes tie: same specificity, and some item would be covered by both."""
    if a.id is not None and a.id == b.id or not (a.active and b.active):
        return False
    if specificity(a) != specificity(b) or specificity(a) == DEFAULT:
        return False
    shares_departments = not a.departments or bool(set(a.departments) & set(b.departments))
    shares_categories = not a.catalog_codes or bool(set(a.catalog_codes) & set(b.catalog_codes))
    return shares_departments and shares_categories


def ties(route: Route, others: Iterable[Route]) -> list[Route]:
    """The other active routes ``route`` would tie with (refused at save time)."""
    return [other for other in others if overlap(route, other)]
