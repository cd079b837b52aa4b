"""The item page's step line on a phone (web/ui/steps.py): 起草 → the route's steps → 已公开, the current step
marked, for the default route, a route of its own, a returned draft and a finished item."""
from __future__ import annotations

from web.ui.steps import item_steps


def _line(state: str, route: dict | None = None) -> list[tuple[str, str]]:
    return [(step["label"], step["status"]) for step in item_steps(state, route)]


def _route(*steps: tuple[str, str]) -> dict:
    return {"name": "学生处路线", "steps": [{"name": name, "status": status} for name, status in steps]}


def test_the_default_stages_when_the_route_is_not_shown() -> None:
    assert _line("draft") == [("起草", "current"), ("保密审查", "pending"), ("审批", "pending"), ("已公开", "pending")]
    assert _line("approval") == [("起草", "done"), ("保密审查", "done"), ("审批", "current"), ("已公开", "pending")]
    assert _line("published") == [("起草", "done"), ("保密审查", "done"), ("审批", "done"), ("已公开", "current")]
    assert _line("scheduled")[-1] == ("待发布", "current") and _line("archived")[-1] == ("已归档", "current")


def test_the_route_steps_in_between() -> None:
    route = _route(("部门审查", "done"), ("保密办复审", "active"), ("校领导会签", "pending"))
    assert _line("secrecy_review", route) == [("起草", "done"), ("部门审查", "done"), ("保密办复审", "current"),
                                              ("校领导会签", "pending"), ("已公开", "pending")]
    # sent back to the drafter: every step is ahead again, whatever votes the old revision had
    assert [status for _, status in _line("draft", route)] == ["current", "pending", "pending", "pending", "pending"]
    assert [status for _, status in _line("published", route)] == ["done", "done", "done", "done", "current"]
