"""Review routes (审批路线): the steps of the secrecy review and the approval (docs/routes.md).

Pure: the model and its parser (``model``), which route an item takes (``resolution``), the default
route derived from the item workflow (``default``), who may decide each step and whether every step
can reach its quorum (``eligibility``, ``checks``). Reading stored routes: ``store``.
"""
from workflow.routes.checks import Problem, check_route, check_route_for_item
from workflow.routes.default import default_route
from workflow.routes.eligibility import Directory, ItemFacts, Person, analyse, eligible
from workflow.routes.model import Deciders, Quorum, Route, RouteStep, parse_quorum, parse_route
from workflow.routes.resolution import resolve, specificity

__all__ = ["Deciders", "Directory", "ItemFacts", "Person", "Problem", "Quorum", "Route", "RouteStep", "analyse",
           "check_route", "check_route_for_item", "default_route", "eligible", "parse_quorum", "parse_route",
           "resolve", "specificity"]
