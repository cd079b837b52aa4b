"""The item page's actions, derived from the workflow spec: how they are grouped and how a form is read.

``items.item_actions`` answers which triggers the user may fire on the item and what each needs; this
module arranges them for the page and parses a posted action form by the trigger's declared fields, so
a trigger added to the spec appears (and works) without a change here or in the template.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from werkzeug.datastructures import MultiDict

from workflow.access import Actor
from workflow.checklist import QUESTIONS
from workflow.spec import Action, Field, TriggerSpec, WorkflowSpec


@dataclass(frozen=True)
class ActionPanel:
    """What the item page offers, grouped by purpose.

    ``buttons``: actions without inputs (a button in the page header). ``forms``: actions asking for
    input, in the card of the item's state. ``refused``: labels of the decisions the state awaits that
    the user holds the role for but may not take (separation of duties: say so rather than hide it).
    ``shows_findings``: the state awaits a decision taking a list of findings (``pass_review``'s
    ``accept_findings``) and the user holds the role it awaits: the card shows the scan findings.
    ``findings_action``/``findings_field``: the offered action whose list input the findings table's
    checkbox column feeds, if any.
    """

    state: str
    buttons: tuple[Action, ...]
    forms: tuple[Action, ...]
    refused: tuple[str, ...]
    shows_findings: bool
    findings_action: str | None = None
    findings_field: str | None = None


def action_panel(spec: WorkflowSpec[Any], actor: Actor, state: str, department_id: int,
                 actions: list[Action]) -> ActionPanel:
    """Group ``actions`` (the permitted ones, in spec order) for the page of an item in ``state``."""
    offered = {action.name for action in actions}
    awaited = [trigger for trigger in spec.triggers_from(state) if trigger.awaited_by]
    holds = [trigger for trigger in awaited if actor.acts_as(str(trigger.awaited_by), department_id)]
    findings = next(((action.name, field.name) for action in actions for field in action.fields
                     if _lists_findings(field)), (None, None))
    return ActionPanel(
        state=state,
        buttons=tuple(action for action in actions if not _asks(action)),
        forms=tuple(action for action in actions if _asks(action)),
        refused=tuple(trigger.label for trigger in holds if trigger.name not in offered),
        shows_findings=any(_lists_findings(field) for trigger in holds for field in trigger.fields),
        findings_action=findings[0], findings_field=findings[1],
    )


def _lists_findings(field: Field) -> bool:
    # a list input without choices of its own picks from the scan findings (the table's checkbox column)
    return field.kind == "multi" and not field.choices


def _asks(action: Action) -> bool:
    # a confirmation is asked in the form (a required checkbox), so an action needing one gets a form
    return action.needs_form or bool(action.confirm)


def form_inputs(trigger: TriggerSpec, form: MultiDict[str, str] | Mapping[str, Any]) -> dict[str, Any]:
    """The inputs ``trigger`` declares, read from a posted form by their kind.

    A checklist comes from its ``q_<key>`` yes/no radios (``workflow.checklist.QUESTIONS``), a list
    input from all values of its name, any other input from its one value, trimmed. Empty values are
    left out: an empty optional box means "not given" (an empty ``publish_at`` keeps the item's own),
    an empty required one is reported by the verb ("请填写…"). Anything the trigger does not declare
    is ignored.
    """
    inputs: dict[str, Any] = {}
    for declared in trigger.fields:
        if declared.kind == "checklist":
            inputs[declared.name] = {question.key: form.get(f"q_{question.key}") == "yes" for question in QUESTIONS
                                     if form.get(f"q_{question.key}") in ("yes", "no")}
        elif declared.kind == "multi":
            values = form.getlist(declared.name) if isinstance(form, MultiDict) else form.get(declared.name)
            if values:
                inputs[declared.name] = list(values)
        else:
            value = form.get(declared.name)
            if isinstance(value, str) and value.strip():
                inputs[declared.name] = value.strip()
    return inputs
