"""The states of a disclosure item, with their labels and colours (the item spec's vocabulary).

Kept apart from ``workflow.item_spec`` (which imports effects, findings and the scanner) so that any
module may ask "which states are open" without importing the workflow itself.
"""
from __future__ import annotations

from workflow.i18n import N_
from workflow.spec import StateEnum


class ItemState(StateEnum):
    """The six states of an item; the first three are open (work is owed, deadlines run)."""

    DRAFT = "draft", N_("草稿"), "secondary", True
    SECRECY_REVIEW = "secrecy_review", N_("保密审查"), "info", True
    APPROVAL = "approval", N_("审批"), "primary", True
    SCHEDULED = "scheduled", N_("待发布"), "warning", False
    PUBLISHED = "published", N_("已公开"), "success", False
    ARCHIVED = "archived", N_("已归档"), "dark", False


OPEN_STATES: tuple[str, ...] = tuple(state.value for state in ItemState if state.is_open)
